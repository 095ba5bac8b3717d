// What the end-to-end tests of `memgpt server` share: a child process killed on destruction,
// a JSON client over real HTTP on loopback, and a fixture with a scripted LLM and a temporary
// home.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scripted_llm.h"
#include "support/server_process.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::e2e {

// A child process (memgpt server / milvus serve) killed on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() { kill(SIGKILL); }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_status_ = status;
    pid_ = -1;
  }
  int exit_status() const { return exit_status_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

struct Reply {
  int status = 0;
  Json body;
};

class Api {
 public:
  Api(int port, std::string token = "") : client_("127.0.0.1", port), token_(std::move(token)) {
    client_.set_read_timeout(60, 0);
  }
  Reply call(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& content_type = "application/json") {
    httplib::Headers h;
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    auto r = method == "GET"     ? client_.Get(path, h)
             : method == "POST"  ? client_.Post(path, h, body, content_type)
             : method == "PATCH" ? client_.Patch(path, h, body, content_type)
                                 : client_.Delete(path, h);
    if (!r) return {0, Json(httplib::to_string(r.error()))};
    return {r->status, Json::parse(r->body, nullptr, false)};
  }
  Reply post(const std::string& path, const Json& body) { return call("POST", path, body.dump()); }
  Reply get(const std::string& path) { return call("GET", path); }
  httplib::Client& raw() { return client_; }
  const std::string& token() const { return token_; }

 private:
  httplib::Client client_;
  std::string token_;
};

inline bool wait_healthy(int port) {
  for (int i = 0; i < 200; ++i) {
    httplib::Client c("127.0.0.1", port);
    if (auto r = c.Get("/v1/health"); r && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

inline Json say(const std::string& message) {
  return {{"content", "Replying."}, {"tool", "send_message"}, {"arguments", {{"message", message}}}};
}

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override { llm_port_ = 0; }
  void start_llm(Json replies) {
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    ASSERT_GT(llm_->start(), 0);
  }
  void start_llm(size_t replies) {
    Json r = Json::array();
    for (size_t i = 0; i < replies; ++i) r.push_back(say("ok " + std::to_string(i)));
    start_llm(r);
  }
  void configure(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini",
                                     "--model-endpoint", llm_->base_url(), "--openai-key", "sk-test"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto c = testing::run_memgpt(home_.path(), args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  std::unique_ptr<Child> start_server(int port, const std::string& password = "",
                                      const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {testing::memgpt_binary(), "server", "--port", std::to_string(port), "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::map<std::string, std::string> env = {{"MEMGPT_HOME", home_.path()}};
    if (!password.empty()) env["MEMGPT_SERVER_PASS"] = password;
    auto child = std::make_unique<Child>(argv, env);
    EXPECT_TRUE(wait_healthy(port)) << "server did not come up";
    return child;
  }
  // `memgpt server` on a port of its choosing (it prints the port once it listens).
  std::unique_ptr<testing::ServerProcess> start_server(const std::string& password = "",
                                                       const std::vector<std::string>& extra = {}) {
    std::map<std::string, std::string> env = {{"MEMGPT_HOME", home_.path()}};
    if (!password.empty()) env["MEMGPT_SERVER_PASS"] = password;
    auto server = std::make_unique<testing::ServerProcess>(testing::memgpt_server_argv(extra), env,
                                                           testing::kMemgptServerReady);
    EXPECT_TRUE(server->ready()) << "the server did not come up: " << server->log();
    return server;
  }
  std::string create_agent(Api& api, const std::string& name) {
    auto r = api.post("/v1/agents", {{"name", name}, {"model", "openai/gpt-4o-mini"}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body.value("id", "");
  }
  // The user messages in an agent's history, oldest first.
  static std::vector<std::string> user_messages(Api& api, const std::string& agent_id) {
    auto r = api.get("/v1/agents/" + agent_id + "/messages?order=asc&limit=1000");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    std::vector<std::string> out;
    for (const auto& m : r.body) {
      if (m["message_type"] == "user_message" && m["content"].get<std::string>().rfind("{", 0) != 0) {
        out.push_back(m["content"]);
      }
    }
    return out;
  }


  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> llm_;
  int llm_port_;
};

}  // namespace memgpt::e2e
