// HNSW_SQ collections: the graph keeps 8-bit codes (sq8_space.h), candidates re-ranked exactly
// from the rows' float vectors with refine. Specified here: the codes' distances stay within
// their rounding bound of the float distances; recall against exact results; exact distances
// with refine; persistence and reopen; filters and deletions; wrong parameters as one-line
// errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "support/test_env.h"
#include "support/vectors.h"
#include "util/files.h"
#include "util/json.h"
#include "vector/embedded_store.h"
#include "vector/sq8_space.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 32;
constexpr int kRows = 2000;

std::vector<float> vec(int seed) { return testing::unit_vector(seed, kDim); }

using testing::dot;

CollectionSpec sq_spec(const std::string& name, bool refine, MetricType metric = MetricType::kIP) {
  CollectionSpec s;
  s.name = name;
  s.fields = {{"id", DataType::kInt64, true, false, 0, 0},
              {"embedding", DataType::kFloatVector, false, false, 0, kDim},
              {"bucket", DataType::kInt64, false, false, 0, 0}};
  s.index.field_name = "embedding";
  s.index.metric = metric;
  s.index.index_type = "HNSW_SQ";
  s.index.sq_type = "SQ8";
  s.index.refine = refine;
  return s;
}

std::unique_ptr<VectorStore> open(const std::string& path) {
  auto s = open_embedded_store(path);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

void fill(VectorStore& store, const std::string& name) {
  for (int start = 0; start < kRows; start += 500) {
    std::vector<Json> rows;
    for (int i = start; i < start + 500; ++i) rows.push_back({{"id", i}, {"embedding", vec(i)}, {"bucket", i % 10}});
    ASSERT_TRUE(store.insert(name, rows).ok());
  }
}

// The exact top k by inner product, among the rows `keep` accepts.
std::vector<int64_t> exact_top(const std::vector<float>& q, size_t k, const std::function<bool(int)>& keep) {
  return testing::exact_top_k(q, k, kRows, vec, keep);
}

// recall@10 over 50 held-out queries (seeds past the rows').
double recall(VectorStore& store, const std::string& name, const std::string& filter = "",
              const std::function<bool(int)>& keep = [](int) { return true; }) {
  double found = 0;
  for (int s = 0; s < 50; ++s) {
    std::vector<float> q = vec(100000 + s);
    SearchRequest req;
    req.vector = q;
    req.limit = 10;
    req.ef = 64;
    req.refine_k = 2;
    req.filter = filter;
    auto hits = store.search(name, req);
    EXPECT_TRUE(hits.ok()) << hits.status().message();
    if (!hits.ok()) return 0;
    std::set<int64_t> truth;
    for (auto id : exact_top(q, 10, keep)) truth.insert(id);
    for (const auto& h : *hits) found += truth.count(h.id.get<int64_t>());
  }
  return found / 500.0;
}

TEST(Sq8Space, DistancesToCodesStayWithinTheRoundingBoundOfTheFloatDistances) {
  for (MetricType metric : {MetricType::kIP, MetricType::kL2}) {
    embedded::Sq8Space space(100, metric);
    std::vector<char> code(space.get_data_size());
    std::mt19937 rng(3);
    for (int t = 0; t < 200; ++t) {
      std::vector<float> v = testing::unit_vector(rng, 100), q = testing::unit_vector(rng, 100);
      for (auto& x : q) x *= 3.0f;  // a query of another length than the rows
      space.encode(v.data(), code.data());
      float top = 0;
      for (float x : v) top = std::max(top, std::fabs(x));
      float step = top / 127.0f;  // each decoded component is within step/2 of the float one
      float exact = 0, bound = 0;
      for (int i = 0; i < 100; ++i) {
        exact += metric == MetricType::kL2 ? (q[i] - v[i]) * (q[i] - v[i]) : q[i] * v[i];
        bound += step / 2 * (metric == MetricType::kL2 ? std::fabs(2 * (q[i] - v[i])) + step / 2 : std::fabs(q[i]));
      }
      if (metric == MetricType::kIP) exact = 1 - exact;
      embedded::Sq8Query query(space, q.data());
      EXPECT_NEAR(query.distance(code.data()), exact, bound + 1e-3f) << t;
    }
  }
}

TEST(Sq8Space, CodesCompareToEachOtherAsTheirDecodedVectors) {
  embedded::Sq8Space space(40, MetricType::kIP);
  std::vector<char> a(space.get_data_size()), b(space.get_data_size());
  std::vector<float> u = vec(1), v = vec(2);
  u.resize(40, 0.1f);
  v.resize(40, -0.2f);
  space.encode(u.data(), a.data());
  space.encode(v.data(), b.data());
  float exact = 1 - dot(u, v);
  auto dist = space.get_dist_func();
  EXPECT_NEAR(dist(a.data(), b.data(), space.get_dist_func_param()), exact, 0.02);
  EXPECT_FLOAT_EQ(dist(a.data(), b.data(), space.get_dist_func_param()), dist(b.data(), a.data(), space.get_dist_func_param()));
}

class QuantizedCollection : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  std::string path_ = dir_.file("milvus.db");
};

TEST_F(QuantizedCollection, FindsTheExactNearestRowsWithRefineAndReturnsExactDistances) {
  auto store = open(path_);
  ASSERT_TRUE(store->create_collection(sq_spec("q", true)).ok());
  fill(*store, "q");
  EXPECT_GE(recall(*store, "q"), 0.95);
  // With refine the distances are the float vectors' own, not the codes'.
  std::vector<float> q = vec(100001);
  SearchRequest req;
  req.vector = q;
  req.limit = 5;
  auto hits = store->search("q", req);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 5u);
  for (const auto& h : *hits) EXPECT_NEAR(h.distance, dot(q, vec(static_cast<int>(h.id.get<int64_t>()))), 1e-5);
  // A stored row finds itself first.
  req.vector = vec(123);
  hits = store->search("q", req);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ((*hits)[0].id, 123);
}

TEST_F(QuantizedCollection, WithoutRefineRanksByTheCodesWithinTheirBound) {
  auto store = open(path_);
  ASSERT_TRUE(store->create_collection(sq_spec("q", false)).ok());
  fill(*store, "q");
  EXPECT_GE(recall(*store, "q"), 0.85);
  std::vector<float> q = vec(100002);
  SearchRequest req;
  req.vector = q;
  req.limit = 5;
  auto hits = store->search("q", req);
  ASSERT_TRUE(hits.ok());
  for (const auto& h : *hits) EXPECT_NEAR(h.distance, dot(q, vec(static_cast<int>(h.id.get<int64_t>()))), 0.02);
}

TEST_F(QuantizedCollection, KeepsItsCodesAndParametersAcrossReopen) {
  std::vector<Json> before;
  {
    auto store = open(path_);
    ASSERT_TRUE(store->create_collection(sq_spec("q", true, MetricType::kL2)).ok());
    fill(*store, "q");
    SearchRequest req;
    req.vector = vec(100003);
    for (const auto& h : *store->search("q", req)) before.push_back(h.id);
  }  // closing saves the graph
  auto meta = parse_json_or_discarded(*read_file(path_ + ".q.hnsw.meta"));
  EXPECT_EQ(meta.value("vectors", ""), "SQ8");
  // The graph file holds codes: per element the links, dim + 8 bytes of code and the label.
  std::string graph = *read_file(path_ + ".q.hnsw");
  uint64_t size_per_element = 0;
  std::memcpy(&size_per_element, graph.data() + 24, 8);
  EXPECT_EQ(size_per_element, (2 * 16 + 1) * 4 + (kDim + 8) + 8u);

  auto store = open(path_);
  auto spec = store->describe_collection("q");
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->index.index_type, "HNSW_SQ");
  EXPECT_EQ(spec->index.sq_type, "SQ8");
  EXPECT_TRUE(spec->index.refine);
  EXPECT_EQ(spec->index.refine_type, "FP32");
  SearchRequest req;
  req.vector = vec(100003);
  std::vector<Json> after;
  for (const auto& h : *store->search("q", req)) after.push_back(h.id);
  EXPECT_EQ(after, before);
  // The loaded graph is the saved one (not rebuilt): its file is unchanged by the search.
  EXPECT_EQ(*read_file(path_ + ".q.hnsw"), graph);
}

TEST_F(QuantizedCollection, FiltersAndDeletionsHoldOnTheCodes) {
  auto store = open(path_);
  ASSERT_TRUE(store->create_collection(sq_spec("q", true)).ok());
  fill(*store, "q");
  ASSERT_TRUE(store->remove("q", "id < 100").ok());
  // A selective filter, a broad one, none; the 100 deleted rows never count.
  EXPECT_GE(recall(*store, "q", "bucket == 3", [](int i) { return i >= 100 && i % 10 == 3; }), 0.95);
  EXPECT_GE(recall(*store, "q", "bucket != 3", [](int i) { return i >= 100 && i % 10 != 3; }), 0.95);
  EXPECT_GE(recall(*store, "q", "", [](int i) { return i >= 100; }), 0.95);
}

TEST_F(QuantizedCollection, WrongParametersAreOneLineErrors) {
  auto store = open(path_);
  auto expect_invalid = [&](CollectionSpec s, const std::string& says) {
    Status st = store->create_collection(s);
    EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.message();
    EXPECT_NE(st.message().find(says), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find('\n'), std::string::npos);
  };
  CollectionSpec s = sq_spec("q", true);
  s.index.sq_type = "SQ6";
  expect_invalid(s, "sq_type SQ6 is not supported");
  s = sq_spec("q", true);
  s.index.refine_type = "BF16";
  expect_invalid(s, "refine_type BF16 is not supported");
  s = sq_spec("q", false);
  s.index.refine_type = "FP32";
  expect_invalid(s, "refine_type needs refine");
  s = sq_spec("q", false);
  s.index.index_type = "HNSW";
  expect_invalid(s, "need index_type HNSW_SQ");
  EXPECT_FALSE(*store->has_collection("q"));

  s = sq_spec("q", true);
  s.index.sq_type = "sq8";  // Milvus's clients send either case
  ASSERT_TRUE(store->create_collection(s).ok());
  SearchRequest req;
  req.vector = vec(1);
  req.refine_k = 0.5;
  auto hits = store->search("q", req);
  EXPECT_EQ(hits.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(hits.status().message(), "refine_k must be in [1, 1000]");
}

}  // namespace
}  // namespace memgpt::vector
