// The conformance suite again, through the REST client talking to our REST server (in process,
// loopback) in front of the embedded engine; plus what only the REST layer does.
#include <gtest/gtest.h>
#include <httplib.h>

#include "conformance.h"
#include "util/http_client.h"
#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"

namespace memgpt::vector {
namespace {

// Owns the engine and the server behind a client, so the suite sees one VectorStore.
class ServedStore : public VectorStore {
 public:
  ServedStore(const std::string& folder, const std::string& token = "") {
    engine_ = std::move(*open_embedded_store(folder + "/milvus.db"));
    server_ = std::make_unique<MilvusRestServer>(engine_.get(), MilvusRestServer::Options{token});
    port_ = *server_->start("127.0.0.1", 0);
    VectorStoreOptions o;
    o.token = token;
    o.max_retries = 0;
    client_ = std::move(*open_milvus_rest_store(url(), o));
  }
  ~ServedStore() override {
    client_.reset();
    server_->stop();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Status create_collection(const CollectionSpec& s) override { return client_->create_collection(s); }
  Result<bool> has_collection(const std::string& n) override { return client_->has_collection(n); }
  Result<CollectionSpec> describe_collection(const std::string& n) override { return client_->describe_collection(n); }
  Result<std::vector<std::string>> list_collections() override { return client_->list_collections(); }
  Status drop_collection(const std::string& n) override { return client_->drop_collection(n); }
  Result<int64_t> insert(const std::string& c, const std::vector<Json>& r) override { return client_->insert(c, r); }
  Result<int64_t> upsert(const std::string& c, const std::vector<Json>& r) override { return client_->upsert(c, r); }
  Result<std::vector<SearchHit>> search(const std::string& c, const SearchRequest& r) override { return client_->search(c, r); }
  Result<std::vector<Json>> query(const std::string& c, const QueryRequest& r) override { return client_->query(c, r); }
  Result<std::vector<Json>> get(const std::string& c, const std::vector<Json>& ids, const std::vector<std::string>& f) override {
    return client_->get(c, ids, f);
  }
  Result<int64_t> count(const std::string& c, const std::string& f) override { return client_->count(c, f); }
  Result<int64_t> remove(const std::string& c, const std::string& f) override { return client_->remove(c, f); }
  Result<int64_t> remove_ids(const std::string& c, const std::vector<Json>& ids) override { return client_->remove_ids(c, ids); }
  std::string uri() const override { return client_->uri(); }

 private:
  std::unique_ptr<VectorStore> engine_;
  std::unique_ptr<MilvusRestServer> server_;
  int port_ = 0;
  std::unique_ptr<VectorStore> client_;
};

INSTANTIATE_TEST_SUITE_P(RestClientToOurServer, VectorStoreConformance,
                         ::testing::Values(StoreFactory{"rest", [](const std::string& folder) {
                           return std::unique_ptr<VectorStore>(new ServedStore(folder));
                         }}),
                         factory_name);

Result<Json> post(const std::string& url, const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  auto http = make_curl_http_client();
  HttpRequest r;
  r.url = url;
  r.body = body;
  r.headers = headers;
  r.headers.emplace_back("Content-Type", "application/json");
  MEMGPT_ASSIGN_OR_RETURN(HttpResponse resp, http->send(r));
  Json j = Json::parse(resp.body, nullptr, false);
  j["http_status"] = resp.status;
  return j;
}

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
