// The local backends against the scripted server's native APIs on loopback.
#include "llm/local_chat.h"

#include <gtest/gtest.h>

#include "llm/prompt_wrapper.h"
#include "local_fixtures.h"
#include "scripted_llm.h"

namespace memgpt::llm {
namespace {

using memgpt::testing::ScriptedLlmServer;
using testing::conversation;
using testing::kSystemText;

struct Fixture {
  Fixture(const std::string& type, Json replies, int attempts = 1,
          const std::string& wrapper = "chatml")
      : server({{"model", "dolphin-mistral"}, {"system", kSystemText}, {"replies", replies}}) {
    server.start();
    config.model = "dolphin-mistral";
    config.model_endpoint = server.base_url();  // ends in /v1: the backends must strip it
    config.model_endpoint_type = type;
    config.model_wrapper = wrapper;
    config.context_window = 4096;
    config.max_attempts = attempts;
    config.timeout_ms = 2000;
    auto m = make_chat_model(config);
    EXPECT_TRUE(m.ok()) << m.status().message();
    if (m.ok()) model = std::move(*m);
  }
  ScriptedLlmServer server;
  LlmConfig config;
  std::unique_ptr<ChatModel> model;
};

Json say(const std::string& thoughts, const std::string& message) {
  return {{"content", thoughts}, {"tool", "send_message"}, {"arguments", {{"message", message}}}};
}

const char* kLocalTypes[] = {"ollama", "llamacpp", "koboldcpp", "webui", "lmstudio"};

TEST(LocalChat, EveryBackendReturnsTheParsedCall) {
  for (const char* type : kLocalTypes) {
    SCOPED_TRACE(type);
    Fixture f(type, Json::array({say("The user wants a reminder.", "You said hi there.")}));
    ASSERT_TRUE(f.model);
    EXPECT_EQ(f.model->endpoint_type(), type);
    auto r = f.model->complete(conversation());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->message.role, "assistant");
    EXPECT_EQ(r->message.content, "The user wants a reminder.");
    ASSERT_EQ(r->message.tool_calls.size(), 1u);
    EXPECT_EQ(r->message.tool_calls[0].name, "send_message");
    EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments),
              Json({{"message", "You said hi there."}}));
    EXPECT_FALSE(r->message.tool_calls[0].id.empty());
    EXPECT_EQ(r->finish_reason, "tool_calls");
    EXPECT_TRUE(f.server.violations().empty()) << f.server.violations().front();
    ASSERT_EQ(f.server.requests().size(), 1u);
  }
}

TEST(LocalChat, EachBackendSendsItsOwnFields) {
  Fixture ollama("ollama", Json::array({say("t", "m")}));
  ASSERT_TRUE(ollama.model->complete(conversation()).ok());
  Json o = ollama.server.requests()[0];
  EXPECT_EQ(o["model"], "dolphin-mistral");
  EXPECT_EQ(o["raw"], true);
  EXPECT_EQ(o["stream"], false);
  EXPECT_EQ(o["options"]["num_ctx"], 4096);
  EXPECT_NE(o["options"]["stop"].get<std::vector<std::string>>().size(), 0u);
  EXPECT_EQ(o["format"]["anyOf"].size(), 3u);
  EXPECT_EQ(o["format"]["anyOf"][0]["properties"]["function"]["enum"][0], "send_message");
  EXPECT_NE(o["prompt"].get<std::string>().find("<|im_start|>system\n" + std::string(kSystemText)),
            std::string::npos);

  Fixture llama("llamacpp", Json::array({say("t", "m")}));
  ASSERT_TRUE(llama.model->complete(conversation()).ok());
  Json l = llama.server.requests()[0];
  EXPECT_NE(l["grammar"].get<std::string>().find("\\\"core_memory_append\\\""), std::string::npos);
  EXPECT_EQ(l["cache_prompt"], true);
  EXPECT_EQ(l["n_predict"], 1024);
  EXPECT_FALSE(l.contains("model"));

  Fixture kobold("koboldcpp", Json::array({say("t", "m")}));
  ASSERT_TRUE(kobold.model->complete(conversation()).ok());
  Json k = kobold.server.requests()[0];
  EXPECT_NE(k["grammar"].get<std::string>().find("root ::="), std::string::npos);
  EXPECT_EQ(k["max_context_length"], 4096);
  EXPECT_EQ(k["max_length"], 1024);
  EXPECT_TRUE(k["stop_sequence"].is_array());

  Fixture webui("webui", Json::array({say("t", "m")}));
  ASSERT_TRUE(webui.model->complete(conversation()).ok());
  Json w = webui.server.requests()[0];
  EXPECT_NE(w["grammar_string"].get<std::string>().find("root ::="), std::string::npos);
  EXPECT_EQ(w["max_tokens"], 1024);

  // LM Studio has no grammar: the prompt starts the JSON answer instead.
  Fixture studio("lmstudio", Json::array({say("t", "m")}));
  ASSERT_TRUE(studio.model->complete(conversation()).ok());
  Json s = studio.server.requests()[0];
  EXPECT_FALSE(s.contains("grammar_string"));
  EXPECT_EQ(s["model"], "dolphin-mistral");
  std::string prompt = s["prompt"];
  const std::string prefix = "{\n  \"function\":";
  ASSERT_GT(prompt.size(), prefix.size());
  EXPECT_EQ(prompt.substr(prompt.size() - prefix.size()), prefix);
}

TEST(LocalChat, TemperatureAndMaxTokensUseEachApisNames) {
  struct Case {
    const char* type;
    const char* temperature;  // JSON pointers into the request body
    const char* max_tokens;
  };
  const Case cases[] = {{"ollama", "/options/temperature", "/options/num_predict"},
                        {"llamacpp", "/temperature", "/n_predict"},
                        {"koboldcpp", "/temperature", "/max_length"},
                        {"webui", "/temperature", "/max_tokens"},
                        {"lmstudio", "/temperature", "/max_tokens"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.type);
    Fixture f(c.type, Json::array({say("t", "m")}));
    ChatRequest req = conversation();
    req.temperature = 0.25;
    req.max_tokens = 77;
    ASSERT_TRUE(f.model->complete(req).ok());
    Json sent = f.server.requests()[0];
    EXPECT_EQ(sent.value(Json::json_pointer(c.temperature), 0.0), 0.25);
    EXPECT_EQ(sent.value(Json::json_pointer(c.max_tokens), 0), 77);
  }
}

TEST(LocalChat, UsageWhereTheServerReportsIt) {
  Fixture ollama("ollama", Json::array({say("t", "m")}));
  auto r = ollama.model->complete(conversation());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->usage.prompt_tokens, 100);
  EXPECT_EQ(r->usage.completion_tokens, 20);
  EXPECT_EQ(r->usage.total_tokens, 120);
  Fixture kobold("koboldcpp", Json::array({say("t", "m")}));
  r = kobold.model->complete(conversation());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->usage.total_tokens, 0);
}

TEST(LocalChat, EveryWrapperWorksThroughABackend) {
  for (const char* wrapper :
       {"chatml", "llama3", "airoboros-l2-70b-2.1", "zephyr-7B", "dolphin-2.1-mistral-7b"}) {
    SCOPED_TRACE(wrapper);
    Fixture f("lmstudio", Json::array({say("Thinking.", "Hi!")}), 1, wrapper);
    auto r = f.model->complete(conversation());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->message.content, "Thinking.");
    ASSERT_EQ(r->message.tool_calls.size(), 1u);
    EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "Hi!");
    EXPECT_TRUE(f.server.violations().empty());
  }
}

TEST(LocalChat, PlainTextRequestsGetPlainText) {
  for (const char* type : kLocalTypes) {
    SCOPED_TRACE(type);
    Fixture f(type, Json::array({{{"content", "We talked about tea."}}}));
    ChatRequest req;
    req.messages = {testing::msg("system", kSystemText), testing::msg("user", "summarise this")};
    req.tool_choice = "none";
    auto r = f.model->complete(req);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->message.content, "We talked about tea.");
    EXPECT_TRUE(r->message.tool_calls.empty());
    EXPECT_EQ(r->finish_reason, "stop");
    Json sent = f.server.requests()[0];
    EXPECT_FALSE(sent.contains("format") || sent.contains("grammar") ||
                 sent.contains("grammar_string"));
  }
}

TEST(LocalChat, MalformedOutputsAreRepairedOrReportedNeverFatal) {
  const std::string call =
      R"({"function": "send_message", "params": {"inner_thoughts": "a", "message": "b"}})";
  Fixture f("llamacpp",
            Json::array({{{"raw_text", "```json\n" + call + "\n```"}},
                         {{"raw_text", call + "\nLet me know if you need anything else."}},
                         {{"raw_text", call.substr(0, call.size() - 2)}},
                         {{"raw_text", "I refuse to answer in JSON."}},
                         {{"raw_text", ""}}}));
  for (int i = 0; i < 3; ++i) {
    auto r = f.model->complete(conversation());
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->message.tool_calls.size(), 1u);
    EXPECT_EQ(r->message.tool_calls[0].name, "send_message");
    EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments), Json({{"message", "b"}}));
    EXPECT_EQ(r->message.content, "a");
  }
  for (const char* raw : {"I refuse to answer in JSON.", ""}) {
    auto r = f.model->complete(conversation());
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->message.tool_calls.size(), 1u);
    EXPECT_EQ(r->message.tool_calls[0].name, kUnknownFunctionName);
    EXPECT_EQ(r->message.tool_calls[0].arguments, raw);
  }
  // Without a grammar the model continues the answer prefix; prose there is reported too.
  Fixture studio("lmstudio", Json::array({{{"raw_text", " I would rather chat."}}}));
  auto r = studio.model->complete(conversation());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->message.tool_calls[0].arguments, "{\n  \"function\": I would rather chat.");
}

TEST(LocalChat, ConnectionRefusedNamesEndpointAndBackend) {
  for (const char* type : kLocalTypes) {
    SCOPED_TRACE(type);
    LlmConfig c;
    c.model = "m";
    c.model_endpoint = "http://127.0.0.1:1";
    c.model_endpoint_type = type;
    c.max_attempts = 1;
    auto m = make_chat_model(c);
    ASSERT_TRUE(m.ok()) << m.status().message();
    auto r = (*m)->complete(conversation());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
    const std::string& msg = r.status().message();
    EXPECT_NE(msg.find("http://127.0.0.1:1"), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string("(") + type + " backend)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model_endpoint"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(LocalChat, ContextOverflowIsClassifiedPerBackend) {
  struct Case {
    const char* type;
    Json reply;
  };
  const Case cases[] = {
      {"llamacpp",
       {{"status", 400},
        {"error", "the request exceeds the available context size, try increasing it"}}},
      {"llamacpp", {{"content", "x"}, {"truncated", true}}},
      {"ollama", {{"status", 500}, {"error", "input length exceeds maximum context length"}}},
      {"koboldcpp",
       {{"status", 400}, {"error", "Prompt exceeds max_context_length of 4096 tokens"}}},
      {"webui", {{"status", 400}, {"error", "This model's maximum context length is 4096 tokens"}}},
      {"lmstudio",
       {{"status", 400},
        {"error",
         "Trying to keep the first 5000 tokens when context the overflows. However, the model is "
         "loaded with context length of only 4096 tokens"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.type) + " " + c.reply.dump());
    Fixture f(c.type, Json::array({c.reply}));
    auto r = f.model->complete(conversation());
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(is_context_overflow(r.status())) << r.status().message();
    EXPECT_EQ(r.status().code(), ErrorCode::kResourceExhausted);
  }
  // Other server errors are not overflow.
  Fixture other("llamacpp", Json::array({{{"status", 400}, {"error", "invalid grammar"}}}));
  auto r = other.model->complete(conversation());
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(is_context_overflow(r.status()));
  EXPECT_NE(r.status().message().find("invalid grammar"), std::string::npos);
}

TEST(LocalChat, MissingOllamaModelSaysHowToGetIt) {
  Fixture f("ollama", Json::array({say("t", "m")}));
  f.config.model = "llama3.1";
  auto m = make_chat_model(f.config);
  ASSERT_TRUE(m.ok());
  auto r = (*m)->complete(conversation());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(llm_error_of(r.status()), LlmError::kModelNotFound);
  EXPECT_NE(r.status().message().find("ollama pull llama3.1"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(f.server.replies_left(), 1u);
}

TEST(LocalChat, OldOllamaWithoutSchemaFormatsGetsJsonFormat) {
  ScriptedLlmServer server({{"model", "llama3"},
                            {"system", kSystemText},
                            {"ollama_json_format_only", true},
                            {"replies", Json::array({say("a", "first"), say("b", "second")})}});
  server.start();
  LlmConfig c;
  c.model = "llama3";
  c.model_endpoint = server.base_url();
  c.model_endpoint_type = "ollama";
  c.max_attempts = 1;
  auto m = make_chat_model(c);
  ASSERT_TRUE(m.ok());
  for (const char* expected : {"first", "second"}) {
    auto r = (*m)->complete(conversation());
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], expected);
  }
  // One refused schema, then "json" for this and every later request.
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_TRUE(reqs[0]["format"].is_object());
  EXPECT_EQ(reqs[1]["format"], "json");
  EXPECT_EQ(reqs[2]["format"], "json");
  EXPECT_TRUE(server.violations().empty());
}

TEST(LocalChat, RetriesDroppedConnectionsAndServerErrors) {
  Fixture f("koboldcpp",
            Json::array({{{"drop_connection", true}},
                         {{"status", 503}, {"error", "Server is busy"}},
                         say("t", "after retries")}),
            3);
  auto r = f.model->complete(conversation());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Json::parse(r->message.tool_calls[0].arguments)["message"], "after retries");
  EXPECT_EQ(f.server.requests().size(), 3u);
}

TEST(LocalChat, TimeoutsAndConfigurationErrors) {
  Fixture slow("webui", Json::array({{{"content", "late"}, {"delay_ms", 3000}}}));
  auto r = slow.model->complete(conversation());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);

  LlmConfig c;
  c.model_endpoint_type = "ollama";
  c.model = "llama3.1";
  auto m = make_chat_model(c);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("model_endpoint"), std::string::npos);
  c.model_endpoint = "http://127.0.0.1:11434";
  c.model.clear();
  m = make_chat_model(c);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("[model] model"), std::string::npos);
  c.model = "llama3.1";
  c.model_wrapper = "vicuna";
  m = make_chat_model(c);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(m.status().message().find("chatml"), std::string::npos);
  // The OpenAI-compatible route to the same servers stays available.
  c.model_endpoint_type = "openai";
  c.model_wrapper.clear();
  m = make_chat_model(c);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->endpoint_type(), "openai");
}

}  // namespace
}  // namespace memgpt::llm
