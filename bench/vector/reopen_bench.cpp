// bench_reopen --store PATH [--collection NAME] [--runs 3]
//
// Reopen time of an existing embedded Milvus store: open_embedded_store + the first vector
// search of --collection (default: the store's first collection), the way bench_vector's
// "reopen" row measures it, here cold and warm. Cold: the page cache of just the store's own
// files (PATH and every file beside it whose name starts with PATH's: -wal, the graph, keys,
// meta and keyword files) is dropped first (fdatasync + posix_fadvise DONTNEED, which works
// for files no other process maps, without touching the rest of the cache); the share of their
// pages still resident is printed to show the drop worked. Warm: the same reopen right after.
// The store is opened without saving on close, so the files are only read. Prints each run,
// then the medians, with the load average before and after.
// Cold means this machine's page cache: on a virtual machine whose host caches the disk image,
// a file read recently still comes from the host's cache (on the machine of SCALE_RESULTS.md
// 1.4-1.9 GB/s, against about 370 MB/s for data not read for half an hour), so the first run
// of a store not read for a while is colder than the runs after it.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "vector/embedded_store.h"

using namespace memgpt;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return fmt::format("{} {} {}", a, b, c);
}

// The store's files: PATH and its siblings named PATH<suffix>.
std::vector<std::string> store_files(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string stem = p.filename().string();
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename().string().rfind(stem, 0) == 0) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void drop_from_cache(const std::string& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fdatasync(fd);  // dirty pages cannot be dropped
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

struct Residency {
  size_t resident = 0, pages = 0;
};

Residency residency(const std::string& file) {
  Residency r;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return r;
  struct stat st{};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    auto size = static_cast<size_t>(st.st_size);
    void* base = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (base != MAP_FAILED) {
      size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
      std::vector<unsigned char> in((size + page - 1) / page);
      if (::mincore(base, size, in.data()) == 0) {
        r.pages = in.size();
        for (unsigned char c : in) r.resident += c & 1;
      }
      ::munmap(base, size);
    }
  }
  ::close(fd);
  return r;
}

double resident_share(const std::vector<std::string>& files) {
  Residency all;
  for (const auto& f : files) {
    Residency r = residency(f);
    all.resident += r.resident;
    all.pages += r.pages;
  }
  return all.pages ? 100.0 * all.resident / all.pages : 0;
}

struct Reopen {
  double open = 0, first_search = 0;
  double total() const { return open + first_search; }
};

Reopen reopen(const std::string& path, const std::string& collection, const std::vector<float>& query) {
  vector::EmbeddedOptions options;
  options.save_index_on_close = false;
  Reopen r;
  auto t = Clock::now();
  auto store = vector::open_embedded_store(path, options);
  if (!store.ok()) {
    fmt::print(stderr, "bench_reopen: {}\n", store.status().message());
    std::exit(1);
  }
  r.open = seconds_since(t);
  t = Clock::now();
  vector::SearchRequest req;
  req.vector = query;
  req.limit = 10;
  auto hits = (*store)->search(collection, req);
  r.first_search = seconds_since(t);
  if (!hits.ok() || hits->empty()) {
    fmt::print(stderr, "bench_reopen: the first search failed: {}\n", hits.ok() ? "no hits" : hits.status().message());
    std::exit(1);
  }
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string path, collection;
  int runs = 3;
  const char* usage = "usage: bench_reopen --store PATH [--collection NAME] [--runs 3]\n";
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fmt::print("{}", usage);
      return 0;
    }
    if ((a != "--store" && a != "--collection" && a != "--runs") || i + 1 >= argc) {
      fmt::print(stderr, "bench_reopen: {} {}{}", a, i + 1 >= argc ? "needs a value\n" : "is not an option\n", usage);
      return 2;
    }
    if (a == "--store") path = argv[i + 1];
    else if (a == "--collection") collection = argv[i + 1];
    else runs = std::max(1, std::atoi(argv[i + 1]));
  }
  if (path.empty() || !std::filesystem::exists(path)) {
    fmt::print(stderr, "bench_reopen: --store must name an existing store\n{}", usage);
    return 2;
  }
  int dim = 0;
  {
    vector::EmbeddedOptions options;
    options.save_index_on_close = false;
    auto store = vector::open_embedded_store(path, options);
    if (!store.ok()) {
      fmt::print(stderr, "bench_reopen: {}\n", store.status().message());
      return 1;
    }
    if (collection.empty()) {
      auto names = (*store)->list_collections();
      if (!names.ok() || names->empty()) {
        fmt::print(stderr, "bench_reopen: the store has no collection\n");
        return 1;
      }
      collection = names->front();
    }
    auto spec = (*store)->describe_collection(collection);
    if (!spec.ok() || spec->dim() == 0) {
      fmt::print(stderr, "bench_reopen: no vector collection {}\n", collection);
      return 1;
    }
    dim = spec->dim();
  }
  std::mt19937 rng(42);
  std::normal_distribution<float> gauss;
  std::vector<float> query(static_cast<size_t>(dim));
  for (float& x : query) x = gauss(rng);

  std::vector<std::string> files = store_files(path);
  uintmax_t bytes = 0;
  for (const auto& f : files) bytes += std::filesystem::file_size(f);
  fmt::print("store {} ({} files, {:.2f} GB), collection {}, {} runs\n", path, files.size(), bytes / 1e9, collection,
             runs);
  fmt::print("load average before: {}\n", load_average());
  std::vector<double> cold_open, cold_search, cold_total, warm_open, warm_search, warm_total;
  for (int run = 1; run <= runs; ++run) {
    for (const auto& f : files) drop_from_cache(f);
    double left = resident_share(files);
    Reopen cold = reopen(path, collection, query);
    Reopen warm = reopen(path, collection, query);
    fmt::print(
        "run {}: cold ({:.1f}% of the files' pages resident before) open {:.3f} s + first search {:.3f} s = {:.3f} s; "
        "warm open {:.3f} s + first search {:.3f} s = {:.3f} s; load {}\n",
        run, left, cold.open, cold.first_search, cold.total(), warm.open, warm.first_search, warm.total(), load_average());
    cold_open.push_back(cold.open), cold_search.push_back(cold.first_search), cold_total.push_back(cold.total());
    warm_open.push_back(warm.open), warm_search.push_back(warm.first_search), warm_total.push_back(warm.total());
  }
  fmt::print("median cold reopen {:.3f} s (open {:.3f} s, first search {:.3f} s); warm reopen {:.3f} s (open {:.3f} s, "
             "first search {:.3f} s)\n",
             median(cold_total), median(cold_open), median(cold_search), median(warm_total), median(warm_open),
             median(warm_search));
  fmt::print("load average after: {}\n", load_average());
  return 0;
}
