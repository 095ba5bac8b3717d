// The conformance tests (fixture in conformance.h); the embedded and REST test files each
// instantiate them for their implementation.
#include "conformance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace memgpt::vector {

TEST_P(VectorStoreConformance, CollectionLifecycle) {
  auto spec = passages_spec("passages_4", 4);
  ASSERT_TRUE(store_->create_collection(spec).ok());
  EXPECT_TRUE(store_->create_collection(spec).ok()) << "same schema again is fine";
  auto other = passages_spec("passages_4", 8);
  Status clash = store_->create_collection(other);
  EXPECT_FALSE(clash.ok());
  EXPECT_TRUE(*store_->has_collection("passages_4"));
  EXPECT_FALSE(*store_->has_collection("nope"));
  auto described = store_->describe_collection("passages_4");
  ASSERT_TRUE(described.ok()) << described.status().message();
  EXPECT_EQ(described->dim(), 4);
  EXPECT_EQ(described->primary_field()->name, "id");
  EXPECT_TRUE(described->field("agent_id")->is_partition_key);
  EXPECT_EQ(described->index.metric, MetricType::kIP);
  auto list = store_->list_collections();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<std::string>{"passages_4"});
  ASSERT_TRUE(store_->drop_collection("passages_4").ok());
  EXPECT_FALSE(*store_->has_collection("passages_4"));
  Status again = store_->drop_collection("passages_4");
  EXPECT_EQ(milvus_code_of(again), MilvusCode::kCollectionNotFound);
}

TEST_P(VectorStoreConformance, UnknownCollectionIsCode100) {
  auto r = store_->query("ghost", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kCollectionNotFound);
  EXPECT_NE(r.status().message().find("collection not found[collection=ghost]"), std::string::npos);
  SearchRequest s;
  s.vector = {1, 0};
  EXPECT_EQ(milvus_code_of(store_->search("ghost", s).status()), MilvusCode::kCollectionNotFound);
  EXPECT_EQ(milvus_code_of(store_->insert("ghost", {Json::object()}).status()), MilvusCode::kCollectionNotFound);
}

TEST_P(VectorStoreConformance, InsertQueryGetCountDelete) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back(row("r" + std::to_string(i), unit(4, i), i < 6 ? "agent-a" : "agent-b",
                       "passage number " + std::to_string(i), 1000 + i));
  }
  auto n = store_->insert("p", rows);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 10);
  EXPECT_EQ(*store_->count("p", ""), 10);
  EXPECT_EQ(*store_->count("p", "agent_id == \"agent-a\""), 6);

  QueryRequest q;
  q.filter = "agent_id == \"agent-b\" and created_at >= 1007";
  q.output_fields = {"text", "created_at"};
  auto got = store_->query("p", q);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0]["id"], "r7");
  EXPECT_EQ((*got)[0]["text"], "passage number 7");
  EXPECT_EQ((*got)[0]["created_at"], 1007);
  EXPECT_FALSE((*got)[0].contains("agent_id"));

  QueryRequest paged;
  paged.limit = 3;
  paged.offset = 4;
  auto page = store_->query("p", paged);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0]["id"], "r4");

  QueryRequest counting;
  counting.output_fields = {"count(*)"};
  counting.filter = "id in [\"r1\", \"r2\", \"missing\"]";
  auto c = store_->query("p", counting);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0]["count(*)"], 2);

  auto byid = store_->get("p", {"r3", "r9"}, {"*"});
  ASSERT_TRUE(byid.ok());
  ASSERT_EQ(byid->size(), 2u);
  EXPECT_EQ((*byid)[0]["metadata"]["tags"][1], "b");
  EXPECT_EQ((*byid)[0]["pinned"], false);
  EXPECT_DOUBLE_EQ((*byid)[0]["score"].get<double>(), 0.5);

  auto deleted = store_->remove("p", "agent_id == \"agent-b\"");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 4);
  EXPECT_EQ(*store_->count("p", ""), 6);
  EXPECT_EQ(*store_->remove_ids("p", {"r0", "nope"}), 1);
  EXPECT_EQ(*store_->count("p", ""), 5);
}

TEST_P(VectorStoreConformance, SearchRanksByMetricWithFiltersAndPaging) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 8)).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 40; ++i) {
    rows.push_back(row("r" + std::to_string(i), unit(8, i, 0.01f * (i % 5)),
                       i % 2 ? "odd" : "even", "text " + std::to_string(i), i));
  }
  ASSERT_TRUE(store_->insert("p", rows).ok());
  SearchRequest s;
  s.vector = unit(8, 3);
  s.limit = 5;
  s.output_fields = {"text", "agent_id"};
  auto hits = store_->search("p", s);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 5u);
  // Rows with hot dimension 3 (i % 8 == 3) come first; IP scores are similarities, best first.
  EXPECT_EQ((*hits)[0].fields["text"].get<std::string>().substr(0, 5), "text ");
  for (size_t i = 1; i < hits->size(); ++i) EXPECT_GE((*hits)[i - 1].distance, (*hits)[i].distance);
  std::string first_id = (*hits)[0].id.get<std::string>();
  int first = std::stoi(first_id.substr(1));
  EXPECT_EQ(first % 8, 3);
  EXPECT_FALSE((*hits)[0].fields.contains("embedding"));

  s.filter = "agent_id == \"even\"";
  auto even = store_->search("p", s);
  ASSERT_TRUE(even.ok());
  for (const auto& h : *even) EXPECT_EQ(h.fields["agent_id"], "even");

  SearchRequest paged = s;
  paged.filter = "";
  paged.limit = 3;
  paged.offset = 2;
  auto p2 = store_->search("p", paged);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(p2->size(), 3u);
  EXPECT_EQ((*p2)[0].id, (*hits)[2].id);

  SearchRequest none = s;
  none.filter = "agent_id == \"nobody\"";
  EXPECT_TRUE(store_->search("p", none)->empty());
}

TEST_P(VectorStoreConformance, UpsertReplacesAtomically) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  ASSERT_TRUE(store_->insert("p", {row("a", unit(4, 0), "x", "old text")}).ok());
  auto dup = store_->insert("p", {row("a", unit(4, 1), "x", "dup")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(*store_->count("p", ""), 1);
  ASSERT_TRUE(store_->upsert("p", {row("a", unit(4, 1), "x", "new text"), row("b", unit(4, 2), "x", "b")}).ok());
  EXPECT_EQ(*store_->count("p", ""), 2);
  auto got = store_->get("p", {"a"}, {"text"});
  EXPECT_EQ((*got)[0]["text"], "new text");
  SearchRequest s;
  s.vector = unit(4, 1);
  s.limit = 1;
  auto hit = store_->search("p", s);
  ASSERT_EQ(hit->size(), 1u);
  EXPECT_EQ((*hit)[0].id, "a");  // the new vector is searchable, the old one gone
  s.vector = unit(4, 0);
  s.limit = 3;
  for (const auto& h : *store_->search("p", s)) EXPECT_LT(h.distance, 0.5);
}

TEST_P(VectorStoreConformance, BadRowsRejectTheWholeBatch) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  auto wrong_dim = store_->insert("p", {row("a", unit(4, 0), "x", "ok"), row("b", {1, 2, 3}, "x", "bad")});
  ASSERT_FALSE(wrong_dim.ok());
  EXPECT_EQ(milvus_code_of(wrong_dim.status()), MilvusCode::kInvalidJson);
  EXPECT_NE(wrong_dim.status().message().find("the dim (3) of field data(embedding) is not equal to schema dim (4)"),
            std::string::npos)
      << wrong_dim.status().message();
  EXPECT_EQ(*store_->count("p", ""), 0);
  Json bad_utf8 = row("c", unit(4, 0), "x", std::string("bad \xff\xfe bytes"));
  auto u = store_->insert("p", {bad_utf8});
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(milvus_code_of(u.status()), MilvusCode::kInvalidParameter);
  CollectionSpec small = passages_spec("small", 4);
  small.fields[1].max_length = 10;
  ASSERT_TRUE(store_->create_collection(small).ok());
  auto too_long = store_->insert("small", {row("d", unit(4, 0), "x", std::string(11, 'y'))});
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().message().find("exceeds max length"), std::string::npos);
  Json no_pk = row("e", unit(4, 0), "x", "t");
  no_pk.erase("id");
  EXPECT_FALSE(store_->insert("p", {no_pk}).ok());
  SearchRequest s;
  s.vector = {1, 0};
  auto sd = store_->search("p", s);
  ASSERT_FALSE(sd.ok());
  EXPECT_EQ(milvus_code_of(sd.status()), MilvusCode::kInvalidJson);
}

// Issue 11, defect 6: 1e39 became inf and 1e-45 became NaN after normalisation; both were
// stored (code 0) and later searches answered "distance": null and missed true neighbours.
TEST_P(VectorStoreConformance, VectorsMustBeFiniteFloat32) {
  ASSERT_TRUE(store_->create_collection(passages_spec("cos", 4, MetricType::kCosine)).ok());
  ASSERT_TRUE(store_->insert("cos", {row("good", {0, 1, 0, 0}, "x", "good")}).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (const std::vector<double>& bad : std::vector<std::vector<double>>{
           {1e39, 1, 0, 0}, {0, -1e39, 0, 0}, {3.5e38, 0, 0, 0}, {nan, 0, 0, 0}, {0, 0, inf, 0}}) {
    Json r = row("bad", {0, 0, 0, 0}, "x", "bad");
    r["embedding"] = bad;
    auto inserted = store_->insert("cos", {row("other", {1, 1, 0, 0}, "x", "fine"), r});
    ASSERT_FALSE(inserted.ok()) << Json(bad).dump();
    EXPECT_EQ(milvus_code_of(inserted.status()), MilvusCode::kInvalidParameter) << inserted.status().message();
    // An upsert with bad values leaves the row it would replace as it was.
    r["id"] = "good";
    auto upserted = store_->upsert("cos", {r});
    ASSERT_FALSE(upserted.ok()) << Json(bad).dump();
    EXPECT_EQ(milvus_code_of(upserted.status()), MilvusCode::kInvalidParameter);
  }
  EXPECT_EQ(*store_->count("cos", ""), 1) << "nothing of the refused batches was written";
  auto good = store_->get("cos", {"good"}, {"embedding"});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ((*good)[0]["embedding"], Json({0.0, 1.0, 0.0, 0.0}));
  // The largest float32 is fine; a subnormal-only vector keeps its direction under COSINE.
  ASSERT_TRUE(store_->insert("cos", {row("huge", {3.4e38, 0, 0, 0}, "x", "h")}).ok());
  ASSERT_TRUE(store_->insert("cos", {row("tiny", {0, 0, 1e-45, 0}, "x", "t")}).ok());
  SearchRequest s;
  s.vector = {0, 0, 1, 0};
  s.limit = 3;
  auto hits = store_->search("cos", s);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].id, "tiny");
  EXPECT_NEAR((*hits)[0].distance, 1.0, 1e-6);
  for (const auto& h : *hits) EXPECT_TRUE(std::isfinite(h.distance)) << h.id;
  s.vector = {0, 1, 0, 0};
  s.limit = 1;
  EXPECT_EQ((*store_->search("cos", s))[0].id, "good");
  // Search vectors follow the same rule.
  for (float v : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    s.vector = {v, 0, 0, 0};
    auto refused = store_->search("cos", s);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(milvus_code_of(refused.status()), MilvusCode::kInvalidParameter) << refused.status().message();
  }
  // IP and L2 have no normalisation: a vector longer than 1e18 would overflow distances.
  ASSERT_TRUE(store_->create_collection(passages_spec("l2", 2, MetricType::kL2)).ok());
  auto too_long = store_->insert("l2", {row("far", {1e19, 0}, "x", "far")});
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(milvus_code_of(too_long.status()), MilvusCode::kInvalidParameter);
  ASSERT_TRUE(store_->insert("l2", {row("a", {1e17, 0}, "x", "a"), row("b", {-1e17, 0}, "x", "b")}).ok());
  SearchRequest far;
  far.vector = {-1e17f, 0};
  far.limit = 2;
  auto l2 = store_->search("l2", far);
  ASSERT_TRUE(l2.ok()) << l2.status().message();
  ASSERT_EQ(l2->size(), 2u);
  EXPECT_EQ((*l2)[0].id, "b");
  EXPECT_TRUE(std::isfinite((*l2)[1].distance));
  EXPECT_NEAR((*l2)[1].distance, 4e34, 1e29);
  far.vector = {1e19f, 0};
  EXPECT_EQ(milvus_code_of(store_->search("l2", far).status()), MilvusCode::kInvalidParameter);
}

TEST_P(VectorStoreConformance, FilterLanguage) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 12; ++i) {
    Json r = row("id" + std::to_string(i), unit(4, i), i % 3 == 0 ? "a" : "b",
                 i % 2 ? "Hello World" : "goodbye", i);
    r["pinned"] = i % 4 == 0;
    r["color"] = i < 6 ? "red" : "blue";  // a dynamic field
    rows.push_back(r);
  }
  ASSERT_TRUE(store_->insert("p", rows).ok());
  auto n = [&](const std::string& f) {
    auto r = store_->count("p", f);
    EXPECT_TRUE(r.ok()) << f << ": " << r.status().message();
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(n("created_at < 5"), 5);
  EXPECT_EQ(n("created_at <= 5 && agent_id == \"a\""), 2);
  EXPECT_EQ(n("(created_at > 8 or created_at < 1) and not pinned"), 3);
  EXPECT_EQ(n("pinned == true"), 3);
  EXPECT_EQ(n("agent_id in [\"a\"]"), 4);
  EXPECT_EQ(n("agent_id not in [\"a\", \"c\"]"), 8);
  EXPECT_EQ(n("text like \"Hello%\""), 6);
  EXPECT_EQ(n("text like \"hello%\""), 0);  // case-sensitive
  EXPECT_EQ(n("text like \"%bye\""), 6);
  EXPECT_EQ(n("color == \"red\""), 6);
  EXPECT_EQ(n("metadata[\"page\"] == 3"), 2);
  EXPECT_EQ(n("!(created_at != 4)"), 1);
  EXPECT_EQ(n("10 < created_at"), 1);
  EXPECT_EQ(n("id == \"id5\" || id == \"id6\""), 2);
  for (std::string bad : {"created_at <", "agent_id === \"a\"", "created_at + 1 > 2",
                          "agent_id == \"unterminated", "sqrt(created_at) > 1", "(created_at > 1",
                          "embedding == 1"}) {
    auto r = store_->count("p", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kInvalidParameter) << bad;
    EXPECT_NE(r.status().message().find("cannot parse expression"), std::string::npos) << r.status().message();
  }
}

// Found by fuzz/filter_query: a JSON key with a double quote or a NUL byte broke the SQL the
// engine compiles, and SQLite's error (naming the database file) reached the caller.
TEST_P(VectorStoreConformance, JsonKeysAJsonPathCannotHoldAreFilterErrors) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  Json r = row("id0", unit(4, 0), "a", "text", 1);
  r["color"] = "red";  // a dynamic field
  ASSERT_TRUE(store_->insert("p", {r}).ok());
  for (std::string bad : {std::string("metadata[\"a\\\"b\"] == 1"), std::string("metadata[\"a\0b\"] == 1", 20),
                          std::string("color[\"x\\\"\"] == 1")}) {
    auto n = store_->count("p", bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(milvus_code_of(n.status()), MilvusCode::kInvalidParameter) << n.status().message();
    EXPECT_NE(n.status().message().find("invalid JSON key"), std::string::npos) << n.status().message();
    EXPECT_EQ(n.status().message().find(dir_.path()), std::string::npos) << n.status().message();
  }
  auto ok = store_->count("p", "metadata[\"it's\"] == 1");  // a single quote is fine
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok, 0);
}

TEST_P(VectorStoreConformance, Int64KeysAndOtherMetrics) {
  auto spec = passages_spec("l2", 4, MetricType::kL2, DataType::kInt64);
  ASSERT_TRUE(store_->create_collection(spec).ok());
  Json a = row("x", {0, 0, 0, 0}, "x", "origin");
  a["id"] = 7;
  Json b = row("x", {3, 4, 0, 0}, "x", "far");
  b["id"] = 8;
  ASSERT_TRUE(store_->insert("l2", {a, b}).ok());
  SearchRequest s;
  s.vector = {0, 0, 0, 0};
  s.limit = 2;
  auto hits = store_->search("l2", s);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, 7);
  EXPECT_NEAR((*hits)[1].distance, 25.0, 1e-4);  // squared L2, smaller is better
  EXPECT_EQ(*store_->count("l2", "id in [7, 8, 9]"), 2);

  auto cos = passages_spec("cos", 2, MetricType::kCosine);
  ASSERT_TRUE(store_->create_collection(cos).ok());
  ASSERT_TRUE(store_->insert("cos", {row("u", {10, 0}, "x", "u"), row("v", {1, 1}, "x", "v")}).ok());
  SearchRequest c;
  c.vector = {3, 0};
  c.limit = 2;
  auto ch = store_->search("cos", c);
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ((*ch)[0].id, "u");
  EXPECT_NEAR((*ch)[0].distance, 1.0, 1e-4);
  EXPECT_NEAR((*ch)[1].distance, 0.70710678, 1e-4);
}

TEST_P(VectorStoreConformance, HybridSearchFusesKeywordAndVectorHits) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 30; ++i) {
    rows.push_back(row("r" + std::to_string(i), unit(4, i % 4, 0.1f), "a",
                       i == 17 ? "the zanzibar archipelago lies off the coast of tanzania"
                               : "ordinary filler passage about nothing " + std::to_string(i)));
  }
  ASSERT_TRUE(store_->insert("p", rows).ok());
  SearchRequest s;
  s.vector = unit(4, 0, 0.1f);  // the vector alone does not single out r17
  s.text_query = "Where is Zanzibar?";
  s.limit = 3;
  s.filter = "agent_id == \"a\"";
  s.output_fields = {"text"};
  auto hits = store_->search("p", s);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].id, "r17");
  EXPECT_GT((*hits)[0].distance, 0.0);
}

TEST_P(VectorStoreConformance, OutputFieldsAndDynamicFields) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  Json r = row("a", unit(4, 0), "x", "t");
  r["source"] = "paper.pdf";
  r["page"] = 3;
  ASSERT_TRUE(store_->insert("p", {r}).ok());
  auto all = store_->get("p", {"a"}, {"*"});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0]["source"], "paper.pdf");
  EXPECT_EQ((*all)[0]["page"], 3);
  EXPECT_EQ((*all)[0]["text"], "t");
  auto some = store_->get("p", {"a"}, {"page", "embedding"});
  ASSERT_TRUE(some.ok());
  EXPECT_EQ((*some)[0]["page"], 3);
  ASSERT_TRUE((*some)[0]["embedding"].is_array());
  EXPECT_EQ((*some)[0]["embedding"].size(), 4u);
  EXPECT_FALSE((*some)[0].contains("text"));
  auto only_id = store_->get("p", {"a"}, {});
  EXPECT_EQ((*only_id)[0].size(), 1u);
}

TEST_P(VectorStoreConformance, ManyRowsStayAccurateUnderFilters) {
  constexpr int kDim = 16, kRows = 3000;
  ASSERT_TRUE(store_->create_collection(passages_spec("p", kDim)).ok());
  std::mt19937 rng(7);
  std::normal_distribution<float> g;
  std::vector<std::vector<float>> vecs;
  std::vector<Json> batch;
  for (int i = 0; i < kRows; ++i) {
    std::vector<float> v(kDim);
    for (auto& x : v) x = g(rng);
    vecs.push_back(v);
    batch.push_back(row("r" + std::to_string(i), v, "agent-" + std::to_string(i % 50), "t", i));
    if (batch.size() == 500) {
      ASSERT_TRUE(store_->insert("p", batch).ok());
      batch.clear();
    }
  }
  // Exact top-10 among agent-7's rows (2% of the collection), computed here.
  std::vector<float> q(kDim);
  for (auto& x : q) x = g(rng);
  std::vector<std::pair<float, int>> truth;
  for (int i = 7; i < kRows; i += 50) {
    float ip = 0;
    for (int d = 0; d < kDim; ++d) ip += q[d] * vecs[i][d];
    truth.emplace_back(-ip, i);
  }
  std::sort(truth.begin(), truth.end());
  SearchRequest s;
  s.vector = q;
  s.limit = 10;
  s.filter = "agent_id == \"agent-7\"";
  auto hits = store_->search("p", s);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ((*hits)[i].id, "r" + std::to_string(truth[i].second));
}

// HNSW_SQ (the index parameters and refine_k travel through the REST API too): with refine the
// nearest row comes first at its exact distance; an sq_type the engine lacks is a 1100 error.
TEST_P(VectorStoreConformance, HnswSqCollectionsRankExactlyWithRefine) {
  auto spec = passages_spec("sq_8", 8);
  spec.index.index_type = "HNSW_SQ";
  spec.index.sq_type = "SQ8";
  spec.index.refine = true;
  ASSERT_TRUE(store_->create_collection(spec).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(row("r" + std::to_string(i), unit(8, i, 0.01f * static_cast<float>(i % 5)), "a", "t"));
  ASSERT_TRUE(store_->insert("sq_8", rows).ok());
  SearchRequest req;
  req.vector = unit(8, 19, 0.04f);  // row 19's own vector (the largest tilt of those on axis 3)
  req.limit = 3;
  req.refine_k = 2;
  auto hits = store_->search("sq_8", req);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].id, "r19");
  float self = 1.0f + 7 * 0.04f * 0.04f;  // row 19's vector with itself
  EXPECT_NEAR((*hits)[0].distance, self, 1e-5);

  auto bad = passages_spec("sq_6", 8);
  bad.index.index_type = "HNSW_SQ";
  bad.index.sq_type = "SQ6";
  Status refused = store_->create_collection(bad);
  EXPECT_EQ(milvus_code_of(refused), MilvusCode::kInvalidParameter) << refused.message();
}

// Query rows come by primary key, as a Milvus server returns them (its proxy merges segment
// results by smallest key), whatever order they were written in: VarChar keys byte-wise, Int64
// keys by value; an offset skips the smallest keys.
TEST_P(VectorStoreConformance, QueryReturnsRowsInPrimaryKeyOrderNotWritingOrder) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) ids.push_back("k" + std::to_string(i * 37 % 120));  // k0, k37, k74, k111, k28, ...
  std::vector<Json> rows;
  for (size_t i = 0; i < ids.size(); ++i) rows.push_back(row(ids[i], unit(4, static_cast<int>(i)), i % 3 ? "a" : "b", "t", 0));
  ASSERT_TRUE(store_->insert("p", {rows.begin(), rows.begin() + 50}).ok());
  ASSERT_TRUE(store_->insert("p", {rows.begin() + 50, rows.end()}).ok());
  auto ids_of = [](const Result<std::vector<Json>>& got) {
    std::vector<std::string> out;
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (got.ok()) {
      for (const auto& r : *got) out.push_back(r["id"]);
    }
    return out;
  };
  std::vector<std::string> sorted = ids, of_a;
  std::sort(sorted.begin(), sorted.end());  // k0, k1, k10, k100, k101, ...
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i % 3) of_a.push_back(ids[i]);
  }
  std::sort(of_a.begin(), of_a.end());

  QueryRequest all;
  EXPECT_EQ(ids_of(store_->query("p", all)), sorted);
  QueryRequest window;
  window.filter = "agent_id == \"a\"";
  window.offset = 5;
  window.limit = 10;
  EXPECT_EQ(ids_of(store_->query("p", window)), std::vector<std::string>(of_a.begin() + 5, of_a.begin() + 15));
  EXPECT_EQ(ids_of(store_->get("p", {"k9", "k100", "k55"}, {"id"})), (std::vector<std::string>{"k100", "k55", "k9"}));

  auto spec = passages_spec("n", 4, MetricType::kIP, DataType::kInt64);
  ASSERT_TRUE(store_->create_collection(spec).ok());
  std::vector<Json> numbered;
  for (int64_t key : {100, 9, 1000, 10, -3}) {
    Json r = row("x", unit(4, 0), "a", "t");
    r["id"] = key;
    numbered.push_back(std::move(r));
  }
  ASSERT_TRUE(store_->insert("n", numbered).ok());
  auto got = store_->query("n", all);
  ASSERT_TRUE(got.ok()) << got.status().message();
  std::vector<int64_t> keys;
  for (const auto& r : *got) keys.push_back(r["id"].get<int64_t>());
  EXPECT_EQ(keys, (std::vector<int64_t>{-3, 9, 10, 100, 1000}));
}

// Paging by key, as pymilvus's QueryIterator does (`(<filter>) and id > <last>`, a limit, no
// offset), visits every matching row exactly once, with a filter on an indexed (partition key)
// field or not.
TEST_P(VectorStoreConformance, PagesAfterTheLastKeyCoverAFilteredSetExactlyOnce) {
  ASSERT_TRUE(store_->create_collection(passages_spec("p", 4)).ok());
  std::mt19937 rng(7);
  std::vector<Json> rows;
  std::map<std::string, std::set<std::string>> expected;  // filter -> ids
  for (int i = 0; i < 400; ++i) {
    std::string id = fmt::format("{:08x}", rng());
    std::string agent = i % 4 == 0 ? "small" : "big";
    int64_t created = i % 5;
    rows.push_back(row(id, unit(4, i), agent, "t", created));
    expected["agent_id == \"" + agent + "\""].insert(id);
    if (created >= 3) expected["created_at >= 3"].insert(id);
  }
  ASSERT_TRUE(store_->insert("p", rows).ok());
  for (const auto& [filter, ids] : expected) {
    for (int64_t page_size : {1, 7, 100, 1000}) {
      std::vector<std::string> seen;
      QueryRequest q;
      q.filter = filter;
      q.limit = page_size;
      q.output_fields = {"id"};
      for (int pages = 0; pages < 1000; ++pages) {
        auto page = store_->query("p", q);
        ASSERT_TRUE(page.ok()) << page.status().message();
        for (const auto& r : *page) seen.push_back(r["id"]);
        if (static_cast<int64_t>(page->size()) < page_size) break;
        q.filter = "(" + filter + ") and id > \"" + seen.back() + "\"";
      }
      EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end())) << filter << ", pages of " << page_size;
      EXPECT_EQ(seen.size(), ids.size()) << filter << ", pages of " << page_size;
      EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), ids) << filter << ", pages of " << page_size;
    }
  }
}

}  // namespace memgpt::vector
