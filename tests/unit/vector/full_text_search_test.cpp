// Milvus 2.5's full-text search on `memgpt milvus serve` (the REST server in front of the embedded
// engine, real HTTP on loopback): a BM25 function in the schema, searches of its sparse output
// field with texts, hybrid_search with RRF, Milvus's errors; and the REST client making and using
// such collections. Expected scores are Milvus's BM25 (the values Milvus Lite 2.5.1 answers for
// the same rows, checked by tests/e2e/python/test_milvus_full_text.py).
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "served_store.h"
#include "support/test_env.h"

namespace memgpt::vector {
namespace {

// Milvus's BM25 of one term: idf = log(1 + (N - df + 0.5) / (df + 0.5)).
double bm25(double n, double df, double tf, double dl, double avgdl, double k1 = 1.2, double b = 0.75) {
  double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
}

Json fts_schema(const Json& index_params = {{"index_type", "SPARSE_INVERTED_INDEX"}}) {
  return {{"autoID", false},
          {"enableDynamicField", true},
          {"fields",
           {{{"fieldName", "id"}, {"dataType", "Int64"}, {"isPrimary", true}},
            {{"fieldName", "text"}, {"dataType", "VarChar"}, {"elementTypeParams", {{"max_length", 1000}, {"enable_analyzer", true}}}},
            {{"fieldName", "sparse"}, {"dataType", "SparseFloatVector"}},
            {{"fieldName", "vec"}, {"dataType", "FloatVector"}, {"elementTypeParams", {{"dim", 2}}}}}},
          {"functions",
           {{{"name", "bm25"}, {"type", "BM25"}, {"inputFieldNames", {"text"}}, {"outputFieldNames", {"sparse"}}, {"params", Json::object()}}}},
          {"_index_params", index_params}};
}

class FullTextSearch : public ::testing::Test {
 protected:
  void SetUp() override {
    served_ = std::make_unique<ServedStore>(dir_.path());
    base_ = served_->url() + "/v2/vectordb/";
  }

  Json call(const std::string& action, const Json& body) {
    auto r = post(base_ + action, body.dump());
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : Json::object();
  }

  // A collection "c": id, text (analysed), sparse (BM25 output), vec (2-d, IP).
  Json create(const std::string& name, Json schema) {
    Json index = schema["_index_params"];
    schema.erase("_index_params");
    return call("collections/create",
                {{"collectionName", name},
                 {"schema", schema},
                 {"indexParams",
                  {{{"fieldName", "vec"}, {"indexName", "vec"}, {"metricType", "IP"}, {"params", {{"index_type", "HNSW"}}}},
                   {{"fieldName", "sparse"}, {"indexName", "sparse"}, {"metricType", "BM25"}, {"params", index}}}}});
  }

  void create_and_fill() {
    Json made = create("c", fts_schema());
    ASSERT_EQ(made["code"], 0) << made.dump();
    Json rows = {{{"id", 1}, {"text", "The quick brown fox, running!"}, {"vec", {1.0, 0.0}}, {"tag", "a"}},
                 {{"id", 2}, {"text", "foxes run quickly"}, {"vec", {0.0, 1.0}}, {"tag", "b"}},
                 {{"id", 3}, {"text", ""}, {"vec", {0.6, 0.8}}, {"tag", "a"}},
                 {{"id", 4}, {"text", "a fox and a fox"}, {"vec", {0.8, 0.6}}, {"tag", "b"}}};
    Json ins = call("entities/insert", {{"collectionName", "c"}, {"data", rows}});
    ASSERT_EQ(ins["code"], 0) << ins.dump();
  }

  Json text_search(const Json& extra) {
    Json body = {{"collectionName", "c"}, {"annsField", "sparse"}, {"limit", 10}};
    body.update(extra);
    return call("entities/search", body);
  }

  testing::TempDir dir_;
  std::unique_ptr<ServedStore> served_;
  std::string base_;
};

TEST_F(FullTextSearch, DescribeShowsTheFunctionItsOutputFieldAndItsIndex) {
  ASSERT_EQ(create("c", fts_schema({{"index_type", "AUTOINDEX"}, {"bm25_k1", "1.5"}, {"bm25_b", 0.5}}))["code"], 0);
  Json d = call("collections/describe", {{"collectionName", "c"}})["data"];
  ASSERT_EQ(d["fields"].size(), 4u) << d.dump();
  Json sparse = d["fields"][3];
  EXPECT_EQ(sparse["name"], "sparse");
  EXPECT_EQ(sparse["type"], "SparseFloatVector");
  EXPECT_EQ(sparse["isFunctionOutput"], true);
  Json text_params = d["fields"][1]["params"];
  EXPECT_NE(text_params.dump().find(R"({"key":"enable_analyzer","value":"true"})"), std::string::npos) << text_params.dump();
  ASSERT_EQ(d["functions"].size(), 1u);
  EXPECT_EQ(d["functions"][0]["name"], "bm25");
  EXPECT_EQ(d["functions"][0]["type"], "BM25");
  EXPECT_EQ(d["functions"][0]["inputFieldNames"], Json({"text"}));
  EXPECT_EQ(d["functions"][0]["outputFieldNames"], Json({"sparse"}));
  EXPECT_EQ(d["indexes"][1]["metricType"], "BM25");
  Json list = call("indexes/list", {{"collectionName", "c"}})["data"];
  EXPECT_EQ(list, Json({"vec", "sparse"}));
  Json idx = call("indexes/describe", {{"collectionName", "c"}, {"indexName", "sparse"}})["data"][1];
  EXPECT_EQ(idx["indexType"], "AUTOINDEX");
  EXPECT_EQ(idx["params"]["bm25_k1"], 1.5);
  EXPECT_EQ(idx["params"]["bm25_b"], 0.5);
  // The same schema again is fine; the store reopened reads it back the same.
  served_.reset();
  served_ = std::make_unique<ServedStore>(dir_.path());
  base_ = served_->url() + "/v2/vectordb/";
  EXPECT_EQ(call("collections/describe", {{"collectionName", "c"}})["data"], d);
}

TEST_F(FullTextSearch, SearchingTheOutputFieldWithTextRanksByMilvusBm25) {
  create_and_fill();
  // Standard analyzer: words lower-cased, not stemmed ("foxes" is not "fox"). N = 4 (the empty
  // text counts), lengths 5, 3, 0, 5, avgdl 13/4; "fox" is in rows 1 (once) and 4 (twice).
  double avgdl = 13.0 / 4;
  double row4 = bm25(4, 2, 2, 5, avgdl);
  double row1 = bm25(4, 2, 1, 5, avgdl) + bm25(4, 1, 1, 5, avgdl);  // fox + running
  Json r = text_search({{"data", {"Running FOX"}}, {"outputFields", {"text", "tag"}}});
  ASSERT_EQ(r["code"], 0) << r.dump();
  ASSERT_EQ(r["data"].size(), 2u) << r.dump();
  EXPECT_EQ(r["topks"], Json({2}));
  EXPECT_EQ(r["data"][0]["id"], 1);
  EXPECT_NEAR(r["data"][0]["distance"].get<double>(), row1, 1e-9);
  EXPECT_EQ(r["data"][0]["text"], "The quick brown fox, running!");
  EXPECT_EQ(r["data"][0]["tag"], "a");
  EXPECT_EQ(r["data"][1]["id"], 4);
  EXPECT_NEAR(r["data"][1]["distance"].get<double>(), row4, 1e-9);
  // A word twice in the query counts twice (Milvus's query vector holds each word's count).
  Json twice = text_search({{"data", {"fox FOX"}}, {"limit", 1}});
  ASSERT_EQ(twice["data"].size(), 1u) << twice.dump();
  EXPECT_NEAR(twice["data"][0]["distance"].get<double>(), 2 * row4, 1e-9);
  // Filter, limit and offset, several texts (one topk each), a text without words.
  Json filtered = text_search({{"data", {"fox"}}, {"filter", "tag == \"b\""}});
  ASSERT_EQ(filtered["data"].size(), 1u) << filtered.dump();
  EXPECT_EQ(filtered["data"][0]["id"], 4);
  Json second = text_search({{"data", {"fox running"}}, {"limit", 1}, {"offset", 1}});
  ASSERT_EQ(second["data"].size(), 1u);
  EXPECT_EQ(second["data"][0]["id"], 4);
  Json many = text_search({{"data", {"quickly", "", "zebra"}}, {"searchParams", {{"metricType", "BM25"}}}});
  ASSERT_EQ(many["code"], 0) << many.dump();
  EXPECT_EQ(many["topks"], Json({1, 0, 0}));
  EXPECT_EQ(many["data"][0]["id"], 2);
  // The dense field still searches by vectors.
  Json dense = call("entities/search", {{"collectionName", "c"}, {"annsField", "vec"}, {"data", {{1.0, 0.0}}}, {"limit", 1}});
  EXPECT_EQ(dense["data"][0]["id"], 1) << dense.dump();
}

TEST_F(FullTextSearch, IndexParametersK1AndBChangeTheScoresAsMilvusDocuments) {
  ASSERT_EQ(create("c", fts_schema({{"index_type", "SPARSE_INVERTED_INDEX"}, {"bm25_k1", 2.0}, {"bm25_b", 0}}))["code"], 0);
  Json rows = {{{"id", 1}, {"text", "alpha beta gamma"}, {"vec", {1.0, 0.0}}},
               {{"id", 2}, {"text", "alpha"}, {"vec", {0.0, 1.0}}}};
  ASSERT_EQ(call("entities/insert", {{"collectionName", "c"}, {"data", rows}})["code"], 0);
  Json r = text_search({{"data", {"alpha"}}});
  ASSERT_EQ(r["data"].size(), 2u) << r.dump();
  // b = 0: the length does not count, both rows score the same; ties keep insertion order.
  EXPECT_NEAR(r["data"][0]["distance"].get<double>(), bm25(2, 2, 1, 3, 2, 2.0, 0), 1e-9);
  EXPECT_NEAR(r["data"][1]["distance"].get<double>(), bm25(2, 2, 1, 1, 2, 2.0, 0), 1e-9);
  EXPECT_EQ(r["data"][0]["id"], 1);
}

TEST_F(FullTextSearch, HybridSearchFusesADenseAndABm25SubSearchByRrf) {
  create_and_fill();
  Json body = {{"collectionName", "c"},
               {"search",
                {{{"data", {{1.0, 0.0}}}, {"annsField", "vec"}, {"limit", 3}, {"metricType", "IP"}},
                 {{"data", {"fox"}}, {"annsField", "sparse"}, {"limit", 3}}}},
               {"rerank", {{"strategy", "rrf"}, {"params", {{"k", 10}}}}},
               {"limit", 3},
               {"outputFields", {"tag"}}};
  Json r = call("entities/hybrid_search", body);
  ASSERT_EQ(r["code"], 0) << r.dump();
  // Dense (IP with [1, 0]): 1, 4, 3 (limit 3); BM25 of "fox": 4, 1. RRF k = 10:
  // row 1: 1/11 + 1/12, row 4: 1/12 + 1/11, row 3: 1/13. Rows 1 and 4 tie; 1 came first.
  ASSERT_EQ(r["data"].size(), 3u) << r.dump();
  EXPECT_EQ(r["topks"], Json({3}));
  EXPECT_NEAR(r["data"][0]["distance"].get<double>(), 1.0 / 11 + 1.0 / 12, 1e-12);
  EXPECT_NEAR(r["data"][1]["distance"].get<double>(), 1.0 / 11 + 1.0 / 12, 1e-12);
  EXPECT_EQ(r["data"][2]["id"], 3);
  EXPECT_NEAR(r["data"][2]["distance"].get<double>(), 1.0 / 13, 1e-12);
  EXPECT_EQ(r["data"][2]["tag"], "a");
  // A filter on both sub-searches.
  body["search"][0]["filter"] = body["search"][1]["filter"] = "tag == \"a\"";
  Json filtered = call("entities/hybrid_search", body);
  ASSERT_EQ(filtered["code"], 0) << filtered.dump();
  ASSERT_EQ(filtered["data"].size(), 2u);
  EXPECT_EQ(filtered["data"][0]["id"], 1);  // 1/11 + 1/11
  EXPECT_EQ(filtered["data"][1]["id"], 3);
}

TEST_F(FullTextSearch, ErrorsAreMilvusCodesWithTheReason) {
  auto expect_error = [&](const Json& reply, int code, const std::string& words) {
    EXPECT_EQ(reply["code"], code) << reply.dump();
    std::string message = reply.value("message", "");
    EXPECT_NE(message.find(words), std::string::npos) << message;
  };
  Json schema = fts_schema();
  schema["fields"][1]["elementTypeParams"].erase("enable_analyzer");
  expect_error(create("x", schema), 1100, "must set enable_analyzer to true");
  schema = fts_schema();
  schema["functions"][0]["type"] = "TextEmbedding";
  expect_error(create("x", schema), 1100, "function type TextEmbedding is not supported");
  schema = fts_schema();
  schema["functions"][0]["outputFieldNames"] = {"vec"};
  expect_error(create("x", schema), 1100, "must be a SparseFloatVector field");
  schema = fts_schema();
  schema["functions"][0]["inputFieldNames"] = {"nope"};
  expect_error(create("x", schema), 1100, "function input field not found: nope");
  schema = fts_schema();
  schema["functions"] = Json::array();
  expect_error(create("x", schema), 1100, "only as the output of a BM25 function");
  schema = fts_schema();
  schema["fields"][1]["elementTypeParams"]["analyzer_params"] = {{"type", "english"}};
  expect_error(create("x", schema), 1100, "analyzer english of field text is not supported");
  expect_error(create("x", fts_schema({{"bm25_k1", 5.0}})), 1100, "bm25_k1: 5 should be in range [0.0, 3.0]");
  expect_error(create("x", fts_schema({{"bm25_b", "x"}})), 1100, "bm25_b: \"x\" is not a number");
  EXPECT_EQ(call("collections/has", {{"collectionName", "x"}})["data"]["has"], false);

  create_and_fill();
  Json into_output = call("entities/insert", {{"collectionName", "c"}, {"data", {{{"id", 9}, {"text", "t"}, {"vec", {1, 0}}, {"sparse", {{"1", 0.5}}}}}}});
  expect_error(into_output, 1100, "unexpected function output field `sparse`");
  EXPECT_EQ(call("entities/query", {{"collectionName", "c"}, {"outputFields", {"count(*)"}}})["data"][0]["count(*)"], 4);
  expect_error(text_search({{"data", {{1.0, 0.0}}}}), 1100, "takes texts, not vectors");
  expect_error(text_search({{"data", {"fox"}}, {"searchParams", {{"metricType", "IP"}}}}), 1100,
               "metric type not match: expected=BM25, actual=IP");
  expect_error(text_search({{"data", {"fox"}}, {"annsField", "nope"}}), 1100, "not a vector field of c (vec or sparse)");
  Json hybrid = {{"collectionName", "c"},
                 {"search", {{{"data", {{1.0, 0.0}}}, {"annsField", "vec"}}, {{"data", {"fox"}}, {"annsField", "sparse"}}}},
                 {"rerank", {{"strategy", "weighted"}, {"params", {{"weights", {0.5, 0.5}}}}}}};
  expect_error(call("entities/hybrid_search", hybrid), 1100, "rerank strategy weighted is not supported");
  hybrid["rerank"] = {{"strategy", "rrf"}, {"params", {{"k", 60}}}};
  hybrid["search"][1] = hybrid["search"][0];
  expect_error(call("entities/hybrid_search", hybrid), 1100, "searches vec a second time");
  hybrid["search"] = {{{"data", {{1.0, 0.0}}}, {"annsField", "vec"}, {"filter", "tag == \"a\""}},
                      {{"data", {"fox"}}, {"annsField", "sparse"}}};
  expect_error(call("entities/hybrid_search", hybrid), 1100, "must have the same filter");
  expect_error(call("entities/hybrid_search", {{"collectionName", "c"}}), 1802, "search is required");
}

// memgpt's own collections (a VarChar field "text") on a Milvus server get a BM25 function, and
// keyword and hybrid search go through Milvus's documented requests: the answers are those of
// the engine behind the server for the same request.
TEST_F(FullTextSearch, ClientMakesItsCollectionsWithABm25FunctionAndSearchesThem) {
  CollectionSpec spec;
  spec.name = "archival";
  spec.fields = {{"id", DataType::kVarChar, true, false, 64, 0},
                 {"text", DataType::kVarChar, false, false, 1000, 0},
                 {"embedding", DataType::kFloatVector, false, false, 0, 2}};
  ASSERT_TRUE(served_->create_collection(spec).ok());
  Json d = call("collections/describe", {{"collectionName", "archival"}})["data"];
  ASSERT_EQ(d["functions"].size(), 1u) << d.dump();
  EXPECT_EQ(d["functions"][0]["inputFieldNames"], Json({"text"}));
  EXPECT_EQ(d["functions"][0]["outputFieldNames"], Json({"text_sparse"}));
  ASSERT_TRUE(served_->create_collection(spec).ok()) << "the same schema again";
  std::vector<Json> rows;
  const char* texts[] = {"the cat sat on the mat", "dogs chase cats", "a mat for the dog", "birds sing", "cat cat cat"};
  for (int i = 0; i < 5; ++i) {
    rows.push_back({{"id", "p" + std::to_string(i)}, {"text", texts[i]}, {"embedding", {std::cos(i * 0.5), std::sin(i * 0.5)}}});
  }
  ASSERT_TRUE(served_->insert("archival", rows).ok());

  SearchRequest keyword;
  keyword.text_query = "cat mat";
  keyword.limit = 3;
  auto through_rest = served_->search("archival", keyword);
  auto engine = served_->engine()->search("archival", keyword);
  ASSERT_TRUE(through_rest.ok()) << through_rest.status().message();
  ASSERT_TRUE(engine.ok());
  ASSERT_EQ(through_rest->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*through_rest)[i].id, (*engine)[i].id) << i;
    EXPECT_NEAR((*through_rest)[i].distance, (*engine)[i].distance, 1e-12);
  }
  // Not stemmed: "cats" is not "cat". "cat cat cat" (short, tf 3) edges out "the cat sat on the mat".
  EXPECT_EQ((*through_rest)[0].id, "p4");
  EXPECT_EQ((*through_rest)[1].id, "p0");

  for (double vector_weight : {1.0, 0.5}) {  // hybrid_search (equal weights) and two searches fused
    SearchRequest hybrid = keyword;
    hybrid.vector = {1.0f, 0.0f};
    hybrid.vector_weight = vector_weight;
    hybrid.rrf_k = 10;
    hybrid.offset = 1;
    hybrid.output_fields = {"text"};
    auto a = served_->search("archival", hybrid);
    auto b = served_->engine()->search("archival", hybrid);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok());
    ASSERT_EQ(a->size(), b->size()) << vector_weight;
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].id, (*b)[i].id) << vector_weight << " " << i;
      EXPECT_NEAR((*a)[i].distance, (*b)[i].distance, 1e-12);
      EXPECT_EQ((*a)[i].fields["text"], (*b)[i].fields["text"]);
    }
  }
}

// A collection made before (no function) still answers keyword search on `memgpt milvus serve`
// through its textQuery extension.
TEST_F(FullTextSearch, ClientKeepsKeywordSearchOfCollectionsWithoutAFunction) {
  Json made = call("collections/create",
                   {{"collectionName", "old"},
                    {"schema",
                     {{"fields",
                       {{{"fieldName", "id"}, {"dataType", "Int64"}, {"isPrimary", true}},
                        {{"fieldName", "text"}, {"dataType", "VarChar"}, {"elementTypeParams", {{"max_length", 100}}}},
                        {{"fieldName", "embedding"}, {"dataType", "FloatVector"}, {"elementTypeParams", {{"dim", 2}}}}}}}}});
  ASSERT_EQ(made["code"], 0) << made.dump();
  ASSERT_TRUE(served_->insert("old", {{{"id", 1}, {"text", "running foxes"}, {"embedding", {1, 0}}}}).ok());
  SearchRequest keyword;
  keyword.text_query = "fox run";  // the porter analyzer of collections without a function stems
  auto hits = served_->search("old", keyword);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, 1);
}

// A Milvus server before 2.5 (a double on loopback: no Milvus server runs here) refuses a
// schema with functions; the client creates the collection without one, and a keyword-only
// search then says why it cannot be answered instead of answering by vectors.
TEST(FullTextSearchClient, FallsBackToNoFunctionOnAServerWithoutBm25) {
  httplib::Server peer;
  std::vector<Json> creates;
  peer.Post("/v2/vectordb/collections/has", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"code":0,"data":{"has":false}})", "application/json");
  });
  peer.Post("/v2/vectordb/collections/create", [&](const httplib::Request& req, httplib::Response& res) {
    creates.push_back(parse_json_or_discarded(req.body));
    bool functions = creates.back()["schema"].contains("functions");
    res.set_content(functions ? R"({"code":1100,"message":"invalid parameter[function]"})" : R"({"code":0,"data":{}})",
                    "application/json");
  });
  peer.Post("/v2/vectordb/entities/search", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"code":0,"data":[],"topks":[0]})", "application/json");
  });
  int port = peer.bind_to_any_port("127.0.0.1");
  std::thread t([&] { peer.listen_after_bind(); });
  while (!peer.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  VectorStoreOptions o;
  o.max_retries = 0;
  auto client = std::move(*open_milvus_rest_store("http://127.0.0.1:" + std::to_string(port), o));
  CollectionSpec spec;
  spec.name = "archival";
  spec.fields = {{"id", DataType::kVarChar, true, false, 64, 0},
                 {"text", DataType::kVarChar, false, false, 1000, 0},
                 {"embedding", DataType::kFloatVector, false, false, 0, 2}};
  Status made = client->create_collection(spec);
  SearchRequest keyword;
  keyword.text_query = "cat";
  auto hits = client->search("archival", keyword);
  peer.stop();
  t.join();
  ASSERT_TRUE(made.ok()) << made.message();
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[0]["schema"]["functions"][0]["type"], "BM25");
  EXPECT_EQ(creates[0]["indexParams"][1]["metricType"], "BM25");
  EXPECT_FALSE(creates[1]["schema"].contains("functions"));
  EXPECT_EQ(creates[1]["schema"]["fields"].size(), 3u);
  ASSERT_FALSE(hits.ok());
  EXPECT_NE(hits.status().message().find("needs a collection with a BM25 function (Milvus 2.5+)"), std::string::npos)
      << hits.status().message();
}

}  // namespace
}  // namespace memgpt::vector
