// Prompt wrappers: the prompt each chat template produces, and reading completions back,
// including the almost-JSON local models write.
#include "llm/prompt_wrapper.h"

#include <gtest/gtest.h>

#include "llm/json_repair.h"
#include "local_fixtures.h"

namespace memgpt::llm {
namespace {

using testing::conversation;
using testing::kSystemText;

struct WrapperCase {
  const char* name;
  const char* user_marker;       // how a user turn starts
  const char* assistant_marker;  // how the answer starts
};

const WrapperCase kWrappers[] = {
    {"chatml", "<|im_start|>user\n", "<|im_start|>assistant\n"},
    {"llama3", "<|start_header_id|>user<|end_header_id|>\n\n",
     "<|start_header_id|>assistant<|end_header_id|>\n\n"},
    {"airoboros-l2-70b-2.1", "\nUSER: ", "\nASSISTANT:"},
    {"zephyr-7B", "<|user|>\n", "<|assistant|>\n"},
    {"dolphin-2.1-mistral-7b", "<|im_start|>user\n", "<|im_start|>assistant\n"},
};

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(PromptWrapper, EachTemplateRendersTheConversationAndTheFunctions) {
  for (const auto& c : kWrappers) {
    SCOPED_TRACE(c.name);
    auto w = make_prompt_wrapper(c.name);
    ASSERT_TRUE(w.ok()) << w.status().message();
    EXPECT_EQ((*w)->name(), c.name);
    WrappedPrompt p = (*w)->render(conversation(), /*prefill=*/true);
    EXPECT_TRUE(p.expects_function_call);
    // System text first, then the function list with descriptions and parameters.
    size_t system = p.prompt.find(kSystemText);
    ASSERT_NE(system, std::string::npos);
    EXPECT_LT(system, p.prompt.find("Available functions:"));
    for (const char* f :
         {"send_message:", "conversation_search:", "core_memory_append:",
          "description: Searches earlier messages", "query (string): The text to look for.",
          "page (integer, optional)", "inner_thoughts (string)"}) {
      EXPECT_NE(p.prompt.find(f), std::string::npos) << f;
    }
    // Two user turns, the earlier call as JSON with its monologue first, its result.
    EXPECT_EQ(count(p.prompt, std::string(c.user_marker) + "{\n  \"type\": \"user_message\""), 2u)
        << p.prompt;
    EXPECT_NE(p.prompt.find("\"message\": \"what did I say before?\""), std::string::npos);
    size_t call = p.prompt.find("\"function\": \"send_message\"");
    ASSERT_NE(call, std::string::npos);
    size_t thoughts = p.prompt.find("\"inner_thoughts\": \"User greeted me.\"", call);
    size_t message = p.prompt.find("\"message\": \"Hello! I am Sam.\"", call);
    EXPECT_LT(thoughts, message);
    EXPECT_NE(p.prompt.find("FUNCTION RETURN:"), std::string::npos);
    EXPECT_NE(p.prompt.find("\"status\": \"OK\""), std::string::npos);
    // The answer starts the JSON for unconstrained models.
    EXPECT_EQ(p.prefill, "{\n  \"function\":");
    ASSERT_GE(p.prompt.size(), p.prefill.size());
    EXPECT_EQ(p.prompt.substr(p.prompt.size() - p.prefill.size()), p.prefill);
    EXPECT_NE(p.prompt.rfind(c.assistant_marker), std::string::npos);
    EXPECT_FALSE(p.stop.empty());
    // Constrained backends get no prefix: the prompt ends where the answer begins.
    WrappedPrompt bare = (*w)->render(conversation(), /*prefill=*/false);
    EXPECT_TRUE(bare.prefill.empty());
    std::string marker = c.assistant_marker;
    EXPECT_EQ(bare.prompt.substr(bare.prompt.size() - marker.size()), marker);
  }
}

TEST(PromptWrapper, EachTemplateReadsItsCompletionBack) {
  for (const auto& c : kWrappers) {
    SCOPED_TRACE(c.name);
    auto w = make_prompt_wrapper(c.name);
    ASSERT_TRUE(w.ok());
    WrappedPrompt p = (*w)->render(conversation(), true);
    // The model continues after `"function":` and may leave the end-of-turn marker.
    std::string completion =
        " \"conversation_search\",\n  \"params\": {\n    \"inner_thoughts\": \"Let me look.\",\n"
        "    \"query\": \"hi\",\n    \"request_heartbeat\": true\n  }\n}" +
        p.stop.front();
    ChatMessage m = (*w)->parse(completion, p);
    EXPECT_EQ(m.role, "assistant");
    EXPECT_EQ(m.content, "Let me look.");
    ASSERT_EQ(m.tool_calls.size(), 1u);
    EXPECT_EQ(m.tool_calls[0].name, "conversation_search");
    EXPECT_EQ(Json::parse(m.tool_calls[0].arguments),
              Json({{"query", "hi"}, {"request_heartbeat", true}}));
    EXPECT_EQ(m.tool_calls[0].id.rfind("call_", 0), 0u);
    // A constrained completion is the whole object.
    WrappedPrompt bare = (*w)->render(conversation(), false);
    m = (*w)->parse(
        R"({"function": "send_message", "params": {"inner_thoughts": "Hi.", "message": "Hello"}})",
        bare);
    EXPECT_EQ(m.content, "Hi.");
    ASSERT_EQ(m.tool_calls.size(), 1u);
    EXPECT_EQ(Json::parse(m.tool_calls[0].arguments), Json({{"message", "Hello"}}));
  }
}

TEST(PromptWrapper, CallIdsAreUnique) {
  ChatMessage a =
      parse_function_call_output(R"({"function": "send_message", "params": {"message": "a"}})", "");
  ChatMessage b =
      parse_function_call_output(R"({"function": "send_message", "params": {"message": "a"}})", "");
  ASSERT_EQ(a.tool_calls.size(), 1u);
  ASSERT_EQ(b.tool_calls.size(), 1u);
  EXPECT_NE(a.tool_calls[0].id, b.tool_calls[0].id);
}

TEST(PromptWrapper, ForcedFunctionAndPlainTextRequests) {
  auto w = make_prompt_wrapper("chatml");
  ASSERT_TRUE(w.ok());
  ChatRequest forced = conversation();
  forced.tool_choice = "send_message";
  WrappedPrompt p = (*w)->render(forced, true);
  EXPECT_EQ(p.prefill, "{\n  \"function\": \"send_message\",");
  ASSERT_EQ(p.tools.size(), 1u);
  EXPECT_EQ(p.prompt.find("conversation_search:"), std::string::npos);
  ChatMessage m =
      (*w)->parse("\n  \"params\": {\"inner_thoughts\": \"ok\", \"message\": \"Hi!\"}\n}", p);
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "send_message");
  EXPECT_EQ(m.content, "ok");

  forced.tool_choice = "no_such_function";
  p = (*w)->render(forced, true);
  EXPECT_EQ(p.tools.size(), 3u);
  EXPECT_EQ(p.prefill, "{\n  \"function\":");

  // The summariser asks for text: no functions, no JSON, the text comes back as content.
  ChatRequest summary;
  summary.messages = {testing::msg("system", "Summarise."),
                      testing::msg("user", "a long transcript")};
  summary.tool_choice = "none";
  summary.tools = testing::agent_tools();
  WrappedPrompt s = (*w)->render(summary, true);
  EXPECT_FALSE(s.expects_function_call);
  EXPECT_TRUE(s.prefill.empty());
  EXPECT_EQ(s.prompt.find("Available functions"), std::string::npos);
  m = (*w)->parse("  I met the user and we talked.<|im_end|>", s);
  EXPECT_EQ(m.content, "I met the user and we talked.");
  EXPECT_TRUE(m.tool_calls.empty());
}

TEST(PromptWrapper, NamesAliasesAndUnknownNames) {
  EXPECT_EQ((*make_prompt_wrapper(""))->name(), "chatml");
  EXPECT_EQ((*make_prompt_wrapper("chatml-grammar"))->name(), "chatml");
  EXPECT_EQ((*make_prompt_wrapper("zephyr"))->name(), "zephyr-7B");
  EXPECT_EQ((*make_prompt_wrapper("Airoboros-L2-70B-2.1-grammar"))->name(), "airoboros-l2-70b-2.1");
  EXPECT_EQ((*make_prompt_wrapper("dolphin"))->name(), "dolphin-2.1-mistral-7b");
  auto bad = make_prompt_wrapper("vicuna");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  for (const char* known : {"'vicuna'", "chatml", "llama3", "airoboros-l2-70b-2.1", "zephyr-7B",
                            "dolphin-2.1-mistral-7b"}) {
    EXPECT_NE(bad.status().message().find(known), std::string::npos) << bad.status().message();
  }
  EXPECT_EQ(bad.status().message().find('\n'), std::string::npos);
  EXPECT_EQ(known_prompt_wrappers().size(), 10u);
}

struct Malformed {
  const char* what;
  const char* completion;
  const char* prefill;
  const char* name;
  const char* thoughts;
  const char* arguments;
};

TEST(ParseFunctionCall, AlmostJsonIsRepaired) {
  const std::string prefill = "{\n  \"function\":";
  const Malformed cases[] = {
      {"code fence",
       "```json\n{\"function\": \"send_message\", \"params\": {\"inner_thoughts\": \"a\", "
       "\"message\": \"b\"}}\n```",
       "", "send_message", "a", R"({"message":"b"})"},
      {"trailing prose",
       "{\"function\": \"send_message\", \"params\": {\"inner_thoughts\": \"a\", \"message\": "
       "\"b\"}}\nI hope this helps!",
       "", "send_message", "a", R"({"message":"b"})"},
      {"leading prose",
       "Sure, here you go: {\"function\": \"send_message\", \"params\": {\"message\": \"b\"}}", "",
       "send_message", "", R"({"message":"b"})"},
      {"missing closing braces",
       "{\"function\": \"send_message\", \"params\": {\"inner_thoughts\": \"a\", \"message\": "
       "\"b\"",
       "", "send_message", "a", R"({"message":"b"})"},
      {"cut inside a string",
       " \"send_message\", \"params\": {\"inner_thoughts\": \"a\", \"message\": \"hel",
       prefill.c_str(), "send_message", "a", R"({"message":"hel"})"},
      {"prefill continued",
       " \"send_message\",\n  \"params\": {\"inner_thoughts\": \"a\", \"message\": \"b\"}\n}",
       prefill.c_str(), "send_message", "a", R"({"message":"b"})"},
      {"new object despite the prefix",
       "{\"function\": \"send_message\", \"params\": {\"message\": \"b\"}}", prefill.c_str(),
       "send_message", "", R"({"message":"b"})"},
      {"python literals and single quotes",
       "{'function': 'conversation_search', 'params': {'inner_thoughts': 'x', 'query': 'q', "
       "'request_heartbeat': True}}",
       "", "conversation_search", "x", R"({"query":"q","request_heartbeat":true})"},
      {"OpenAI shape", R"({"name": "send_message", "arguments": "{\"message\": \"b\"}"})", "",
       "send_message", "", R"({"message":"b"})"},
      {"arguments at top level",
       R"({"function": "send_message", "inner_thoughts": "a", "message": "b"})", "", "send_message",
       "a", R"({"message":"b"})"},
      {"thoughts beside the call",
       R"({"inner_thoughts": "a", "function": "send_message", "params": {"message": "b"}})", "",
       "send_message", "a", R"({"message":"b"})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    ChatMessage m = parse_function_call_output(c.completion, c.prefill);
    ASSERT_EQ(m.tool_calls.size(), 1u);
    EXPECT_EQ(m.tool_calls[0].name, c.name);
    EXPECT_EQ(m.content, c.thoughts);
    EXPECT_EQ(Json::parse(m.tool_calls[0].arguments), Json::parse(c.arguments));
  }
}

TEST(ParseFunctionCall, GarbageBecomesACallTheAgentReportsAsFailed) {
  const char* garbage[] = {"I am not sure what to do next.", "", "```\n```", "[1, 2, 3]", "}}}{{{"};
  for (const char* text : garbage) {
    SCOPED_TRACE(text);
    ChatMessage m = parse_function_call_output(text, "");
    ASSERT_EQ(m.tool_calls.size(), 1u);
    EXPECT_EQ(m.tool_calls[0].name, kUnknownFunctionName);
    EXPECT_EQ(m.tool_calls[0].arguments, text);
    // What the agent tries before reporting "not a JSON object" to the model.
    EXPECT_FALSE(Json::parse(m.tool_calls[0].arguments, nullptr, false).is_object());
    EXPECT_FALSE(parse_json_leniently(m.tool_calls[0].arguments).has_value());
  }
  // Prose after the answer prefix keeps the prefix, so the model sees what it wrote.
  ChatMessage m = parse_function_call_output(" I think I should say hello", "{\n  \"function\":");
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].arguments, "{\n  \"function\": I think I should say hello");
  // A readable function name with unreadable parameters keeps the name.
  m = parse_function_call_output(R"({"function": "send_message", "params": "hello there"})", "");
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].name, "send_message");
  EXPECT_FALSE(Json::parse(m.tool_calls[0].arguments, nullptr, false).is_object() &&
               Json::parse(m.tool_calls[0].arguments).contains("message"));
}

}  // namespace
}  // namespace memgpt::llm
