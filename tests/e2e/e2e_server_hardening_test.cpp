// `memgpt server` against a hostile client, on loopback only: a user cannot make the server send
// the operator's keys to a URL the user names, and no error shows a remote body.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "e2e/server_fixture.h"
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

TEST_F(ServerHardeningTest, AUserCannotSendTheOperatorsKeyToAnEndpointTheyName) {
  // The operator's model: one good reply, then an error whose body is the backend's own text.
  Json replies = Json::array({say("hello bob"), {{"status", 401}, {"error", {{"message", "UPSTREAM-PRIVATE-BODY"}}}}});
  llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
  llm_->start();
  configure();  // the operator's key is "sk-test"
  RecordingListener stranger;
  int port = testing::free_port();
  auto server = start_server(port, "s3cret");
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

}  // namespace
}  // namespace memgpt
