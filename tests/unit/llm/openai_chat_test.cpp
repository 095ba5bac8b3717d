// The OpenAI-compatible backend against the scripted server on loopback.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "llm/llm_config.h"
#include "scripted_llm.h"

namespace memgpt::llm {
namespace {

using testing::ScriptedLlmServer;

struct Fixture {
  explicit Fixture(Json replies, int attempts = 3) : server({{"model", "gpt-4o-mini"}, {"replies", replies}}) {
    server.start();
    LlmConfig c;
    c.model = "gpt-4o-mini";
    c.model_endpoint = server.base_url();
    c.model_endpoint_type = "openai";
    c.api_key = "sk-test";
    c.max_attempts = attempts;
    c.timeout_ms = 2000;
    model = std::move(*make_chat_model(c));
  }
  ScriptedLlmServer server;
  std::unique_ptr<ChatModel> model;
};

ChatRequest request(bool with_tools = true) {
  ChatRequest r;
  r.messages = {{"system", "You are a test.", {}, "", ""}, {"user", "hi", {}, "", ""}};
  if (with_tools) {
    r.tools = Json::array({{{"type", "function"},
                            {"function", {{"name", "send_message"}, {"description", "say"},
                                          {"parameters", {{"type", "object"}, {"properties", {{"message", {{"type", "string"}}}}}, {"required", {"message"}}}}}}}});
  }
  return r;
}

TEST(OpenAIChat, ToolCallAndUsage) {
  Fixture f(Json::array({{{"content", "Thinking."}, {"tool", "send_message"}, {"arguments", {{"message", "Hello!"}}}}}));
  auto r = f.model->complete(request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "Thinking.");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].name, "send_message");
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Hello!");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->usage.total_tokens, 120);
  auto reqs = f.server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["model"], "gpt-4o-mini");
  EXPECT_EQ(reqs[0]["tools"][0]["function"]["name"], "send_message");
  EXPECT_EQ(reqs[0]["tool_choice"], "auto");
  EXPECT_TRUE(f.server.violations().empty());
}

TEST(OpenAIChat, StreamingReassemblesContentAndArguments) {
  Fixture f(Json::array({{{"content", "A fairly long inner monologue here."}, {"tool", "send_message"},
                          {"arguments", {{"message", "Streamed reply with unicode ✨"}}}}}));
  ChatRequest req = request();
  std::string seen;
  req.on_delta = [&](const StreamDelta& d) { seen += d.content; };
  auto r = f.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(seen, "A fairly long inner monologue here.");
  EXPECT_EQ(r->message.content, seen);
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Streamed reply with unicode ✨");
  EXPECT_EQ(r->usage.total_tokens, 120);
  EXPECT_EQ(f.server.requests()[0]["stream"], true);
}

TEST(OpenAIChat, RetriesRateLimitsHonouringRetryAfter) {
  Fixture f(Json::array({{{"status", 429}, {"retry_after", 0}, {"error", {{"message", "slow down"}}}},
                         {{"status", 500}},
                         {{"content", "ok"}}}));
  auto r = f.model->complete(request(false));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "ok");
  EXPECT_EQ(f.server.requests().size(), 3u);
}

// A server of ours passes the wait on to its own client (Retry-After on its 503).
TEST(OpenAIChat, ARateLimitOutlastingTheRetriesCarriesTheServersRetryAfter) {
  Fixture f(Json::array({{{"status", 429}, {"retry_after", 7}, {"error", {{"message", "slow down"}}}}}), 1);
  auto r = f.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kRateLimited);
  EXPECT_EQ(r.status().retry_after_seconds(), std::optional<int>(7));

  Fixture plain(Json::array({{{"status", 500}, {"error", {{"message", "boom"}}}}}), 1);
  auto failed = plain.model->complete(request());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().retry_after_seconds(), std::nullopt) << "only a rate limit carries a wait";
}

TEST(OpenAIChat, PersistentFailuresAreClassified) {
  Fixture rate(Json::array({{{"status", 429}, {"retry_after", 0}}, {{"status", 429}, {"retry_after", 0}}}), 2);
  auto r = rate.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kRateLimited);

  Fixture auth(Json::array({{{"status", 401}, {"error", {{"message", "Incorrect API key provided"}}}}}));
  r = auth.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kAuthentication);
  EXPECT_NE(r.status().message().find("OPENAI_API_KEY"), std::string::npos);

  Fixture overflow(Json::array({{{"status", 400}, {"error", {{"message", "This model's maximum context length is 8192 tokens"}, {"code", "context_length_exceeded"}}}}}));
  r = overflow.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_context_overflow(r.status()));
}

TEST(OpenAIChat, BrokenRepliesAreErrorsNotCrashes) {
  Fixture truncated(Json::array({{{"content", "x"}, {"truncate_body", true}}}));
  auto r = truncated.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);

  Fixture cut(Json::array({{{"content", "a long streamed reply that gets cut"}, {"cut_stream", true}}}), 1);
  ChatRequest req = request();
  req.on_delta = [](const StreamDelta&) {};
  r = cut.model->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().message().find("cut off") != std::string::npos ||
              r.status().message().find("broke") != std::string::npos)
      << r.status().message();

  Fixture slow(Json::array({{{"content", "late"}, {"delay_ms", 3000}}}), 1);
  r = slow.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(OpenAIChat, StreamCutAfterDataIsNotReplayedOnRetry) {
  // With retries allowed, a stream that broke after deltas were shown must not be sent again
  // (the next reply would be glued onto the first one's partial text).
  Fixture f(Json::array({{{"content", "first reply, which gets cut in the middle"}, {"cut_stream", true}},
                         {{"content", "second reply"}}}),
            3);
  ChatRequest req = request();
  std::string seen;
  req.on_delta = [&](const StreamDelta& d) { seen += d.content; };
  auto r = f.model->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cut off"), std::string::npos) << r.status().message();
  EXPECT_EQ(f.server.requests().size(), 1u);
  EXPECT_EQ(seen.find("second"), std::string::npos);
  // A stream refused before any data (429) is still retried, from a clean state.
  Fixture limited(Json::array({{{"status", 429}, {"retry_after", 0}}, {{"content", "streamed ok"}}}), 3);
  seen.clear();
  r = limited.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "streamed ok");
  EXPECT_EQ(seen, "streamed ok");
}

// Azure OpenAI: .../openai/deployments/{deployment}/chat/completions?api-version=..., the key in
// an `api-key` header and never as a Bearer token. The double refuses anything else (404 or
// 401, recorded as a violation that fails the test), plain and streamed.
TEST(OpenAIChat, AzureCallsTheDeploymentWithApiVersionAndApiKeyHeader) {
  Json say = {{"content", "Thinking."}, {"tool", "send_message"}, {"arguments", {{"message", "Hi from Azure"}}}};
  ScriptedLlmServer server({{"deployment", "chat-prod"}, {"api_key", "azure-key"},
                            {"replies", Json::array({say, say})}});
  server.start();
  LlmConfig c;
  c.model = "chat-prod";  // for Azure, the model setting names the deployment
  c.model_endpoint = server.origin() + "/";  // as the Azure portal shows it, with a slash
  c.model_endpoint_type = "azure";
  c.api_key = "azure-key";
  c.api_version = "2024-10-21";
  c.max_attempts = 1;
  auto model = std::move(*make_chat_model(c));
  auto r = model->complete(request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Hi from Azure");
  ChatRequest streamed = request();
  streamed.on_delta = [](const StreamDelta&) {};
  r = model->complete(streamed);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Hi from Azure");
  EXPECT_EQ(server.request_count(), 2u);
  EXPECT_TRUE(server.violations().empty());
}

// Without an api_version setting the client still sends one (Azure answers 404 without it).
TEST(OpenAIChat, AzureWithoutAConfiguredApiVersionSendsADefaultOne) {
  ScriptedLlmServer server({{"model", "gpt-4o-mini"}, {"api_key", "azure-key"},
                            {"replies", Json::array({{{"content", "ok"}}})}});
  server.start();
  LlmConfig c;
  c.model = "gpt-4o-mini";
  c.model_endpoint = server.origin();
  c.model_endpoint_type = "azure";
  c.api_key = "azure-key";
  c.max_attempts = 1;
  auto r = (*make_chat_model(c))->complete(request(false));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "ok");
  EXPECT_TRUE(server.violations().empty());
}

// vLLM servers are often configured without /v1: the client adds it, and never twice.
TEST(OpenAIChat, VllmEndpointGetsV1AddedOnceWhereMissing) {
  ScriptedLlmServer server({{"model", "llama"}, {"require_auth", false},
                            {"replies", Json::array({{{"content", "a"}}, {{"content", "b"}}, {{"content", "c"}}})}});
  server.start();
  for (const std::string& endpoint : {server.origin(), server.origin() + "/", server.base_url()}) {
    SCOPED_TRACE(endpoint);
    LlmConfig c;
    c.model = "llama";
    c.model_endpoint = endpoint;
    c.model_endpoint_type = "vllm";
    c.max_attempts = 1;
    auto r = (*make_chat_model(c))->complete(request(false));
    EXPECT_TRUE(r.ok()) << r.status().message();
  }
  EXPECT_EQ(server.request_count(), 3u);
  EXPECT_EQ(server.replies_left(), 0u);
}

// OpenAI's own endpoint is taken as configured: https://api.openai.com/v1 has its /v1, and a
// proxy without one (e.g. a gateway at /openai) must not get /v1 invented for it.
TEST(OpenAIChat, OpenAIEndpointIsUsedAsConfigured) {
  httplib::Server srv;
  std::vector<std::string> paths;
  std::mutex mu;
  srv.Post(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mu);
      paths.push_back(req.path);
    }
    res.set_content(R"({"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})",
                    "application/json");
  });
  int port = srv.bind_to_any_port("127.0.0.1");
  std::thread t([&] { srv.listen_after_bind(); });
  std::string origin = "http://127.0.0.1:" + std::to_string(port);
  for (const std::string& endpoint : {origin + "/v1", origin + "/gateway/openai/", origin + "/v1/"}) {
    LlmConfig c;
    c.model = "gpt-4o-mini";
    c.model_endpoint = endpoint;
    c.model_endpoint_type = "openai";
    c.api_key = "sk-test";
    c.max_attempts = 1;
    auto r = (*make_chat_model(c))->complete(request(false));
    EXPECT_TRUE(r.ok()) << endpoint << ": " << r.status().message();
  }
  srv.stop();
  t.join();
  EXPECT_EQ(paths, (std::vector<std::string>{"/v1/chat/completions", "/gateway/openai/chat/completions",
                                             "/v1/chat/completions"}));
}

TEST(OpenAIChat, UnreachableEndpointNamesTheUrl) {
  LlmConfig c;
  c.model = "gpt-4o-mini";
  c.model_endpoint = "http://127.0.0.1:1/v1";
  c.model_endpoint_type = "openai";
  c.max_attempts = 1;
  auto m = make_chat_model(c);
  ASSERT_TRUE(m.ok());
  auto r = (*m)->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_NE(r.status().message().find("model_endpoint"), std::string::npos);
}

TEST(ModelInfo, ContextWindows) {
  EXPECT_EQ(known_context_window("gpt-4"), 8192);
  EXPECT_EQ(known_context_window("gpt-4o-mini"), 128000);
  EXPECT_EQ(known_context_window("openai/gpt-4o"), 128000);
  EXPECT_EQ(known_context_window("claude-3-5-sonnet"), 200000);
  EXPECT_EQ(known_context_window("my-own-model"), 0);
}

// A server that answers with fields of the wrong type (plain and streamed): a bad-response
// error, never an exception.
TEST(OpenAIChat, WrongTypedFieldsAreABadResponse) {
  httplib::Server srv;
  srv.Post("/v1/chat/completions", [](const httplib::Request& req, httplib::Response& res) {
    if (req.body.find("\"stream\":true") != std::string::npos) {
      res.set_content("data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":\"zero\",\"function\":{}}]}}]}\n\n"
                      "data: [DONE]\n\n",
                      "text/event-stream");
    } else {
      res.set_content(R"({"choices":[{"message":{"content":"x","tool_calls":[{"function":"not an object"}]}}]})",
                      "application/json");
    }
  });
  int port = srv.bind_to_any_port("127.0.0.1");
  std::thread t([&] { srv.listen_after_bind(); });
  LlmConfig c;
  c.model = "gpt-4o-mini";
  c.model_endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  c.model_endpoint_type = "openai";
  c.max_attempts = 1;
  auto model = std::move(*make_chat_model(c));
  auto r = model->complete(request());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);
  ChatRequest streamed = request();
  streamed.on_delta = [](const StreamDelta&) {};
  r = model->complete(streamed);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);
  srv.stop();
  t.join();
}

}  // namespace
}  // namespace memgpt::llm
