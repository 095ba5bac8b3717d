// `memgpt server` and `memgpt milvus serve` against hostile clients, on loopback only: a user
// cannot make the server send the operator's keys to a URL the user names, no error shows a
// remote body, half-open connections do not make the servers unresponsive, and a body nested
// 100,000 deep is refused.
#include <gtest/gtest.h>
#include <httplib.h>


#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_fixture.h"
#include "support/raw_client.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

using e2e::Api;
using e2e::say;

// A stranger's HTTP endpoint on loopback: records every request it gets and answers with an
// error whose body must never reach a client of memgpt server.
class RecordingListener {
 public:
  static constexpr const char* kBody = "LISTENER-PRIVATE-BODY";
  RecordingListener() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        std::string seen = req.method + " " + req.path + "\n";
        for (const auto& [k, v] : req.headers) seen += k + ": " + v + "\n";
        seen += req.body;
        requests_.push_back(seen);
      }
      res.status = 401;
      res.set_content(std::string(R"({"error":{"message":")") + kBody + R"(","type":"invalid_request_error"}})",
                      "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RecordingListener() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

class ServerHardeningTest : public e2e::ServerFixture {};

using testing::RawClient;

// Sockets that send the start of a request and then nothing.
std::vector<std::unique_ptr<RawClient>> half_open(int port, int count, const std::string& sent) {
  std::vector<std::unique_ptr<RawClient>> out;
  for (int i = 0; i < count; ++i) {
    auto c = std::make_unique<RawClient>(port);
    EXPECT_TRUE(c->connected());
    c->send(sent);
    out.push_back(std::move(c));
  }
  return out;
}

// A request that must be answered while the server is under the half-open sockets: the client
// gives up after a few seconds (before the fix, 64 such sockets blocked the server for 65 s).
httplib::Result time_boxed(int port, const std::function<httplib::Result(httplib::Client&)>& call) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(5, 0);
  c.set_write_timeout(5, 0);
  return call(c);
}

TEST_F(ServerHardeningTest, AUserCannotSendTheOperatorsKeyToAnEndpointTheyName) {
  // The operator's model: one good reply, then an error whose body is the backend's own text.
  Json replies = Json::array({say("hello bob"), {{"status", 401}, {"error", {{"message", "UPSTREAM-PRIVATE-BODY"}}}}});
  llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
  llm_->start();
  configure();  // the operator's key is "sk-test"
  RecordingListener stranger;
  auto server = start_server("s3cret");
  int port = server->port();
  Api admin(port, "s3cret");
  auto u = admin.post("/v1/admin/users", {{"name", "bob"}});
  ASSERT_EQ(u.status, 200) << u.body.dump();
  Api bob(port, u.body["api_key"].get<std::string>());

  Json foreign = {{"model", "gpt-4"}, {"model_endpoint_type", "openai"}, {"model_endpoint", stranger.url()},
                  {"context_window", 8192}};
  // Creating an agent on the stranger's endpoint is refused, naming the field.
  auto r = bob.post("/v1/agents", {{"name", "x"}, {"llm_config", foreign}});
  EXPECT_EQ(r.status, 422) << r.body.dump();
  EXPECT_EQ(r.body["detail"][0]["loc"][1], "llm_config") << r.body.dump();
  // Other providers with the stranger's URL, or providers this server does not serve.
  for (const char* type : {"azure", "ollama", "vllm", "anthropic"}) {
    Json other = foreign;
    other["model_endpoint_type"] = type;
    EXPECT_EQ(bob.post("/v1/agents", {{"name", "x"}, {"llm_config", other}}).status, 422) << type;
  }
  EXPECT_EQ(bob.post("/v1/agents", {{"name", "x"}, {"model", "ollama/llama3"}}).status, 422);

  // A normal agent; modifying it to point at the stranger is refused as well.
  r = bob.post("/v1/agents", {{"name", "mine"},
                              {"model", "openai/gpt-4o-mini"},
                              {"embedding_config", {{"embedding_endpoint_type", "openai"},
                                                    {"embedding_endpoint", stranger.url()},
                                                    {"embedding_model", "text-embedding-3-small"},
                                                    {"embedding_dim", 1536}}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  std::string id = r.body["id"];
  // A user's embedding_config is not the server's to use: the configured embedder stays.
  EXPECT_NE(r.body["embedding_config"].value("embedding_endpoint", ""), stranger.url()) << r.body.dump();
  EXPECT_EQ(bob.call("PATCH", "/v1/agents/" + id, Json{{"llm_config", foreign}}.dump()).status, 422);
  EXPECT_EQ(bob.call("PATCH", "/v1/agents/" + id, Json{{"model", "ollama/llama3"}}.dump()).status, 422);
  EXPECT_EQ(bob.get("/v1/agents/" + id).body["llm_config"]["model_endpoint"], llm_->base_url());
  // Archival memory (the embedder) works and reaches nobody else.
  EXPECT_EQ(bob.post("/v1/agents/" + id + "/archival-memory", {{"text", "Bob likes tea."}}).status, 200);

  // The agent talks to the operator's model only.
  r = bob.post("/v1/agents/" + id + "/messages", {{"input", "hi"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["messages"].back()["content"], "hello bob");
  // The operator's model fails with a body of its own: the user sees a short reason, not it.
  r = bob.post("/v1/agents/" + id + "/messages", {{"input", "again"}});
  EXPECT_EQ(r.status, 502) << r.body.dump();
  EXPECT_EQ(r.body.dump().find("UPSTREAM-PRIVATE-BODY"), std::string::npos) << r.body.dump();
  EXPECT_EQ(r.body.dump().find(llm_->base_url()), std::string::npos) << r.body.dump();
  EXPECT_TRUE(stranger.requests().empty());

  // The server password may point an agent elsewhere (the operator's override), but the
  // operator's key does not go along, and the stranger's answer stays in the server.
  r = admin.post("/v1/agents", {{"name", "elsewhere"}, {"llm_config", foreign}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  r = admin.post("/v1/agents/" + r.body["id"].get<std::string>() + "/messages", {{"input", "hi"}});
  EXPECT_EQ(r.status, 502) << r.body.dump();
  EXPECT_EQ(r.body.dump().find(RecordingListener::kBody), std::string::npos) << r.body.dump();
  auto seen = stranger.requests();
  ASSERT_FALSE(seen.empty());
  for (const auto& request : seen) EXPECT_EQ(request.find("sk-test"), std::string::npos) << request;
}

TEST_F(ServerHardeningTest, HalfOpenConnectionsDoNotMakeTheServerUnresponsive) {
  start_llm(5);
  configure();
  auto server = start_server("s3cret");
  int port = server->port();
  Api admin(port, "s3cret");
  std::string id = create_agent(admin, "busy");
  // 80 sockets send one request line and stop; 40 send a whole head and half of the body.
  auto lines = half_open(port, 80, "POST /v1/agents HTTP/1.1\r\n");
  auto bodies = half_open(port, 40, "POST /v1/agents HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"name\":");
  auto health = time_boxed(port, [](httplib::Client& c) { return c.Get("/v1/health"); });
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  // Real work goes on too: an authenticated read and a step of an agent.
  auto list = time_boxed(port, [](httplib::Client& c) {
    return c.Get("/v1/agents", httplib::Headers{{"Authorization", "Bearer s3cret"}});
  });
  ASSERT_TRUE(list) << httplib::to_string(list.error());
  EXPECT_EQ(list->status, 200);
  auto step = time_boxed(port, [&](httplib::Client& c) {
    return c.Post("/v1/agents/" + id + "/messages", httplib::Headers{{"Authorization", "Bearer s3cret"}},
                  R"({"input":"still there?"})", "application/json");
  });
  ASSERT_TRUE(step) << httplib::to_string(step.error());
  EXPECT_EQ(step->status, 200) << step->body;
}

TEST_F(ServerHardeningTest, AConnectionThatNeverFinishesItsHeadIsClosed) {
  start_llm(1);
  configure();
  auto server = start_server("", {"--header-timeout", "1"});
  int port = server->port();
  // One byte a quarter second: each read is quick, the head as a whole never arrives.
  RawClient slow(port);
  ASSERT_TRUE(slow.connected());
  std::string line = "GET /v1/health HTTP/1.1\r\nX-Slow: ";
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    if (!slow.send(std::string(1, i < static_cast<int>(line.size()) ? line[static_cast<size_t>(i)] : 'a'))) break;
    slow.receive(250);
    closed = slow.closed_by_server();
  }
  EXPECT_TRUE(closed) << "the server kept a connection whose head never ended";
}

TEST_F(ServerHardeningTest, OneClientCannotHoldEveryConnection) {
  start_llm(1);
  configure();
  auto server = start_server();
  int port = server->port();
  // A client address may hold 256 connections; more are answered 503 and closed.
  auto held = half_open(port, 256, "GET /v1/health HTTP/1.1\r\n");
  RawClient extra(port);
  ASSERT_TRUE(extra.connected());
  std::string answer = extra.receive(5000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 503", 0), 0u) << answer;
  EXPECT_TRUE(extra.closed_by_server());
  // Another client (another loopback address) is served as usual.
  RawClient other(port, "127.0.0.2");
  ASSERT_TRUE(other.connected());
  other.send("GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  answer = other.receive(5000);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
}

TEST_F(ServerHardeningTest, ABodyNested100000DeepIsRefusedAndTheServerStaysUp) {
  start_llm(1);
  configure();
  auto server = start_server();
  int port = server->port();
  Api api(port);
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = api.call("POST", "/v1/agents", deep);
  EXPECT_TRUE(r.status == 400 || r.status == 422) << r.status;
  std::string deep_object;
  for (int i = 0; i < 100000; ++i) deep_object += "{\"a\":";
  deep_object += "1" + std::string(100000, '}');
  r = api.call("POST", "/v1/agents", deep_object);
  EXPECT_TRUE(r.status == 400 || r.status == 422) << r.status;
  EXPECT_EQ(api.get("/v1/health").status, 200);
  EXPECT_EQ(api.get("/v1/agents").body, Json::array());  // nothing was created
}

TEST_F(ServerHardeningTest, HalfOpenConnectionsDoNotMakeMilvusServeUnresponsive) {
  testing::ServerProcess milvus(testing::milvus_serve_argv(home_.file("served.db")), {{"MEMGPT_HOME", home_.path()}},
                                testing::kMilvusServeReady);
  ASSERT_TRUE(milvus.ready()) << "memgpt milvus serve did not come up: " << milvus.log();
  int port = milvus.port();
  auto lines = half_open(port, 80, "POST /v2/vectordb/collections/list HTTP/1.1\r\n");
  auto list = time_boxed(port, [](httplib::Client& c) {
    return c.Post("/v2/vectordb/collections/list", "{}", "application/json");
  });
  ASSERT_TRUE(list) << httplib::to_string(list.error());
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(Json::parse(list->body).value("code", -1), 0) << list->body;
}

}  // namespace
}  // namespace memgpt
