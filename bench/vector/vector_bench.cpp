// bench_vector [--n 50000] [--queries 1000] [--data glove|synthetic] [--dim 384] [--faiss 0|1] [--hnswlib 0|1] [--memgpt 0|1]
//
// Data: GloVe 6B 100-d (the built-in embedder's table, L2-normalised) or synthetic Gaussian
// vectors. Queries are held out (seed 42). Compares, single-threaded search, one query per call:
//   exact brute force, raw hnswlib, raw FAISS IndexHNSWFlat, our embedded engine (through the
//   VectorStore interface: SQL, filters, row fetch included)
// with M=16, efConstruction=200 and an ef sweep; then filtered search at 1% and 10%
// selectivity, each filtered plan forced (exact and filtered walk at 30%, deeper whole-graph
// search at 80%), bulk insert rate, reopen time and resident memory. Graphs are built on 2 threads
// (raw hnswlib's and ours alike; FAISS's OpenMP set to 2 threads), searches run on 1 thread
// (FAISS's OpenMP set to 1 thread for them), the engines' unfiltered sweeps interleaved in
// blocks of 50 queries so that they share the machine's load. Ground truth is computed on 2
// threads; brute-force QPS is timed on 1 thread over the first queries.
#include <fmt/format.h>
#include <hnswlib/hnswlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <numeric>
#include <random>
#include <set>
#include <tuple>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#ifdef MEMGPT_BENCH_FAISS
#include <faiss/IndexHNSW.h>
#include <omp.h>
#endif

#include "vector/embedded_store.h"

using namespace memgpt;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

long rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return 0;
}

void normalize(float* v, int d) {
  double n = 0;
  for (int i = 0; i < d; ++i) n += double(v[i]) * v[i];
  float inv = n > 0 ? float(1 / std::sqrt(n)) : 0;
  for (int i = 0; i < d; ++i) v[i] *= inv;
}

// GloVe vectors from the built-in embedder's table (int8, dequantised).
std::vector<float> load_glove(int& dim, size_t& count) {
  std::string path = std::string(MEMGPT_BUILD_DATA_DIR) + "/glove-100d.bin";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "missing {} (build memgpt first)\n", path);
    std::exit(1);
  }
  std::vector<char> buf((std::istreambuf_iterator<char>(in)), {});
  uint32_t n, d;
  std::memcpy(&n, buf.data() + 8, 4);
  std::memcpy(&d, buf.data() + 12, 4);
  size_t off = 20 + 4ull * (n + 1);
  const float* scales = reinterpret_cast<const float*>(buf.data() + off);
  const int8_t* vecs = reinterpret_cast<const int8_t*>(buf.data() + off + 4ull * n);
  std::vector<float> out(size_t(n) * d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < d; ++k) out[i * d + k] = scales[i] * vecs[i * d + k];
    normalize(&out[i * d], int(d));
  }
  dim = int(d);
  count = n;
  return out;
}

struct BenchRow {
  std::string method;
  int ef;
  double recall;
  double qps;
};

double recall_at10(const std::vector<std::vector<int64_t>>& got, const std::vector<std::vector<int64_t>>& truth) {
  double hit = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    std::unordered_set<int64_t> t(truth[q].begin(), truth[q].end());
    for (auto id : got[q]) hit += t.count(id);
  }
  return hit / (10.0 * truth.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 50000, nq = 1000;
  std::string data = "glove";
  int dim = 384;
  bool with_faiss = true, with_hnswlib = true, with_memgpt = true;  // 0 skips a baseline when time is short
  const char* usage =
      "usage: bench_vector [--n 50000] [--queries 1000] [--data glove|synthetic] [--dim 384] [--faiss 0|1] "
      "[--hnswlib 0|1] [--memgpt 0|1]\n";
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fmt::print("{}", usage);
      return 0;
    }
    static const std::set<std::string> known = {"--n", "--queries", "--data", "--dim", "--faiss", "--hnswlib", "--memgpt"};
    if (!known.count(a) || i + 1 >= argc) {
      fmt::print(stderr, "bench_vector: {} {}{}", a, known.count(a) ? "needs a value\n" : "is not an option\n", usage);
      return 2;
    }
    if (a == "--n") n = std::stoul(argv[i + 1]);
    else if (a == "--queries") nq = std::stoul(argv[i + 1]);
    else if (a == "--data") data = argv[i + 1];
    else if (a == "--dim") dim = std::stoi(argv[i + 1]);
    else if (a == "--faiss") with_faiss = std::stoi(argv[i + 1]) != 0;
    else if (a == "--hnswlib") with_hnswlib = std::stoi(argv[i + 1]) != 0;
    else if (a == "--memgpt") with_memgpt = std::stoi(argv[i + 1]) != 0;
  }
  std::vector<float> all;
  size_t total = 0;
  if (data == "glove") {
    all = load_glove(dim, total);
  } else {
    total = n + nq;
    all.resize(total * dim);
    std::mt19937 rng(7);
    std::normal_distribution<float> g;
    for (auto& x : all) x = g(rng);
    for (size_t i = 0; i < total; ++i) normalize(&all[i * dim], dim);
  }
  // Hold out queries (seed 42), base = the next n vectors.
  std::vector<size_t> order(total);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  n = std::min(n, total - nq);
  std::vector<float> base(n * dim), queries(nq * dim);
  for (size_t i = 0; i < nq; ++i) std::memcpy(&queries[i * dim], &all[order[i] * dim], dim * 4);
  for (size_t i = 0; i < n; ++i) std::memcpy(&base[i * dim], &all[order[nq + i] * dim], dim * 4);
  all.clear();
  all.shrink_to_fit();
  fmt::print("data {} ({} dims): {} base vectors, {} queries; M=16 efConstruction=200; search on 1 thread\n",
             data, dim, n, nq);

  // Exact search with hnswlib's SIMD inner product (1 - ip), as a flat index would compute it.
  hnswlib::InnerProductSpace flat_space(dim);
  auto flat_dist = flat_space.get_dist_func();
  void* flat_param = flat_space.get_dist_func_param();
  auto exact = [&](const float* q, const std::vector<char>* allowed) {
    std::vector<std::pair<float, int64_t>> s;
    s.reserve(allowed ? n / 8 : n);
    for (size_t i = 0; i < n; ++i) {
      if (allowed && !(*allowed)[i]) continue;
      s.emplace_back(flat_dist(q, &base[i * dim], flat_param), int64_t(i));
    }
    std::partial_sort(s.begin(), s.begin() + std::min<size_t>(10, s.size()), s.end());
    std::vector<int64_t> ids;
    for (size_t k = 0; k < std::min<size_t>(10, s.size()); ++k) ids.push_back(s[k].second);
    return ids;
  };
  // Runs body(q) for every query on 2 threads (ground truth only: not a measured figure).
  auto for_queries = [&](auto&& body) {
    std::thread other([&] {
      for (size_t q = 1; q < nq; q += 2) body(q);
    });
    for (size_t q = 0; q < nq; q += 2) body(q);
    other.join();
  };
  // Ground truth and brute-force speed.
  std::vector<std::vector<int64_t>> truth(nq);
  auto t = Clock::now();
  size_t timed = std::min<size_t>(nq, n >= 500000 ? 100 : 500);
  for (size_t q = 0; q < timed; ++q) truth[q] = exact(&queries[q * dim], nullptr);
  double brute_qps = timed / seconds_since(t);
  for_queries([&](size_t q) {
    if (q >= timed) truth[q] = exact(&queries[q * dim], nullptr);
  });
  std::vector<BenchRow> results;
  results.push_back({"brute force", 0, 1.0, brute_qps});
  std::vector<int> efs = {16, 32, 64, 128, 256};

  // The unfiltered ef sweep of every engine runs interleaved: blocks of queries in turn on each
  // engine (the first engine rotating), so a shared machine's load falls on all of them alike
  // and their QPS ratios hold even when the absolute figures do not.
  struct Engine {
    std::string name;
    std::function<void(int ef)> set_ef;
    std::function<std::vector<int64_t>(const float* query)> search;
  };
  std::vector<Engine> engines;
  auto sweep = [&] {
    constexpr size_t kBlock = 50;
    std::vector<std::vector<BenchRow>> rows(engines.size());
    for (int ef : efs) {
      std::vector<std::vector<std::vector<int64_t>>> got(engines.size(), std::vector<std::vector<int64_t>>(nq));
      std::vector<double> seconds(engines.size(), 0);
      for (auto& e : engines) e.set_ef(ef);
      for (size_t b = 0; b < nq; b += kBlock) {
        for (size_t k = 0; k < engines.size(); ++k) {
          size_t e = (k + b / kBlock) % engines.size();
          auto start = Clock::now();
          for (size_t q = b; q < std::min(nq, b + kBlock); ++q) got[e][q] = engines[e].search(&queries[q * dim]);
          seconds[e] += seconds_since(start);
        }
      }
      for (size_t e = 0; e < engines.size(); ++e) {
        rows[e].push_back({engines[e].name, ef, recall_at10(got[e], truth), nq / seconds[e]});
      }
    }
    for (const auto& r : rows) results.insert(results.end(), r.begin(), r.end());
  };

  // Raw hnswlib.
  hnswlib::InnerProductSpace space(dim);
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  if (with_hnswlib) {
    long before = rss_mb();
    t = Clock::now();
    hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, n, 16, 200);
    std::atomic<size_t> next{0};
    auto add = [&] {
      for (size_t i = next++; i < n; i = next++) hnsw->addPoint(&base[i * dim], i);
    };
    std::thread other(add);
    add();
    other.join();
    fmt::print("hnswlib: build {:.1f} s ({:.0f} rows/s, 2 threads), +{} MB\n", seconds_since(t), n / seconds_since(t), rss_mb() - before);
    engines.push_back({"hnswlib", [&](int ef) { hnsw->setEf(ef); },
                       [&](const float* query) {
                         std::vector<int64_t> ids;
                         auto pq = hnsw->searchKnn(query, 10);
                         while (!pq.empty()) {
                           ids.push_back(int64_t(pq.top().second));
                           pq.pop();
                         }
                         return ids;
                       }});
  }
#ifdef MEMGPT_BENCH_FAISS
  std::unique_ptr<faiss::IndexHNSWFlat> faiss_index;
  if (with_faiss) {
    long before = rss_mb();
    t = Clock::now();
    faiss_index = std::make_unique<faiss::IndexHNSWFlat>(dim, 16, faiss::METRIC_INNER_PRODUCT);
    faiss_index->hnsw.efConstruction = 200;
    omp_set_num_threads(2);  // the same 2 build threads as hnswlib and ours
    faiss_index->add(n, base.data());
    fmt::print("faiss:   build {:.1f} s ({:.0f} rows/s, 2 OpenMP threads), +{} MB\n", seconds_since(t),
               n / seconds_since(t), rss_mb() - before);
    // Searches on one thread like the others: with OpenMP's default (one thread per core) every
    // one-query search call would start a parallel region.
    omp_set_num_threads(1);
    fmt::print("faiss:   searches on {} OpenMP thread(s)\n", omp_get_max_threads());
    // FAISS 1.7.3 also bounds the queue by the index's own efSearch.
    engines.push_back({"faiss", [&](int ef) { faiss_index->hnsw.efSearch = ef; },
                       [&](const float* query) {
                         std::vector<float> d(10);
                         std::vector<faiss::Index::idx_t> l(10);
                         faiss_index->search(1, query, 10, d.data(), l.data());
                         return std::vector<int64_t>(l.begin(), l.end());
                       }});
  }
#endif
  // Ours, through the VectorStore interface (--memgpt 0: only the baselines, e.g. when ours was
  // measured at this size in an earlier run).
  if (with_memgpt) {
  std::string dir = std::filesystem::temp_directory_path() / ("memgpt-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = dir + "/bench.db";
  vector::CollectionSpec spec;
  spec.name = "bench";
  spec.fields = {{"id", vector::DataType::kInt64, true, false, 0, 0},
                 {"embedding", vector::DataType::kFloatVector, false, false, 0, dim},
                 {"bucket", vector::DataType::kInt64, false, true, 0, 0}};  // partition key: indexed, like agent_id
  spec.index.field_name = "embedding";
  spec.index.metric = vector::MetricType::kIP;
  double insert_rate = 0, reopen = 0, save = 0;
  long engine_mb = 0, reopened_mb = 0, before = rss_mb();
  {
    auto store = std::move(*vector::open_embedded_store(path));
    (void)store->create_collection(spec);
    t = Clock::now();
    for (size_t start = 0; start < n; start += 1000) {
      std::vector<Json> rows;
      for (size_t i = start; i < std::min(n, start + 1000); ++i) {
        std::vector<float> v(&base[i * dim], &base[i * dim] + dim);
        rows.push_back({{"id", int64_t(i)}, {"embedding", v}, {"bucket", int64_t(i % 100)}});
      }
      auto r = store->insert("bench", rows);
      if (!r.ok()) {
        fmt::print(stderr, "insert failed: {}\n", r.status().message());
        return 1;
      }
    }
    insert_rate = n / seconds_since(t);
    engine_mb = rss_mb() - before;
    t = Clock::now();
    store.reset();  // closing saves the index
    save = seconds_since(t);
  }
  {
    t = Clock::now();
    auto store = std::move(*vector::open_embedded_store(path));
    vector::SearchRequest warm;
    warm.vector.assign(&queries[0], &queries[0] + dim);
    (void)store->search("bench", warm);
    reopen = seconds_since(t);
    reopened_mb = rss_mb() - before;
    int memgpt_ef = 0;
    engines.push_back({"memgpt embedded", [&](int ef) { memgpt_ef = ef; },
                       [&](const float* query) {
                         vector::SearchRequest req;
                         req.vector.assign(query, query + dim);
                         req.limit = 10;
                         req.ef = memgpt_ef;
                         std::vector<int64_t> ids;
                         for (const auto& h : *store->search("bench", req)) ids.push_back(h.id.get<int64_t>());
                         return ids;
                       }});
    sweep();
    engines.clear();
    // Filtered: 1% (bucket 0) and 10% (bucket < 10).
    for (auto [label, filter, buckets] : {std::tuple{"filter 1%", "bucket == 0", 1}, std::tuple{"filter 10%", "bucket < 10", 10}}) {
      std::vector<char> allowed(n);
      for (size_t i = 0; i < n; ++i) allowed[i] = int(i % 100) < buckets;
      std::vector<std::vector<int64_t>> ftruth(nq), got(nq);
      for_queries([&](size_t q) { ftruth[q] = exact(&queries[q * dim], &allowed); });
      t = Clock::now();
      for (size_t q = 0; q < nq; ++q) {
        vector::SearchRequest req;
        req.vector.assign(&queries[q * dim], &queries[q * dim] + dim);
        req.limit = 10;
        req.filter = filter;
        auto hits = store->search("bench", req);
        for (const auto& h : *hits) got[q].push_back(h.id.get<int64_t>());
      }
      results.push_back({std::string("memgpt ") + label, 0, recall_at10(got, ftruth), nq / seconds_since(t)});
    }
  }
  // Each filtered plan forced through the options (the defaults pick by size and share): a 30%
  // filter scored exactly and by the filtered walk, an 80% filter by the deeper whole-graph
  // search. The plan each search took is recorded and printed beside the row.
  {
    vector::EmbeddedOptions exact_plan, walk_plan, deeper_plan;
    exact_plan.exact_search_max_rows = std::numeric_limits<int64_t>::max();
    walk_plan.exact_search_max_rows = 0;
    walk_plan.exact_search_max_fraction = 0;
    walk_plan.graph_walk_cost_factor = 0;
    deeper_plan.exact_search_max_rows = 0;
    for (auto [label, options, buckets] : {std::tuple{"plan exact 30%", exact_plan, 30},
                                           std::tuple{"plan walk 30%", walk_plan, 30},
                                           std::tuple{"plan deeper 80%", deeper_plan, 80}}) {
      std::set<std::string> taken;
      options.on_search_plan = [&](vector::SearchPlan p) { taken.insert(vector::search_plan_name(p)); };
      auto store = std::move(*vector::open_embedded_store(path, options));
      std::vector<char> allowed(n);
      for (size_t i = 0; i < n; ++i) allowed[i] = int(i % 100) < buckets;
      std::vector<std::vector<int64_t>> ftruth(nq), got(nq);
      for_queries([&](size_t q) { ftruth[q] = exact(&queries[q * dim], &allowed); });
      std::string filter = "bucket < " + std::to_string(buckets);
      t = Clock::now();
      for (size_t q = 0; q < nq; ++q) {
        vector::SearchRequest req;
        req.vector.assign(&queries[q * dim], &queries[q * dim] + dim);
        req.limit = 10;
        req.filter = filter;
        auto hits = store->search("bench", req);
        for (const auto& h : *hits) got[q].push_back(h.id.get<int64_t>());
      }
      double qps = nq / seconds_since(t);
      std::string method = std::string("memgpt ") + label;
      for (const auto& p : taken) method += " [" + p + "]";
      results.push_back({method, 0, recall_at10(got, ftruth), qps});
    }
  }
  std::filesystem::remove_all(dir);
  fmt::print("memgpt:  bulk insert with indexing {:.0f} rows/s (batches of 1000, 2 index threads), +{} MB; "
             "close (saves the graph) {:.2f} s; reopen + first search {:.2f} s, +{} MB after reopen\n\n",
             insert_rate, engine_mb, save, reopen, reopened_mb);
  }
  if (!engines.empty()) sweep();  // --memgpt 0: the baselines alone
  fmt::print("{:<40} {:>5} {:>10} {:>10}\n", "method", "ef", "recall@10", "QPS");
  for (const auto& r : results) {
    fmt::print("{:<40} {:>5} {:>10.3f} {:>10.0f}\n", r.method, r.ef ? std::to_string(r.ef) : "-", r.recall, r.qps);
  }
  return 0;
}
