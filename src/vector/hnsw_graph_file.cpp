#include "vector/hnsw_graph_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace memgpt::vector::embedded {

// ---- GraphHolder ----------------------------------------------------------------------------

GraphHolder& GraphHolder::operator=(GraphHolder&& other) noexcept {
  reset();
  graph_ = std::move(other.graph_);
  std::swap(map_, other.map_);
  std::swap(map_size_, other.map_size_);
  return *this;
}

GraphHolder& GraphHolder::operator=(std::unique_ptr<Graph> g) {
  reset();
  graph_ = std::move(g);
  return *this;
}

void GraphHolder::adopt_mapping(void* base, size_t size) {
  map_ = base;
  map_size_ = size;
}

void GraphHolder::reset() {
  if (map_) {
    if (graph_) graph_->data_level0_memory_ = nullptr;  // hnswlib's destructor frees it
    ::munmap(map_, map_size_);
    map_ = nullptr;
  }
  graph_.reset();
}

void GraphHolder::resize(size_t max_elements) {
  if (map_) {
    size_t bytes = graph_->cur_element_count * graph_->size_data_per_element_;
    char* heap = static_cast<char*>(std::malloc(std::max<size_t>(bytes, 1)));
    if (!heap) throw std::bad_alloc();
    std::memcpy(heap, graph_->data_level0_memory_, bytes);
    graph_->data_level0_memory_ = heap;
    ::munmap(map_, map_size_);
    map_ = nullptr;
  }
  graph_->resizeIndex(max_elements);
}

// ---- reading --------------------------------------------------------------------------------

namespace {

struct Header {
  size_t offset_level0, max_elements, count, size_per_element, label_offset, offset_data;
  int max_level;
  hnswlib::tableint enter_point;
  size_t max_m, max_m0, m;
  double mult;
  size_t ef_construction;
};
// Field by field, as saveIndex writes them (no padding between).
constexpr size_t kHeaderBytes = 8 * 6 + 4 + 4 + 8 * 3 + 8 + 8;

Header read_header(const char* p) {
  Header hd{};
  size_t pos = 0;
  auto take = [&](auto& field) {
    std::memcpy(&field, p + pos, sizeof field);
    pos += sizeof field;
  };
  take(hd.offset_level0), take(hd.max_elements), take(hd.count), take(hd.size_per_element);
  take(hd.label_offset), take(hd.offset_data), take(hd.max_level), take(hd.enter_point);
  take(hd.max_m), take(hd.max_m0), take(hd.m), take(hd.mult), take(hd.ef_construction);
  return hd;
}

// Parses a mapped file; an empty holder when anything is off. The mapping stays the caller's
// unless the graph is returned (its holder then owns it): another thread may still be hashing it.
GraphHolder parse_mapped(void* base, size_t file_size, hnswlib::SpaceInterface<float>* space, int m,
                         int ef_construction) {
  GraphHolder out;
  const Header hd = read_header(static_cast<const char*>(base));
  size_t data_size = space->get_data_size();
  size_t links0 = hd.max_m0 * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
  if (hd.m != static_cast<size_t>(m) || hd.max_m != hd.m || hd.max_m0 != 2 * hd.m || hd.offset_level0 != 0 ||
      hd.offset_data != links0 || hd.label_offset != links0 + data_size ||
      hd.size_per_element != links0 + data_size + sizeof(hnswlib::labeltype) || hd.count > (size_t{1} << 32) ||
      !(hd.mult > 0 && hd.mult < 10) || hd.ef_construction == 0 ||
      (hd.count > 0 && (hd.enter_point >= hd.count || hd.max_level < 0 || hd.max_level > 64))) {
    return GraphHolder();
  }
  size_t level0_bytes = hd.count * hd.size_per_element;
  if (file_size < kHeaderBytes + level0_bytes + 4 * hd.count) return GraphHolder();

  try {
    out = std::make_unique<Graph>(space, std::max<size_t>(hd.count, 1), hd.m, static_cast<size_t>(ef_construction));
  } catch (const std::exception&) {  // hnswlib's allocation failed
    return GraphHolder();
  }
  Graph* g = out.get();
  std::free(g->data_level0_memory_);
  g->data_level0_memory_ = static_cast<char*>(base) + kHeaderBytes;
  // Until the graph is returned, a failure (or an exception) detaches the block, so that
  // neither hnswlib's destructor nor the holder frees or unmaps the caller's mapping.
  struct Detach {
    Graph* g;
    bool armed = true;
    ~Detach() {
      if (armed) g->data_level0_memory_ = nullptr;
    }
  } detach{g};
  g->ef_construction_ = hd.ef_construction;
  g->mult_ = hd.mult;
  g->revSize_ = 1.0 / hd.mult;
  std::string_view tail(static_cast<const char*>(base) + kHeaderBytes + level0_bytes,
                        file_size - kHeaderBytes - level0_bytes);
  // From here the destructor frees exactly the link lists whose level is set.
  g->cur_element_count = hd.count;
  size_t links = g->size_links_per_element_;
  auto links_ok = [&](const char* list, size_t max_count) {
    hnswlib::linklistsizeint n;
    std::memcpy(&n, list, sizeof n);
    n &= 0xffff;  // the upper bytes hold the deletion mark
    if (n > max_count) return false;
    const char* ids = list + sizeof n;
    for (size_t j = 0; j < n; ++j) {
      hnswlib::tableint id;
      std::memcpy(&id, ids + j * sizeof id, sizeof id);
      if (id >= hd.count) return false;
    }
    return true;
  };
  size_t at = 0;
  for (size_t i = 0; i < hd.count; ++i) {
    if (!links_ok(g->data_level0_memory_ + i * hd.size_per_element, hd.max_m0)) return GraphHolder();
    uint32_t size;
    if (tail.size() - at < sizeof size) return GraphHolder();
    std::memcpy(&size, tail.data() + at, sizeof size);
    at += sizeof size;
    if (size == 0) {
      g->element_levels_[i] = 0;
      g->linkLists_[i] = nullptr;
      continue;
    }
    if (size % links != 0 || size / links > static_cast<size_t>(hd.max_level) || tail.size() - at < size) {
      return GraphHolder();
    }
    char* list = static_cast<char*>(std::malloc(size));
    if (!list) return GraphHolder();
    std::memcpy(list, tail.data() + at, size);
    at += size;
    g->linkLists_[i] = list;
    g->element_levels_[i] = static_cast<int>(size / links);
    for (size_t l = 0; l < size / links; ++l) {
      if (!links_ok(list + l * links, hd.max_m)) return GraphHolder();
    }
  }
  if (at != tail.size()) return GraphHolder();
  g->maxlevel_ = hd.count ? hd.max_level : -1;
  g->enterpoint_node_ = hd.count ? hd.enter_point : static_cast<hnswlib::tableint>(-1);
  if (hd.count && g->element_levels_[hd.enter_point] != hd.max_level) return GraphHolder();
  g->label_lookup_.reserve(hd.count);
  g->num_deleted_ = 0;
  for (size_t i = 0; i < hd.count; ++i) {
    g->label_lookup_[g->getExternalLabel(static_cast<hnswlib::tableint>(i))] = static_cast<hnswlib::tableint>(i);
    if (g->isMarkedDeleted(static_cast<hnswlib::tableint>(i))) ++g->num_deleted_;
  }
  if (g->label_lookup_.size() != hd.count) return GraphHolder();
  detach.armed = false;
  out.adopt_mapping(base, file_size);
  return out;
}

// Brings a mapped file into memory on a few threads, 8 MB at a time in file order, just ahead
// of the threads that hash and check it. Page faults (and a single MADV_WILLNEED, which the
// kernel caps at one readahead window) keep about one read in flight, which a disk serves at
// 300-550 MB/s here; three readers keep three in flight (a 1.68 GB graph not cached anywhere:
// 1.9 s instead of 4.7 s). MADV_POPULATE_READ (Linux 5.14) reads through the page-fault path
// and maps what it read for the other threads. Nothing starts when the file is already cached.
// Joined on destruction, before the mapping may be unmapped.
class ReadAhead {
 public:
  ReadAhead(char* base, size_t size) : base_(base), size_(size) {
    // Only a speed-up: without memory or threads for it, the page faults read the file.
    try {
      if (cached(base, size)) return;
      for (int i = 0; i < kReaders; ++i) readers_.emplace_back([this] { read(); });
    } catch (const std::exception&) {  // std::bad_alloc, std::system_error
    }
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  ~ReadAhead() {
    for (auto& t : readers_) t.join();
  }

 private:
  static constexpr int kReaders = 3;
  static constexpr size_t kChunk = size_t{8} << 20;

  static bool cached(char* base, size_t size) {
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::vector<unsigned char> in((size + page - 1) / page);
    return ::mincore(base, size, in.data()) == 0 &&
           std::all_of(in.begin(), in.end(), [](unsigned char c) { return (c & 1) != 0; });
  }
  void read() {
    for (size_t at; (at = next_.fetch_add(kChunk)) < size_;) {
      if (::madvise(base_ + at, std::min(kChunk, size_ - at), MADV_POPULATE_READ) != 0) return;
    }
  }

  char* base_;
  size_t size_;
  std::atomic<size_t> next_{0};
  std::vector<std::thread> readers_;
};

}  // namespace

// hnswlib 0.6.2's own loadIndex makes several system calls per element (about 6 s for a
// million) and copies every byte, so the file is mapped and parsed in place. The hash runs on
// a second thread while this one validates the structure and builds the label table (each
// about half of the CPU time of a load, and both bring every page in now rather than during
// the first searches), with ReadAhead's threads reading ahead of both when the file is not
// cached; the graph is used only when both checks pass. The structural checks never read
// outside the file whatever its bytes, so running them before the hash is known is safe.
GraphHolder load_graph(const std::string& path, hnswlib::SpaceInterface<float>* space, int m, int ef_construction,
                       std::optional<uint64_t> expected_hash) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct stat st{};
  bool sized = ::fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(kHeaderBytes);
  void* base = sized ? ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
                     : MAP_FAILED;
  ::close(fd);  // the mapping stays valid
  if (base == MAP_FAILED) return {};
  size_t file_size = static_cast<size_t>(st.st_size);
  // Huge-page folios: what the readers bring in is then mapped 2 MB at a time, as a single
  // sequential reader's would be (without it, three readers leave 4 KB folios: 25,000 page
  // faults for the next load of the cached file instead of 1,000, and more TLB misses).
  ::madvise(base, file_size, MADV_HUGEPAGE);
  ::madvise(base, file_size, MADV_WILLNEED);
  std::optional<ReadAhead> read_ahead(std::in_place, static_cast<char*>(base), file_size);
  bool hash_ok = true;
  auto check_hash = [&] { hash_ok = XXH3_64bits(base, file_size) == *expected_hash; };
  std::thread hasher;
  if (expected_hash) {
    try {
      hasher = std::thread(check_hash);
    } catch (const std::system_error&) {  // no thread to spare: hash here first
      check_hash();
    }
  }
  GraphHolder graph;
  try {
    graph = parse_mapped(base, file_size, space, m, ef_construction);
  } catch (const std::exception&) {  // out of memory for the lookup table
  }
  if (hasher.joinable()) hasher.join();
  read_ahead.reset();
  if (!graph) {
    ::munmap(base, file_size);
    return {};
  }
  if (!hash_ok) return {};  // the holder unmaps
  return graph;
}

// ---- writing --------------------------------------------------------------------------------

namespace {

// Writes to a file descriptor through a buffer, hashing every byte; remembers the first error.
class HashedWriter {
 public:
  explicit HashedWriter(int fd) : fd_(fd), state_(XXH3_createState()) {
    if (!state_) error_ = ENOMEM;
    else XXH3_64bits_reset(state_);
  }
  ~HashedWriter() { XXH3_freeState(state_); }

  template <typename T>
  void pod(const T& v) {
    bytes(&v, sizeof v);
  }
  void bytes(const void* p, size_t n) {
    if (error_) return;
    XXH3_64bits_update(state_, p, n);
    if (n >= kBuffer) {  // a large block goes straight to the file
      flush();
      write_all(static_cast<const char*>(p), n);
      return;
    }
    buffer_.append(static_cast<const char*>(p), n);
    if (buffer_.size() >= kBuffer) flush();
  }
  void flush() {
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  int error() const { return error_; }
  uint64_t hash() const { return XXH3_64bits_digest(state_); }

 private:
  static constexpr size_t kBuffer = 1 << 20;
  void write_all(const char* p, size_t n) {
    while (n > 0 && !error_) {
      ssize_t w = ::write(fd_, p, std::min<size_t>(n, size_t{1} << 30));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        return;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  int fd_;
  XXH3_state_t* state_;
  std::string buffer_;
  int error_ = 0;
};

}  // namespace

Result<uint64_t> save_graph(const Graph& g, const std::string& path) {
  std::string tmp = fmt::format("{}.tmp{}", path, ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot write the index file (disk full or not writable?)");
  HashedWriter w(fd);
  w.pod(g.offsetLevel0_), w.pod(g.max_elements_), w.pod(g.cur_element_count), w.pod(g.size_data_per_element_);
  w.pod(g.label_offset_), w.pod(g.offsetData_), w.pod(g.maxlevel_), w.pod(g.enterpoint_node_);
  w.pod(g.maxM_), w.pod(g.maxM0_), w.pod(g.M_), w.pod(g.mult_), w.pod(g.ef_construction_);
  w.bytes(g.data_level0_memory_, g.cur_element_count * g.size_data_per_element_);
  for (size_t i = 0; i < g.cur_element_count; ++i) {
    uint32_t size = g.element_levels_[i] > 0 ? static_cast<uint32_t>(g.size_links_per_element_ * g.element_levels_[i]) : 0;
    w.pod(size);
    if (size) w.bytes(g.linkLists_[i], size);
  }
  w.flush();
  bool ok = !w.error() && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return io_error("cannot write the index file (disk full or not writable?)");
  }
  return w.hash();
}

}  // namespace memgpt::vector::embedded
