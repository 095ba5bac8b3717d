// Rows the graph does not hold yet (growing_rows.h, Milvus's growing segment). A bulk load
// (EmbeddedOptions::defer_indexing, what `memgpt load` uses) builds and writes no graph; its rows
// are searchable at once, scored exactly. The next process that opens the store builds the graph
// on a background thread (more new rows than background_index_min_rows) while its searches go
// on; deleted growing rows are never returned; closing mid-build keeps what was built. Every
// result is checked against exact search over the live rows.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "support/test_env.h"
#include "support/vectors.h"
#include "vector/embedded_store.h"
#include "served_store.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 16;
constexpr int kRows = 3000;
constexpr int kQueries = 40;

class IndexBehind : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(7);
    for (int i = 0; i < kRows; ++i) vectors_.push_back(testing::unit_vector(rng, kDim));
    for (int q = 0; q < kQueries; ++q) queries_.push_back(testing::unit_vector(rng, kDim));
  }

  std::string path() const { return dir_.file("milvus.db"); }
  std::string graph_file() const { return path() + ".p.hnsw"; }

  std::unique_ptr<VectorStore> open(EmbeddedOptions options) {
    options.on_search_plan = [this](SearchPlan p) { plans_.insert(p); };
    auto s = open_embedded_store(path(), options);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static EmbeddedOptions bulk() {
    EmbeddedOptions o;
    o.defer_indexing = true;
    return o;
  }
  static EmbeddedOptions builds_behind() {
    EmbeddedOptions o;
    o.background_index_min_rows = 100;  // the 3,000 loaded rows are "many"
    return o;
  }

  static CollectionSpec spec(bool quantized = false) {
    CollectionSpec s;
    s.name = "p";
    s.fields = {{"id", DataType::kInt64, true, false, 0, 0},
                {"embedding", DataType::kFloatVector, false, false, 0, kDim},
                {"bucket", DataType::kInt64, false, true, 0, 0}};
    s.index.field_name = "embedding";
    s.index.metric = MetricType::kIP;
    if (quantized) {
      s.index.index_type = "HNSW_SQ";
      s.index.sq_type = "SQ8";
      s.index.refine = true;
    }
    return s;
  }

  // `memgpt load`'s way: a store that only writes, in batches.
  void bulk_load(bool quantized = false) {
    auto store = open(bulk());
    ASSERT_TRUE(store->create_collection(spec(quantized)).ok());
    for (int start = 0; start < kRows; start += 500) {
      std::vector<Json> rows;
      for (int i = start; i < start + 500; ++i) rows.push_back({{"id", i}, {"embedding", vectors_[i]}, {"bucket", i % 10}});
      auto n = store->insert("p", rows);
      ASSERT_TRUE(n.ok()) << n.status().message();
    }
  }

  void remove_some(VectorStore& store) {
    std::vector<Json> gone;
    for (int i = 5; i < kRows; i += 97) gone.push_back(i), deleted_.insert(i);
    ASSERT_TRUE(store.remove_ids("p", gone).ok());
  }

  // Exact top 10 of the live rows with bucket < `buckets`.
  std::vector<int64_t> truth(const std::vector<float>& q, int buckets) const {
    return testing::exact_top_k(q, 10, kRows, [this](int i) { return vectors_[i]; },
                                [&](int i) { return i % 10 < buckets && !deleted_.count(i); });
  }

  // Recall@10 of every query with filter bucket < `buckets` (10: no filter); `in_order` also
  // asks for exactly the true ranking (what exact scoring gives).
  double recall(VectorStore& store, int buckets, bool in_order = false) {
    std::string filter = buckets < 10 ? "bucket < " + std::to_string(buckets) : "";
    double found = 0;
    for (const auto& q : queries_) {
      SearchRequest s;
      s.vector = q;
      s.limit = 10;
      s.filter = filter;
      auto hits = store.search("p", s);
      EXPECT_TRUE(hits.ok()) << hits.status().message();
      if (!hits.ok()) return 0;
      std::vector<int64_t> want = truth(q, buckets), got;
      for (const auto& h : *hits) {
        int64_t id = h.id.get<int64_t>();
        EXPECT_LT(id % 10, buckets) << "a hit outside the filter";
        EXPECT_EQ(deleted_.count(id), 0u) << "a deleted row";
        got.push_back(id);
      }
      if (in_order) {
        EXPECT_EQ(got, want);
      }
      std::set<int64_t> expected(want.begin(), want.end());
      for (int64_t id : got) found += static_cast<double>(expected.count(id));
    }
    return found / (10.0 * kQueries);
  }

  // Waits until nothing is pending (the builder runs on its own thread; two minutes is a
  // deadlock, not a slow machine).
  static IndexProgress wait_for_index(VectorStore& store) {
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(2);
    for (;;) {
      auto p = store.index_progress("p");
      EXPECT_TRUE(p.ok()) << p.status().message();
      if (!p.ok() || p->pending_rows == 0 || std::chrono::steady_clock::now() > until) return p.ok() ? *p : IndexProgress{};
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  testing::TempDir dir_;
  std::vector<std::vector<float>> vectors_, queries_;
  std::set<int64_t> deleted_;
  std::set<SearchPlan> plans_;
};

TEST_F(IndexBehind, ABulkLoadWritesNoGraphAndItsRowsAreSearchableExactlyAtOnce) {
  bulk_load();
  EXPECT_FALSE(std::filesystem::exists(graph_file())) << "a load that only writes builds no graph";
  auto store = open(bulk());
  auto progress = store->index_progress("p");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->indexed_rows, 0);
  EXPECT_EQ(progress->pending_rows, kRows);
  EXPECT_EQ(progress->total_rows, kRows);
  EXPECT_EQ(recall(*store, 10, true), 1.0);
  EXPECT_EQ(recall(*store, 3, true), 1.0);
  EXPECT_TRUE(plans_.empty()) << "no graph plan runs on an empty graph";
}

TEST_F(IndexBehind, TheNextProcessBuildsTheGraphBehindWhileItSearches) {
  bulk_load();
  {
    auto store = open(builds_behind());
    EXPECT_GE(recall(*store, 10), 0.95) << "while the graph is being built";
    EXPECT_GE(recall(*store, 3), 0.95);
    IndexProgress done = wait_for_index(*store);
    EXPECT_EQ(done.pending_rows, 0);
    EXPECT_EQ(done.indexed_rows, kRows);
    plans_.clear();
    EXPECT_GE(recall(*store, 10), 0.95);
    EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kGraph}) << "the built graph answers";
  }
  // Saved whole on close: the next open has nothing left to build.
  auto again = open({});
  auto progress = again->index_progress("p");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->pending_rows, 0);
  EXPECT_EQ(progress->indexed_rows, kRows);
}

TEST_F(IndexBehind, SearchesFromSeveralThreadsGoOnWhileTheGraphIsBuilt) {
  bulk_load();
  auto store = open(builds_behind());
  ASSERT_TRUE(store->index_progress("p").ok());  // the builder starts
  std::atomic<int> searches{0}, bad{0}, found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (int q = t; q < kQueries; q += 4) {
          SearchRequest s;
          s.vector = queries_[q];
          s.limit = 10;
          s.filter = round % 2 ? "bucket < 3" : "";
          auto hits = store->search("p", s);
          ++searches;
          if (!hits.ok() || hits->size() != 10) {
            ++bad;
            continue;
          }
          std::vector<int64_t> want = truth(queries_[q], round % 2 ? 3 : 10);
          for (const auto& h : *hits) found += std::count(want.begin(), want.end(), h.id.get<int64_t>());
          if (round % 2 && hits->back().id.get<int64_t>() % 10 >= 3) ++bad;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0) << "of " << searches.load() << " searches, some failed or left the filter";
  EXPECT_GE(found.load(), 0.95 * 10 * searches.load()) << "recall@10 while the graph grows";
  EXPECT_EQ(wait_for_index(*store).indexed_rows, kRows);
}

TEST_F(IndexBehind, DeletedGrowingRowsAreNeverReturned) {
  bulk_load();
  auto store = open(bulk());  // nothing is built: every row stays growing
  remove_some(*store);
  EXPECT_EQ(recall(*store, 10, true), 1.0);
  EXPECT_EQ(recall(*store, 3, true), 1.0);
  auto progress = store->index_progress("p");
  ASSERT_TRUE(progress.ok());
  EXPECT_EQ(progress->pending_rows, kRows - static_cast<int64_t>(deleted_.size()));
}

TEST_F(IndexBehind, RowsDeletedWhileTheGraphIsBuiltStayDeleted) {
  bulk_load();
  {
    auto store = open(builds_behind());
    remove_some(*store);  // some rows still growing, some perhaps in the graph already
    EXPECT_GE(recall(*store, 10), 0.95);
    IndexProgress done = wait_for_index(*store);
    EXPECT_EQ(done.indexed_rows, kRows - static_cast<int64_t>(deleted_.size()));
    EXPECT_GE(recall(*store, 10), 0.95);
    EXPECT_GE(recall(*store, 3), 0.95);
  }
  auto again = open({});
  EXPECT_GE(recall(*again, 10), 0.95);
}

TEST_F(IndexBehind, ClosingMidBuildKeepsWhatWasBuiltAndReadsTheRestAgain) {
  bulk_load();
  open(builds_behind()).reset();  // closes at once: the builder stops after its chunk
  auto store = open(builds_behind());
  EXPECT_GE(recall(*store, 10), 0.95);
  IndexProgress done = wait_for_index(*store);
  EXPECT_EQ(done.indexed_rows, kRows);
  EXPECT_EQ(done.pending_rows, 0);
  EXPECT_GE(recall(*store, 3), 0.95);
}

TEST_F(IndexBehind, AProcessThatChangedNothingDoesNotWriteTheGraphAgain) {
  bulk_load();
  {
    auto store = open(builds_behind());
    wait_for_index(*store);
  }
  auto inode = [this] {
    struct stat st{};
    EXPECT_EQ(::stat(graph_file().c_str(), &st), 0);
    return st.st_ino;  // saving replaces the file by a rename: a new inode
  };
  auto before = inode();
  {
    auto store = open({});
    EXPECT_GE(recall(*store, 10), 0.95);
  }
  EXPECT_EQ(inode(), before) << "searching only must not rewrite the graph";
  {
    auto store = open({});
    remove_some(*store);
  }
  EXPECT_NE(inode(), before) << "a deletion changes the graph, which is saved";
}

TEST_F(IndexBehind, AQuantizedCollectionScoresItsGrowingRowsExactly) {
  bulk_load(true);
  auto store = open(bulk());
  EXPECT_EQ(recall(*store, 10, true), 1.0);
  auto behind = open(builds_behind());
  wait_for_index(*behind);
  EXPECT_GE(recall(*behind, 10), 0.95);
}

TEST_F(IndexBehind, TheRestApiDescribesTheIndexAsMilvusDoes) {
  bulk_load();
  ServedStore served(dir_.path(), "", builds_behind());
  auto progress = served.index_progress("p");  // through indexes/describe
  ASSERT_TRUE(progress.ok()) << progress.status().message();
  EXPECT_EQ(progress->total_rows, kRows);
  EXPECT_EQ(progress->indexed_rows + progress->pending_rows, kRows);
  IndexProgress done = wait_for_index(served);
  EXPECT_EQ(done.indexed_rows, kRows);
  EXPECT_EQ(done.pending_rows, 0);
}

}  // namespace
}  // namespace memgpt::vector
