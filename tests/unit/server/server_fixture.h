// The routes of `memgpt server` called through its router, without sockets: a fresh home with
// SQLite and an embedded Milvus file, the scripted LLM on loopback as the configured model, and
// helpers to call a route as the password holder or as a user with an API key.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "runtime/runtime.h"
#include "scripted_llm.h"
#include "server/server.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::server {

struct Reply {
  int status = 0;
  Json body;
  http::Response raw;
};

class RoutesTest : public ::testing::Test {
 protected:
  static constexpr const char* kPassword = "s3cret";

  // `replies`: the scripted model's answers, in order. `password`: the server password ("" for
  // none, a loopback server's default).
  void start(Json replies = Json::array(), const std::string& password = kPassword) {
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    llm_->start();
    MemgptConfig config = *runtime::load_config_or_default();
    config.model_endpoint_type = "openai";
    config.model_endpoint = llm_->base_url();
    config.model = "gpt-4o-mini";
    config.archival_storage.type = "milvus";
    config.archival_storage.uri = home_.path() + "/milvus.db";
    ASSERT_TRUE(config.save().ok());
    Credentials creds = *Credentials::load();
    creds.set("openai", "key", "sk-test");
    ASSERT_TRUE(creds.save().ok());
    auto ctx = runtime::open_context();
    ASSERT_TRUE(ctx.ok()) << ctx.status().message();
    ctx_ = std::make_unique<runtime::AppContext>(std::move(*ctx));
    auto archival = runtime::open_archival(*ctx_);
    ASSERT_TRUE(archival.ok()) << archival.status().message();
    archival_ = std::make_unique<runtime::Archival>(std::move(*archival));
    ServerOptions options;
    options.password = password;
    options.log_requests = false;
    options.host = "127.0.0.1";
    options.port = 0;  // for tests that also listen (start() settles unfinished work first)
    server_ = std::make_unique<Server>(*ctx_, *archival_, options);
  }

  // Calls a route as `token` (the password, an API key, or "" for none). `target` may carry a
  // query string; `body` is sent as JSON unless it is null.
  Reply call(const std::string& method, const std::string& target, const Json& body = nullptr,
             const std::string& token = kPassword) {
    http::Request req;
    req.method = method;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      size_t pos = 0;
      while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        std::string pair = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        size_t eq = pair.find('=');
        if (!pair.empty()) req.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        pos = amp + 1;
      }
    }
    if (!body.is_null()) {
      req.body = body.dump();
      req.headers.emplace("Content-Type", "application/json");
    }
    if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
    return finish(req);
  }
  Reply finish(http::Request& req) {
    Reply r;
    r.raw = server_->router().dispatch(req);
    r.status = r.raw.status;
    if (!r.raw.stream) r.body = parse_json_or_discarded(r.raw.body);
    return r;
  }
  // A user with an API key (made by the password holder).
  std::string new_user_key(const std::string& name) {
    auto r = call("POST", "/v1/admin/users", {{"name", name}});
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body.value("api_key", "");
  }
  std::string new_agent(const std::string& name, const std::string& token = kPassword) {
    auto r = call("POST", "/v1/agents", {{"name", name}, {"model", "openai/gpt-4o-mini"}}, token);
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body.value("id", "");
  }
  static Json say(const std::string& message) {
    return {{"content", "Replying."}, {"tool", "send_message"}, {"arguments", {{"message", message}}}};
  }

  testing::ScopedHome home_;
  std::unique_ptr<testing::ScriptedLlmServer> llm_;
  std::unique_ptr<runtime::AppContext> ctx_;
  std::unique_ptr<runtime::Archival> archival_;
  std::unique_ptr<Server> server_;
};

}  // namespace memgpt::server
