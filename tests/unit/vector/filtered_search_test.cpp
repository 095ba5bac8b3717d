// The plans of filtered vector search (filtered_search.h), each forced through the options and
// checked against exact search over the rows the filter selects: recall@10 at least 0.95, every
// hit inside the filter, no deleted row, best first. The default thresholds (20,000 rows, 5%)
// keep test-sized data on the exact plan; lowering them reaches the other two.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "support/test_env.h"
#include "support/vectors.h"
#include "vector/embedded_store.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 16;
constexpr int kRows = 6000;
constexpr int kQueries = 100;

// Rows 0..kRows-1 with `bucket` = id % 10; rows with id % 97 == 5 deleted.
class FilteredPlans : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937 rng(11);
    for (int i = 0; i < kRows; ++i) vectors_.push_back(testing::unit_vector(rng, kDim));
    for (int q = 0; q < kQueries; ++q) queries_.push_back(testing::unit_vector(rng, kDim));
    auto store = open({});
    CollectionSpec spec;
    spec.name = "p";
    spec.fields = {{"id", DataType::kInt64, true, false, 0, 0},
                   {"embedding", DataType::kFloatVector, false, false, 0, kDim},
                   {"bucket", DataType::kInt64, false, true, 0, 0}};
    spec.index.field_name = "embedding";
    spec.index.metric = MetricType::kIP;
    ASSERT_TRUE(store->create_collection(spec).ok());
    for (int start = 0; start < kRows; start += 1000) {
      std::vector<Json> rows;
      for (int i = start; i < start + 1000; ++i) rows.push_back({{"id", i}, {"embedding", vectors_[i]}, {"bucket", i % 10}});
      ASSERT_TRUE(store->insert("p", rows).ok());
    }
    std::vector<Json> gone;
    for (int i = 5; i < kRows; i += 97) gone.push_back(i), deleted_.insert(i);
    ASSERT_TRUE(store->remove_ids("p", gone).ok());
  }

  std::unique_ptr<VectorStore> open(EmbeddedOptions options) {
    options.on_search_plan = [this](SearchPlan p) { plans_.insert(p); };
    auto s = open_embedded_store(dir_.file("milvus.db"), options);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  // Exact top 10 of the live rows with bucket < `buckets`.
  std::vector<int64_t> truth(const std::vector<float>& q, int buckets) const {
    return testing::exact_top_k(q, 10, kRows, [this](int i) { return vectors_[i]; },
                                [&](int i) { return i % 10 < buckets && !deleted_.count(i); });
  }

  // Searches every query with `filter` (bucket < buckets); returns recall@10 against truth().
  double recall(VectorStore& store, int buckets) {
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
      EXPECT_EQ(hits->size(), 10u);
      std::vector<int64_t> want = truth(q, buckets);
      std::set<int64_t> expected(want.begin(), want.end());
      double previous = 2;
      for (const auto& h : *hits) {
        int64_t id = h.id.get<int64_t>();
        EXPECT_LT(id % 10, buckets) << "a hit outside the filter";
        EXPECT_EQ(deleted_.count(id), 0u) << "a deleted row";
        EXPECT_LE(h.distance, previous + 1e-6) << "best first";
        previous = h.distance;
        found += static_cast<double>(expected.count(id));
      }
    }
    return found / (10.0 * kQueries);
  }

  testing::TempDir dir_;
  std::vector<std::vector<float>> vectors_, queries_;
  std::set<int64_t> deleted_;
  std::set<SearchPlan> plans_;
};

TEST_F(FilteredPlans, NoFilterSearchesTheWholeGraph) {
  auto store = open({});
  EXPECT_GE(recall(*store, 10), 0.95);
  EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kGraph});
}

TEST_F(FilteredPlans, FewMatchingRowsAreScoredExactly) {
  auto store = open({});  // the defaults: 1,800 matching rows are far below 20,000
  EXPECT_EQ(recall(*store, 3), 1.0) << "exact scoring is exact";
  EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kExact});
}

TEST_F(FilteredPlans, TheFilteredWalkKeepsRecall) {
  EmbeddedOptions walk;
  walk.exact_search_max_rows = 0;
  walk.exact_search_max_fraction = 0;
  walk.graph_walk_cost_factor = 0;  // the thresholds alone decide
  auto store = open(walk);
  for (int buckets : {1, 3}) {  // 10% and 30% of the rows, below deeper_graph_min_fraction
    plans_.clear();
    EXPECT_GE(recall(*store, buckets), 0.95) << buckets * 10 << "% of the rows";
    EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kFilteredWalk});
  }
}

TEST_F(FilteredPlans, TheDeeperWholeGraphSearchKeepsRecall) {
  EmbeddedOptions deeper;
  deeper.exact_search_max_rows = 0;
  auto store = open(deeper);
  for (int buckets : {5, 8, 9}) {  // 50%, 80%, 90%: at least deeper_graph_min_fraction
    plans_.clear();
    EXPECT_GE(recall(*store, buckets), 0.95) << buckets * 10 << "% of the rows";
    EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kDeeperGraph});
  }
  // A lower fraction sends a 30% filter there too.
  EmbeddedOptions lower = deeper;
  lower.deeper_graph_min_fraction = 0.2;
  store.reset();
  store = open(lower);
  plans_.clear();
  EXPECT_GE(recall(*store, 3), 0.95);
  EXPECT_EQ(plans_, std::set<SearchPlan>{SearchPlan::kDeeperGraph});
}

// Each plan pages like the others: offset 10 of the filtered results is what comes after the
// first 10.
TEST_F(FilteredPlans, EveryPlanPagesConsistently) {
  EmbeddedOptions walk;
  walk.exact_search_max_rows = 0;
  walk.exact_search_max_fraction = 0;
  walk.graph_walk_cost_factor = 0;
  for (const auto& [options, buckets] : std::vector<std::pair<EmbeddedOptions, int>>{{{}, 3}, {walk, 3}, {walk, 8}}) {
    auto store = open(options);
    SearchRequest all;
    all.vector = queries_[0];
    all.limit = 20;
    all.ef = 300;
    all.filter = "bucket < " + std::to_string(buckets);
    auto twenty = store->search("p", all);
    SearchRequest second = all;
    second.limit = 10;
    second.offset = 10;
    auto page = store->search("p", second);
    ASSERT_TRUE(twenty.ok() && page.ok());
    ASSERT_EQ(twenty->size(), 20u);
    ASSERT_EQ(page->size(), 10u);
    for (size_t i = 0; i < 10; ++i) EXPECT_EQ((*page)[i].id, (*twenty)[10 + i].id) << i;
  }
}

}  // namespace
}  // namespace memgpt::vector
