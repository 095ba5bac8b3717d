// The conformance suite again, through the REST client talking to our REST server (in process,
// loopback) in front of the embedded engine; plus what only the REST layer does.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <limits>

#include "conformance.h"
#include "served_store.h"

namespace memgpt::vector {
namespace {

INSTANTIATE_TEST_SUITE_P(RestClientToOurServer, VectorStoreConformance,
                         ::testing::Values(StoreFactory{"rest", [](const std::string& folder) {
                           return std::unique_ptr<VectorStore>(new ServedStore(folder));
                         }}),
                         factory_name);

TEST(MilvusRestServer, TokenIsRequiredWhenConfigured) {
  testing::TempDir dir;
  ServedStore served(dir.path(), "root:Milvus");
  auto no_token = post(served.url() + "/v2/vectordb/collections/list", "{}");
  ASSERT_TRUE(no_token.ok());
  EXPECT_EQ((*no_token)["http_status"], 401);
  EXPECT_EQ((*no_token)["code"], 1800);
  auto wrong = post(served.url() + "/v2/vectordb/collections/list", "{}", {{"Authorization", "Bearer root:wrong"}});
  EXPECT_EQ((*wrong)["code"], 1800);
  auto right = post(served.url() + "/v2/vectordb/collections/list", "{}", {{"Authorization", "Bearer root:Milvus"}});
  EXPECT_EQ((*right)["code"], 0);
  EXPECT_TRUE((*right)["data"].is_array());
  // The client with the right token works; with a wrong one it says what to fix.
  VectorStoreOptions bad;
  bad.token = "root:nope";
  auto client = open_milvus_rest_store(served.url(), bad);
  auto r = (*client)->list_collections();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--milvus-token"), std::string::npos) << r.status().message();
}

TEST(MilvusRestServer, EnvelopeAndErrorCodes) {
  testing::TempDir dir;
  ServedStore served(dir.path());
  std::string base = served.url() + "/v2/vectordb/";
  auto created = post(base + "collections/create",
                      R"({"collectionName":"quick","dimension":3,"metricType":"COSINE","idType":"VarChar","params":{"max_length":64}})");
  EXPECT_EQ((*created)["code"], 0) << created->dump();
  auto desc = post(base + "collections/describe", R"({"collectionName":"quick"})");
  EXPECT_EQ((*desc)["data"]["fields"][1]["params"][0]["value"], "3");
  EXPECT_EQ((*desc)["data"]["load"], "LoadStateLoaded");
  auto ins = post(base + "entities/insert", R"({"collectionName":"quick","data":[{"id":"a","vector":[1,0,0],"color":"red"}]})");
  EXPECT_EQ((*ins)["data"]["insertCount"], 1);
  EXPECT_EQ((*ins)["data"]["insertIds"][0], "a");
  auto bad_json = post(base + "entities/query", "{not json");
  EXPECT_EQ((*bad_json)["code"], 1801);
  auto missing = post(base + "entities/query", R"({"filter":"id == \"a\""})");
  EXPECT_EQ((*missing)["code"], 1802);
  auto ghost = post(base + "entities/query", R"({"collectionName":"ghost"})");
  EXPECT_EQ((*ghost)["code"], 100);
  auto db = post(base + "collections/list", R"({"dbName":"other"})");
  EXPECT_EQ((*db)["code"], 800);
  auto filter = post(base + "entities/query", R"({"collectionName":"quick","filter":"color =="})");
  EXPECT_EQ((*filter)["code"], 1100);
  auto stats = post(base + "collections/get_stats", R"({"collectionName":"quick"})");
  EXPECT_EQ((*stats)["data"]["rowCount"], 1);
  auto srch = post(base + "entities/search", R"({"collectionName":"quick","data":[[1,0,0]],"limit":1,"outputFields":["color"]})");
  EXPECT_EQ((*srch)["data"][0]["id"], "a");
  EXPECT_EQ((*srch)["data"][0]["color"], "red");
  EXPECT_NEAR((*srch)["data"][0]["distance"].get<double>(), 1.0, 1e-5);
  auto del = post(base + "entities/delete", R"({"collectionName":"quick","filter":"id in [\"a\"]"})");
  EXPECT_EQ((*del)["data"]["deleteCount"], 1);
}

TEST(MilvusRestClient, AcceptsCode200AndInt64AsStringsAndRetriesRateLimits) {
  // A scripted peer for replies our own server never sends (older servers, rate limiting).
  httplib::Server peer;
  int calls = 0;
  peer.Post("/v2/vectordb/entities/query", [&](const httplib::Request&, httplib::Response& res) {
    if (++calls == 1) {
      res.set_content(R"({"code":1807,"message":"rate limit exceeded"})", "application/json");
      return;
    }
    res.set_content(R"J({"code":200,"data":[{"count(*)":"42"}]})J", "application/json");
  });
  peer.Post("/v2/vectordb/collections/has", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"code":101,"message":"collection not loaded"})", "application/json");
  });
  int port = peer.bind_to_any_port("127.0.0.1");
  std::thread t([&] { peer.listen_after_bind(); });
  while (!peer.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  VectorStoreOptions o;
  o.max_retries = 2;
  auto client = open_milvus_rest_store("http://127.0.0.1:" + std::to_string(port), o);
  auto n = (*client)->count("c", "");
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 42);
  EXPECT_EQ(calls, 2);
  auto has = (*client)->has_collection("c");  // 101: load, retry once, then report
  EXPECT_FALSE(has.ok());
  peer.stop();
  t.join();
}

// A peer (another server, a proxy, a newer Milvus) may send values of unexpected types: the
// client reports them as errors and never throws.
TEST(MilvusRestClient, OddRepliesAreErrorsNotExceptions) {
  httplib::Server peer;
  auto reply = [&](const char* path, const char* body) {
    peer.Post(path, [body](const httplib::Request&, httplib::Response& res) { res.set_content(body, "application/json"); });
  };
  reply("/v2/vectordb/collections/describe",
        R"({"code":0,"data":{"collectionName":"c","fields":[{"name":"id","type":"VarChar","primaryKey":true,"params":[5]},)"
        R"({"name":"v","type":"FloatVector","params":[{"key":"dim","value":2}]}],"indexes":[{"fieldName":"v"}]}})");
  reply("/v2/vectordb/collections/has", R"({"code":0,"data":{"has":"yes"}})");
  reply("/v2/vectordb/entities/search", R"({"code":0,"data":[{"id":"a","distance":null},7,{"id":"b","distance":0.5}]})");
  reply("/v2/vectordb/entities/query", R"J({"code":0,"data":[{"count(*)":"many"}]})J");
  reply("/v2/vectordb/entities/insert", R"({"code":"0","message":["x"]})");
  reply("/v2/vectordb/entities/delete", R"({"code":0,"data":{"deleteCount":"2"}})");
  int port = peer.bind_to_any_port("127.0.0.1");
  std::thread t([&] { peer.listen_after_bind(); });
  while (!peer.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  VectorStoreOptions o;
  o.max_retries = 0;
  auto client = std::move(*open_milvus_rest_store("http://127.0.0.1:" + std::to_string(port), o));
  auto has = client->has_collection("c");
  EXPECT_FALSE(has.ok());
  EXPECT_NE(has.status().message().find("sent a reply memgpt cannot read"), std::string::npos) << has.status().message();
  SearchRequest s;
  s.vector = {1, 0};
  auto hits = client->search("c", s);
  EXPECT_TRUE(hits.ok()) << hits.status().message();
  if (hits.ok()) {
    EXPECT_EQ(hits->size(), 2u) << "the row that is not an object is dropped";
    EXPECT_TRUE(hits->size() == 2 && std::isnan((*hits)[0].distance));
    EXPECT_TRUE(hits->size() == 2 && (*hits)[1].distance == 0.5);
  }
  s.vector = {std::numeric_limits<float>::infinity(), 0};
  EXPECT_EQ(milvus_code_of(client->search("c", s).status()), MilvusCode::kInvalidParameter) << "JSON cannot carry infinity";
  auto n = client->count("c", "");
  EXPECT_FALSE(n.ok());
  auto ins = client->insert("c", {{{"id", "a"}, {"v", {1, 0}}}});
  EXPECT_FALSE(ins.ok());
  EXPECT_EQ(ins.status().message(), "unknown error");
  EXPECT_FALSE(client->remove("c", "id == \"a\"").ok());
  peer.stop();
  t.join();
}

TEST(MilvusRestClient, UnreachableServerNamesTheUriAndTheFix) {
  VectorStoreOptions o;
  o.max_retries = 0;
  testing::ClosedPort closed;
  int dead = closed.port();
  auto client = open_milvus_rest_store("http://127.0.0.1:" + std::to_string(dead), o);
  auto r = (*client)->list_collections();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Milvus at http://127.0.0.1:" + std::to_string(dead)), std::string::npos);
  EXPECT_NE(r.status().message().find("[archival_storage] uri"), std::string::npos);
}

}  // namespace
}  // namespace memgpt::vector
