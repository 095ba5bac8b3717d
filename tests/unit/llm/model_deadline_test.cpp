// Issue 11, defect 7: a model server that takes the request and never answers blocked a step for
// four attempts of the full timeout each (8 minutes at 120 s). Every backend now bounds a call
// by one deadline for all of its attempts: a timed-out attempt is not followed by another, a
// transient failure is retried only while a retry fits, and a cancel ends the call at once.
// The hung server is real (loopback, accepts and stays silent); tests count attempts, not time.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "llm/llm_config.h"
#include "scripted_llm.h"
#include "support/hanging_server.h"
#include "support/test_env.h"

namespace memgpt::llm {
namespace {

using memgpt::testing::HangingServer;
using memgpt::testing::ScriptedLlmServer;

ChatRequest hello() {
  ChatRequest r;
  r.messages = {{"system", "You are a test.", {}, "", ""}, {"user", "hi", {}, "", ""}};
  return r;
}

LlmConfig config_for(const std::string& type, const std::string& endpoint, int timeout_ms, int attempts) {
  LlmConfig c;
  c.model = type == "anthropic" ? "claude-3-5-sonnet-latest" : "gpt-4o-mini";
  c.model_endpoint = endpoint;
  c.model_endpoint_type = type;
  c.api_key = "sk-test";
  c.timeout_ms = timeout_ms;
  c.max_attempts = attempts;
  return c;
}

class EveryBackend : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Backends, EveryBackend,
                         ::testing::Values("openai", "anthropic", "ollama", "llamacpp", "koboldcpp",
                                           "webui", "lmstudio", "vllm"));

TEST_P(EveryBackend, HungServerIsAskedOnceAndTheCallEndsAtTheDeadline) {
  HangingServer hung;
  ASSERT_GT(hung.start(), 0);
  std::string endpoint = hung.base_url();
  if (GetParam() != "openai" && GetParam() != "anthropic" && GetParam() != "vllm") {
    endpoint = endpoint.substr(0, endpoint.size() - 3);  // local servers: the root URL
  }
  auto model = make_chat_model(config_for(GetParam(), endpoint, 400, 4));
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::vector<int> retries;
  ChatRequest req = hello();
  req.on_retry = [&](int attempt, const std::string&) { retries.push_back(attempt); };
  auto r = (*model)->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout) << r.status().message();
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kTimedOut);
  EXPECT_EQ(hung.requests(), 1);  // not one per attempt
  EXPECT_TRUE(retries.empty());
  EXPECT_NE(r.status().message().find("did not answer within 400 ms (1 attempt)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("[model] timeout"), std::string::npos) << r.status().message();
}

TEST(ModelDeadline, AStreamingCallToAHungServerEndsAtTheDeadlineToo) {
  HangingServer hung;
  ASSERT_GT(hung.start(), 0);
  auto model = make_chat_model(config_for("openai", hung.base_url(), 400, 4));
  ASSERT_TRUE(model.ok());
  ChatRequest req = hello();
  req.on_delta = [](const StreamDelta&) {};
  auto r = (*model)->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout) << r.status().message();
  EXPECT_EQ(hung.requests(), 1);
}

TEST(ModelDeadline, CancelEndsAHungCallWithoutWaitingForTheDeadline) {
  HangingServer hung;
  ASSERT_GT(hung.start(), 0);
  // A deadline far beyond the test's own timeout: only the cancel can end this call in time.
  auto model = make_chat_model(config_for("openai", hung.base_url(), 600000, 4));
  ASSERT_TRUE(model.ok());
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    if (hung.wait_for_requests(1)) cancel = true;
  });
  ChatRequest req = hello();
  req.cancel = &cancel;
  auto r = (*model)->complete(req);
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCancelled) << r.status().message();
  EXPECT_EQ(hung.requests(), 1);
}

TEST(ModelDeadline, TransientFailuresAreRetriedWithinTheDeadlineAndEachRetryIsTold) {
  ScriptedLlmServer server({{"model", "gpt-4o-mini"},
                            {"replies", Json::array({{{"status", 500}, {"error", {{"message", "boom"}}}},
                                                     {{"content", "Fine now."}}})}});
  ASSERT_GT(server.start(), 0);
  auto model = make_chat_model(config_for("openai", server.base_url(), 60000, 3));
  ASSERT_TRUE(model.ok());
  std::vector<std::pair<int, std::string>> retries;
  ChatRequest req = hello();
  req.on_retry = [&](int attempt, const std::string& why) { retries.emplace_back(attempt, why); };
  auto r = (*model)->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "Fine now.");
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].first, 2);
  EXPECT_EQ(retries[0].second, "HTTP 500");
  EXPECT_EQ(server.request_count(), 2u);
}

TEST(ModelDeadline, ARetryThatCannotFinishBeforeTheDeadlineIsNotMade) {
  // The server asks for a 30 s pause; the call has 1 s left: the 503 is the answer.
  ScriptedLlmServer server({{"model", "gpt-4o-mini"},
                            {"replies", Json::array({{{"status", 503}, {"retry_after", 30},
                                                      {"error", {{"message", "overloaded"}}}},
                                                     {{"content", "too late"}}})}});
  ASSERT_GT(server.start(), 0);
  auto model = make_chat_model(config_for("openai", server.base_url(), 1000, 4));
  ASSERT_TRUE(model.ok());
  auto r = (*model)->complete(hello());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().message();
  EXPECT_NE(r.status().message().find("HTTP 503"), std::string::npos) << r.status().message();
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST(ModelDeadline, ConnectionErrorsAreRetriedUpToTheAttemptLimit) {
  memgpt::testing::ClosedPort closed;  // nobody listens: every attempt is refused at once
  int port = closed.port();
  auto model = make_chat_model(config_for("openai", "http://127.0.0.1:" + std::to_string(port) + "/v1", 60000, 3));
  ASSERT_TRUE(model.ok());
  int retries = 0;
  ChatRequest req = hello();
  req.on_retry = [&](int, const std::string&) { ++retries; };
  auto r = (*model)->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().message();
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kUnreachable);
  EXPECT_EQ(retries, 2);
}

TEST(ModelDeadline, CancelDuringTheWaitBeforeARetryEndsTheCall) {
  ScriptedLlmServer server({{"model", "gpt-4o-mini"},
                            {"replies", Json::array({{{"status", 503}, {"retry_after", 15},
                                                      {"error", {{"message", "overloaded"}}}},
                                                     {{"content", "never asked"}}})}});
  ASSERT_GT(server.start(), 0);
  auto model = make_chat_model(config_for("openai", server.base_url(), 600000, 4));
  ASSERT_TRUE(model.ok());
  std::atomic<bool> cancel{false};
  ChatRequest req = hello();
  req.cancel = &cancel;
  req.on_retry = [&](int, const std::string&) { cancel = true; };  // Ctrl-C while it waits
  auto r = (*model)->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kCancelled) << r.status().message();
  EXPECT_EQ(server.request_count(), 1u);
}

}  // namespace
}  // namespace memgpt::llm
