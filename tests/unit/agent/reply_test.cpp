// Reading a model reply without a store or a model: the monologue, the one call that runs,
// repaired arguments, cut-off calls, and how much of a result returns to the context.
#include "agent/reply.h"

#include <gtest/gtest.h>

#include "agent/protocol.h"

namespace memgpt::agent {
namespace {

llm::ChatMessage reply(const std::string& content, const std::string& name, const std::string& args,
                       const std::string& id = "call_1") {
  llm::ChatMessage m;
  m.role = "assistant";
  m.content = content;
  m.tool_calls = {{id, name, args}};
  return m;
}

TEST(Reply, TheMonologueIsTheContentOrTheInnerThoughtsArgument) {
  auto with_content = reply("Thinking aloud.", "send_message", R"({"inner_thoughts":"ignored"})");
  EXPECT_EQ(inner_thoughts(with_content, true), "Thinking aloud.");
  auto in_args = reply("", "send_message", R"({"inner_thoughts":"Quietly.","message":"hi"})");
  EXPECT_EQ(inner_thoughts(in_args, true), "Quietly.");
  EXPECT_EQ(inner_thoughts(in_args, false), "");
}

TEST(Reply, ACallRunsWithoutItsHeartbeatAndMonologueButIsStoredAsWritten) {
  auto p = parse_first_call(
      reply("", "core_memory_append",
            R"({"name":"human","content":"Likes tea","request_heartbeat":"true","inner_thoughts":"Noting."})"),
      "tool_calls");
  ASSERT_TRUE(p.runnable);
  EXPECT_TRUE(p.heartbeat);  // "true" as a string counts
  EXPECT_EQ(p.args, Json({{"name", "human"}, {"content", "Likes tea"}}));
  EXPECT_EQ(parse_json_or_discarded(p.stored_arguments),
            Json({{"name", "human"}, {"content", "Likes tea"}, {"request_heartbeat", "true"}}));
}

TEST(Reply, AlmostJsonIsRepairedAndACallWithoutAnIdGetsOne) {
  auto p = parse_first_call(reply("", "send_message", "{'message': 'hi',}", ""), "stop");
  ASSERT_TRUE(p.runnable) << p.failure;
  EXPECT_EQ(p.args["message"], "hi");
  EXPECT_EQ(p.call.id.rfind("call_", 0), 0u);
}

TEST(Reply, ACallCutOffAtTheTokenLimitIsNotRepairedButExplained) {
  auto p = parse_first_call(reply("", "send_message", R"({"message": "a long answer that was cu)"), "length");
  EXPECT_FALSE(p.runnable);
  EXPECT_NE(p.failure.find("cut off at the output token limit"), std::string::npos);
  EXPECT_EQ(p.stored_arguments, R"({"message": "a long answer that was cu)");
  auto garbage = parse_first_call(reply("", "send_message", "not json at all"), "stop");
  EXPECT_FALSE(garbage.runnable);
  EXPECT_NE(garbage.failure.find("not a JSON object"), std::string::npos);
}

TEST(Reply, ResultsAreCutAtMemGPTsLimitOnACharacterBoundaryExceptSearches) {
  EXPECT_EQ(result_char_limit("core_memory_append", 128000), kFunctionResultCharLimit);
  EXPECT_EQ(result_char_limit("archival_memory_search", 128000), 128000);
  EXPECT_EQ(cut_result("short", 10), "short");
  std::string text = std::string(9, 'a') + "é" + "tail";  // é is two bytes at 9..10
  std::string cut = cut_result(text, 10);
  EXPECT_EQ(cut.substr(0, 9), std::string(9, 'a'));
  EXPECT_NE(cut.find("[NOTE: function output was truncated"), std::string::npos);
  EXPECT_EQ(cut.find("\xc3"), std::string::npos);  // no half character
}

}  // namespace
}  // namespace memgpt::agent
