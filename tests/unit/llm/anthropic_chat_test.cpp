// The Anthropic Messages backend against the scripted server's /v1/messages on loopback. The
// server checks every request against Anthropic's rules, so a passing test also means the
// translation from our (OpenAI-shaped) messages is one the real API accepts.
#include "llm/anthropic_chat.h"

#include <gtest/gtest.h>

#include <chrono>

#include "llm/llm_config.h"
#include "scripted_llm.h"

namespace memgpt::llm {
namespace {

using testing::ScriptedLlmServer;

struct Fixture {
  explicit Fixture(Json replies, int attempts = 3, std::string key = "sk-ant-test")
      : server({{"model", "claude-3-5-sonnet-20241022"}, {"replies", replies}}) {
    server.start();
    LlmConfig c;
    c.model = "claude-3-5-sonnet-20241022";
    c.model_endpoint = server.base_url();
    c.model_endpoint_type = "anthropic";
    c.api_key = std::move(key);
    c.max_attempts = attempts;
    c.timeout_ms = 2000;
    auto m = make_chat_model(c);
    EXPECT_TRUE(m.ok()) << m.status().message();
    model = std::move(*m);
  }
  ScriptedLlmServer server;
  std::unique_ptr<ChatModel> model;
};

Json send_message_tool() {
  return {{"type", "function"},
          {"function",
           {{"name", "send_message"},
            {"description", "say"},
            {"parameters",
             {{"type", "object"},
              {"properties", {{"message", {{"type", "string"}}}}},
              {"required", {"message"}}}}}}};
}

ChatRequest request(bool with_tools = true) {
  ChatRequest r;
  r.messages = {{"system", "You are a test.", {}, "", ""}, {"user", "hi", {}, "", ""}};
  if (with_tools) r.tools = Json::array({send_message_tool()});
  return r;
}

// A MemGPT-shaped context: it starts with the assistant's boot call, the tool result is followed
// by user-role events, and one assistant reply had neither text nor a call.
ChatRequest history_request() {
  ChatRequest r = request();
  r.messages = {
      {"system", "You are MemGPT.", {}, "", ""},
      {"assistant",
       "Bootup sequence complete.",
       {{"call_1", "send_message", R"({"message":"More human than human"})"}},
       "",
       ""},
      {"tool", R"({"status":"OK"})", {}, "call_1", "send_message"},
      {"user", R"({"type":"login"})", {}, "", ""},
      {"user", "hello", {}, "", ""},
      {"assistant", "", {}, "", ""},
      {"user", "are you there?", {}, "", ""},
      {"assistant", "Answering.", {{"call.2", "send_message", "{'message': 'yes', }"}}, "", ""},
      {"tool", R"({"status":"OK"})", {}, "call.2", "send_message"},
      {"user", R"({"type":"heartbeat"})", {}, "", ""},
  };
  return r;
}

TEST(AnthropicChat, ToolCallAndUsage) {
  Fixture f(Json::array({{{"content", "Thinking."},
                          {"tool", "send_message"},
                          {"arguments", {{"message", "Hello!"}}}}}));
  auto r = f.model->complete(request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(f.model->endpoint_type(), "anthropic");
  EXPECT_EQ(r->message.content, "Thinking.");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].name, "send_message");
  EXPECT_FALSE(r->message.tool_calls[0].id.empty());
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Hello!");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->usage.prompt_tokens, 100);
  EXPECT_EQ(r->usage.completion_tokens, 20);
  EXPECT_EQ(r->usage.total_tokens, 120);
  EXPECT_EQ(r->model, "claude-3-5-sonnet-20241022");
  auto reqs = f.server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["system"], "You are a test.");
  EXPECT_EQ(reqs[0]["max_tokens"], 4096);
  EXPECT_EQ(reqs[0]["messages"].size(), 1u);
  EXPECT_EQ(reqs[0]["tools"][0]["name"], "send_message");
  EXPECT_EQ(reqs[0]["tools"][0]["input_schema"]["required"][0], "message");
  EXPECT_EQ(reqs[0]["tool_choice"]["type"], "auto");
  EXPECT_TRUE(f.server.violations().empty()) << f.server.violations()[0];
}

TEST(AnthropicChat, StopReasonsAndToolChoices) {
  Fixture f(Json::array({{{"content", "plain"}},
                         {{"content", "cut"}, {"finish_reason", "length"}},
                         {{"content", "x"}},
                         {{"content", "y"}}}));
  ChatRequest req = request();
  auto r = f.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->finish_reason, "stop");
  EXPECT_TRUE(r->message.tool_calls.empty());
  req.tool_choice = "required";
  req.max_tokens = 100;
  r = f.model->complete(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finish_reason, "length");
  req.tool_choice = "send_message";
  ASSERT_TRUE(f.model->complete(req).ok());
  req.tool_choice = "none";
  ASSERT_TRUE(f.model->complete(req).ok());
  auto reqs = f.server.requests();
  EXPECT_EQ(reqs[1]["tool_choice"]["type"], "any");
  EXPECT_EQ(reqs[1]["max_tokens"], 100);
  EXPECT_EQ(
      reqs[2]["tool_choice"],
      Json({{"type", "tool"}, {"name", "send_message"}, {"disable_parallel_tool_use", true}}));
  EXPECT_EQ(reqs[3]["tool_choice"]["type"], "none");
  EXPECT_TRUE(f.server.violations().empty());
}

TEST(AnthropicChat, StreamingReassemblesTextAndToolInput) {
  Fixture f(Json::array({{{"content", "A fairly long inner monologue, with unicode ✨ inside."},
                          {"tool", "send_message"},
                          {"arguments", {{"message", "Streamed reply with unicode ✨✨"}}}}}));
  ChatRequest req = request();
  std::string seen, args, tool;
  req.on_delta = [&](const StreamDelta& d) {
    seen += d.content;
    args += d.tool_arguments;
    if (!d.tool_name.empty()) tool = d.tool_name;
  };
  auto r = f.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(seen, "A fairly long inner monologue, with unicode ✨ inside.");
  EXPECT_EQ(r->message.content, seen);
  EXPECT_EQ(tool, "send_message");
  EXPECT_EQ(Json::parse(args)["message"], "Streamed reply with unicode ✨✨");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"],
            "Streamed reply with unicode ✨✨");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  EXPECT_EQ(r->usage.prompt_tokens, 100);
  EXPECT_EQ(r->usage.completion_tokens, 20);
  EXPECT_EQ(f.server.requests()[0]["stream"], true);
}

TEST(AnthropicChat, HistoryWithToolResultsIsValidAnthropic) {
  Fixture f(Json::array({{{"content", "fine"}}}));
  auto r = f.model->complete(history_request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(f.server.violations().empty()) << f.server.violations()[0];
  Json body = f.server.requests()[0];
  const Json& msgs = body["messages"];
  EXPECT_EQ(body["system"], "You are MemGPT.");
  // A user turn is put first; the empty assistant reply is dropped and users around it merged.
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[0]["role"], "user");
  EXPECT_EQ(msgs[1]["content"][1]["type"], "tool_use");
  EXPECT_EQ(msgs[1]["content"][1]["input"]["message"], "More human than human");
  EXPECT_EQ(msgs[2]["content"][0]["type"], "tool_result");
  EXPECT_EQ(msgs[2]["content"][0]["tool_use_id"], msgs[1]["content"][1]["id"]);
  EXPECT_EQ(msgs[2]["content"].size(), 4u);  // result, login, hello, are you there?
  // Ids are made valid on both sides; almost-JSON arguments are repaired into the input object.
  EXPECT_EQ(msgs[3]["content"][1]["id"], "call_2");
  EXPECT_EQ(msgs[3]["content"][1]["input"]["message"], "yes");
  EXPECT_EQ(msgs[4]["content"][0]["tool_use_id"], "call_2");
  EXPECT_EQ(msgs[4]["content"][1]["type"], "text");
}

TEST(AnthropicChat, RetriesRateLimitsHonouringRetryAfter) {
  Fixture f(
      Json::array({{{"status", 429}, {"retry_after", 1}, {"error", {{"message", "slow down"}}}},
                   {{"content", "ok"}}}));
  auto start = std::chrono::steady_clock::now();
  auto r = f.model->complete(request(false));
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "ok");
  EXPECT_EQ(f.server.requests().size(), 2u);
  // The first backoff would be at most 500 ms; Retry-After asked for a second.
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(), 950);

  Fixture persistent(
      Json::array({{{"status", 429}, {"retry_after", 0}}, {{"status", 429}, {"retry_after", 0}}}),
      2);
  r = persistent.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kRateLimited);
  EXPECT_NE(r.status().message().find("HTTP 429"), std::string::npos);
}

TEST(AnthropicChat, OverloadedIsRetriedThenReportedClearly) {
  Fixture f(Json::array({{{"status", 529}, {"retry_after", 0}},
                         {{"status", 500}, {"retry_after", 0}},
                         {{"content", "ok"}}}));
  auto r = f.model->complete(request());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(f.server.requests().size(), 3u);

  Fixture always(
      Json::array({{{"status", 529}, {"retry_after", 0}}, {{"status", 529}, {"retry_after", 0}}}),
      2);
  r = always.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("overloaded (HTTP 529) after 2 attempts"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

TEST(AnthropicChat, BadKeyAndUnknownModelAreClassified) {
  Fixture auth(Json::array({{{"status", 401}, {"error", {{"message", "invalid x-api-key"}}}}}));
  auto r = auth.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kAuthentication);
  EXPECT_NE(r.status().message().find("ANTHROPIC_API_KEY"), std::string::npos);
  EXPECT_EQ(auth.server.requests().size(), 1u);  // not retried

  Fixture no_key(Json::array({{{"content", "never"}}}), 3, "");
  no_key.server.allow_violations();  // the missing key is the point
  r = no_key.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kAuthentication);
  EXPECT_NE(r.status().message().find("x-api-key header is required"), std::string::npos);
  EXPECT_EQ(no_key.server.violations(),
            std::vector<std::string>{"x-api-key header is required"});

  Fixture missing(
      Json::array({{{"status", 404},
                    {"error", {{"type", "not_found_error"}, {"message", "model: claude-9"}}}}}));
  r = missing.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kModelNotFound);
  EXPECT_NE(r.status().message().find("claude-3-5-sonnet-20241022"), std::string::npos);
}

TEST(AnthropicChat, PromptTooLongIsAContextOverflow) {
  Fixture f(Json::array({{{"status", 400},
                          {"error",
                           {{"type", "invalid_request_error"},
                            {"message", "prompt is too long: 208315 tokens > 200000 maximum"}}}}}));
  auto r = f.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(is_context_overflow(r.status()));
  // Other 400s are not.
  Fixture other(Json::array(
      {{{"status", 400},
        {"error",
         {{"type", "invalid_request_error"}, {"message", "temperature: out of range"}}}}}));
  r = other.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(is_context_overflow(r.status()));
  EXPECT_NE(r.status().message().find("temperature: out of range"), std::string::npos);
}

TEST(AnthropicChat, StreamCutMidwayIsAClearErrorAndNotReplayed) {
  Fixture f(Json::array(
      {{{"content", "a long streamed reply that gets cut somewhere"}, {"cut_stream", true}},
       {{"content", "second"}}}));
  ChatRequest req = request();
  std::string seen;
  req.on_delta = [&](const StreamDelta& d) { seen += d.content; };
  auto r = f.model->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cut off"), std::string::npos) << r.status().message();
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);
  EXPECT_EQ(f.server.requests().size(), 1u);  // what was shown is not shown again
  EXPECT_EQ(seen.find("second"), std::string::npos);
}

TEST(AnthropicChat, StreamRefusedBeforeAnyEventIsRetriedFromACleanState) {
  Fixture f(Json::array({{{"status", 529}, {"retry_after", 0}}, {{"content", "streamed ok"}}}));
  ChatRequest req = request();
  std::string seen;
  req.on_delta = [&](const StreamDelta& d) { seen += d.content; };
  auto r = f.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->message.content, "streamed ok");
  EXPECT_EQ(seen, "streamed ok");
  EXPECT_EQ(f.server.requests().size(), 2u);
}

TEST(AnthropicChat, StreamedToolInputCutAtTheTokenLimitStaysAsWritten) {
  // The agent must see that the arguments are incomplete (it then refuses to run the call).
  Fixture f(Json::array({{{"content", "Long."},
                          {"tool", "send_message"},
                          {"arguments", R"({"message": "half a sente)"},
                          {"finish_reason", "length"}}}));
  ChatRequest req = request();
  req.on_delta = [](const StreamDelta&) {};
  auto r = f.model->complete(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->finish_reason, "length");
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].arguments, R"({"message": "half a sente)");
}

TEST(AnthropicChat, StreamErrorEventIsReported) {
  Fixture f(
      Json::array({{{"stream_error", {{"type", "overloaded_error"}, {"message", "Overloaded"}}}}}));
  ChatRequest req = request();
  req.on_delta = [](const StreamDelta&) {};
  auto r = f.model->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("overloaded"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("during the stream"), std::string::npos)
      << r.status().message();
}

TEST(AnthropicChat, DroppedConnectionAndTimeout) {
  Fixture dropped(Json::array({{{"drop_connection", true}}}), 1);
  auto r = dropped.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("model_endpoint"), std::string::npos);

  Fixture slow(Json::array({{{"content", "late"}, {"delay_ms", 3000}}}), 1);
  r = slow.model->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST(AnthropicChat, RequestBodyShape) {
  ChatRequest req = history_request();
  req.temperature = 0.5;
  Json body = anthropic_request_body("claude-3-haiku", req);
  EXPECT_EQ(body["model"], "claude-3-haiku");
  EXPECT_EQ(body["temperature"], 0.5);
  EXPECT_TRUE(ScriptedLlmServer::validate_anthropic_request(body).empty())
      << ScriptedLlmServer::validate_anthropic_request(body);
  // No tools: no tool_choice either.
  ChatRequest plain = request(false);
  Json b2 = anthropic_request_body("m", plain);
  EXPECT_FALSE(b2.contains("tools"));
  EXPECT_FALSE(b2.contains("tool_choice"));
}

// Answers every request with one fixed body (streamed through on_body_chunk when asked).
class FixedHttp : public HttpClient {
 public:
  explicit FixedHttp(std::string body) : body_(std::move(body)) {}
  Result<HttpResponse> send(const HttpRequest& request) override {
    HttpResponse r;
    r.status = 200;
    if (request.on_body_chunk) {
      request.on_body_chunk(body_);
    } else {
      r.body = body_;
    }
    return r;
  }

 private:
  std::string body_;
};

TEST(AnthropicChat, FieldsOfTheWrongTypeAreBadResponsesNotCrashes) {
  LlmConfig c;
  c.model = "claude-3-5-haiku-latest";
  c.model_endpoint_type = "anthropic";
  auto plain = make_chat_model(c, std::make_shared<FixedHttp>(R"({"type": 5, "content": []})"));
  ASSERT_TRUE(plain.ok());
  auto r = (*plain)->complete(request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kBadResponse);
  EXPECT_NE(r.status().message().find("malformed reply"), std::string::npos)
      << r.status().message();

  auto streamed =
      make_chat_model(c, std::make_shared<FixedHttp>(
                             "event: content_block_start\ndata: "
                             R"({"type":"content_block_start","index":"zero"})"
                             "\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
  ASSERT_TRUE(streamed.ok());
  ChatRequest req = request();
  req.on_delta = [](const StreamDelta&) {};
  r = (*streamed)->complete(req);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("an event could not be read"), std::string::npos)
      << r.status().message();
}

TEST(ScriptedAnthropic, RejectsRequestsTheRealApiRejects) {
  Json tools = Json::array({{{"name", "f"}, {"input_schema", {{"type", "object"}}}}});
  auto body = [&](Json messages) {
    return Json{
        {"model", "m"}, {"max_tokens", 10}, {"tools", tools}, {"messages", std::move(messages)}};
  };
  Json use = {{"role", "assistant"},
              {"content",
               {{{"type", "tool_use"}, {"id", "t1"}, {"name", "f"}, {"input", Json::object()}}}}};
  Json result = {{"role", "user"},
                 {"content", {{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "r"}}}}};
  Json hi = {{"role", "user"}, {"content", "hi"}};
  EXPECT_TRUE(ScriptedLlmServer::validate_anthropic_request(body({hi, use, result})).empty());

  Json no_max = body({hi});
  no_max.erase("max_tokens");
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(no_max).find("max_tokens"),
            std::string::npos);
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(
                body({{{"role", "system"}, {"content", "s"}}, hi}))
                .find("top-level `system`"),
            std::string::npos);
  EXPECT_NE(
      ScriptedLlmServer::validate_anthropic_request(body({use, result})).find("first message"),
      std::string::npos);
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(body({hi, hi})).find("alternate"),
            std::string::npos);
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(body({hi, use, hi}))
                .find("without `tool_result`"),
            std::string::npos);
  EXPECT_NE(
      ScriptedLlmServer::validate_anthropic_request(body({hi, use})).find("without `tool_result`"),
      std::string::npos);
  Json wrong_id = result;
  wrong_id["content"][0]["tool_use_id"] = "t2";
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(body({hi, use, wrong_id}))
                .find("unexpected `tool_use_id`"),
            std::string::npos);
  Json unknown = use;
  unknown["content"][0]["name"] = "g";
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(body({hi, unknown, result}))
                .find("not in tools"),
            std::string::npos);
  Json text_first = {{"role", "user"},
                     {"content", {{{"type", "text"}, {"text", "x"}}, result["content"][0]}}};
  EXPECT_NE(ScriptedLlmServer::validate_anthropic_request(body({hi, use, text_first}))
                .find("must come first"),
            std::string::npos);
  Json openai_tools = body({hi});
  openai_tools["tools"] = Json::array({{{"type", "function"}, {"function", {{"name", "f"}}}}});
  EXPECT_FALSE(ScriptedLlmServer::validate_anthropic_request(openai_tools).empty());
}

TEST(ModelInfo, ClaudeContextWindows) {
  EXPECT_EQ(known_context_window("claude-3-5-sonnet-20241022"), 200000);
  EXPECT_EQ(known_context_window("claude-3-haiku-20240307"), 200000);
  EXPECT_EQ(known_context_window("claude-sonnet-4-20250514"), 200000);
  EXPECT_EQ(known_context_window("anthropic/claude-3-opus"), 200000);
}

TEST(AnthropicChat, FactoryNeedsOnlyAModel) {
  LlmConfig c;
  c.model_endpoint_type = "anthropic";
  EXPECT_EQ(make_chat_model(c).status().code(), ErrorCode::kInvalidArgument);
  c.model = "claude-3-5-haiku-latest";  // endpoint defaults to api.anthropic.com
  auto m = make_chat_model(c);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->model_name(), "claude-3-5-haiku-latest");
}

}  // namespace
}  // namespace memgpt::llm
