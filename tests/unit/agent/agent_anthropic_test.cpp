// A MemGPT turn over the Anthropic backend against the scripted /v1/messages server: the boot
// sequence, user events and tool results must all translate into requests Anthropic accepts.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "support/agent/agent_fixtures.h"

namespace memgpt::agent {
namespace {

TEST(AgentAnthropic, TurnsWithSendMessageAndAMemoryEdit) {
  memgpt::testing::AgentStores stores;
  memgpt::testing::ScriptedLlmServer server(
      {{"model", "claude-3-5-sonnet-20241022"},
       {"replies",
        {{{"content", "Ann says hi; I should greet her."},
          {"tool", "send_message"},
          {"arguments", {{"message", "Hi Ann!"}}}},
         {{"content", "She likes tea: remember it."},
          {"tool", "core_memory_append"},
          {"arguments",
           {{"name", "human"}, {"content", "Likes tea"}, {"request_heartbeat", true}}}},
         {{"content", "Saved; tell her."},
          {"tool", "send_message"},
          {"arguments", {{"message", "Noted: tea."}}}}}}});
  ASSERT_GT(server.start(), 0);
  auto model = memgpt::testing::connect_model(
      memgpt::testing::scripted_llm_config(server, "anthropic", "claude-3-5-sonnet-20241022"));
  AgentDeps deps = stores.deps(model.get());
  auto agent = memgpt::testing::create_agent(
      deps, memgpt::testing::sam_and_ann("Claudette", {.model = "claude-3-5-sonnet-20241022",
                                                       .model_endpoint_type = "anthropic",
                                                       .context_window = 200000}),
      true);
  memgpt::testing::EventLog log;
  auto sink = log.sink();

  auto turn = agent->send_user_message("hi, I'm Ann", sink);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  TurnOptions stream;
  stream.stream = true;
  turn = agent->send_user_message("I like tea", sink, stream);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 2);

  std::string streamed;
  for (const auto& piece : log.texts(AgentEvent::Kind::kStreamDelta)) streamed += piece;
  EXPECT_EQ(log.said(), (std::vector<std::string>{"Hi Ann!", "Noted: tea."}));
  EXPECT_EQ(log.thoughts().front(), "Ann says hi; I should greet her.");
  EXPECT_EQ(streamed, "She likes tea: remember it.Saved; tell her.");
  EXPECT_EQ(agent->memory().block("human")->value, "Name: Ann\nLikes tea");

  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  // The system prompt with core memory is on top; the boot call and its result became blocks.
  EXPECT_NE(reqs[0]["system"].get<std::string>().find("<human characters="), std::string::npos);
  const Json& first = reqs[0]["messages"];
  EXPECT_EQ(first[0]["role"], "user");
  EXPECT_EQ(first[1]["content"].back()["type"], "tool_use");
  EXPECT_EQ(first[1]["content"].back()["name"], "send_message");
  EXPECT_EQ(first[2]["content"][0]["type"], "tool_result");
  EXPECT_EQ(unpack_user_message(first[2]["content"].back()["text"]).value_or(""), "hi, I'm Ann");
  EXPECT_EQ(reqs[0]["tools"].size(), 8u);
  // The heartbeat request answers the memory edit, then carries the heartbeat.
  const Json& third = reqs[2]["messages"];
  EXPECT_EQ(third.back()["content"][0]["type"], "tool_result");
  EXPECT_EQ(packed_type(third.back()["content"].back()["text"]), "heartbeat");
  EXPECT_NE(reqs[2]["system"].get<std::string>().find("Likes tea"), std::string::npos);
}

}  // namespace
}  // namespace memgpt::agent
