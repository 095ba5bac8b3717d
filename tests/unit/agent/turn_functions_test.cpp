// Which function a step may call: a turn can start with a named function (TurnOptions::
// first_function, as Letta's InitToolRule), and the last step a chain may take must answer the
// user, so a turn cut at max_steps does not end in silence. Scripted model; the requests it
// received show what each step allowed.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "support/agent/agent_fixtures.h"
#include "support/agent/scripted_model.h"

namespace memgpt::agent {
namespace {

class TurnFunctionsTest : public ::testing::Test {
 protected:
  std::unique_ptr<Agent> make() {
    return memgpt::testing::create_agent(
        deps_, memgpt::testing::sam_and_ann("TestAgent", {.model = "gpt-4", .context_window = 8192}, 2000), false);
  }
  memgpt::testing::AgentStores stores_;
  memgpt::testing::ListArchival archival_;
  memgpt::testing::ScriptedModel model_;
  AgentDeps deps_ = stores_.deps(&model_, &archival_);
  memgpt::testing::EventLog log_;
  EventSink sink_ = log_.sink();
};

TEST_F(TurnFunctionsTest, FirstFunctionBindsTheFirstStepOnly) {
  auto agent = make();
  model_.call("Look it up.", "archival_memory_search", {{"query", "cats"}, {"request_heartbeat", true}});
  model_.say("Found nothing.", "I know nothing about cats.");
  TurnOptions options;
  options.first_function = "archival_memory_search";
  auto turn = agent->send_user_message("cats?", sink_, options);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 2);
  ASSERT_EQ(model_.requests.size(), 2u);
  EXPECT_EQ(model_.requests[0].tool_choice, "archival_memory_search");
  EXPECT_EQ(model_.requests[0].tools.size(), 8u);  // every function is still listed
  EXPECT_EQ(model_.requests[1].tool_choice, "auto");
}

// The system chose that call, so its result goes back to the model even when the model did not
// ask for a heartbeat (small local models often forget to); otherwise the turn ends unanswered.
TEST_F(TurnFunctionsTest, TheFirstFunctionsResultAlwaysGoesBackToTheModel) {
  auto agent = make();
  model_.call("Look it up.", "archival_memory_search", {{"query", "cats"}, {"request_heartbeat", false}});
  model_.say("Found nothing.", "I know nothing about cats.");
  TurnOptions options;
  options.first_function = "archival_memory_search";
  auto turn = agent->send_user_message("cats?", sink_, options);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 2);
  ASSERT_EQ(model_.requests.size(), 2u);
  std::string last = model_.requests[1].messages.back().content;
  EXPECT_NE(last.find("Function called as the first step of this turn, returning control"), std::string::npos) << last;
}

// Without a first function, a call that asks for no heartbeat ends the turn, as in MemGPT.
TEST_F(TurnFunctionsTest, WithoutAFirstFunctionACallWithoutHeartbeatEndsTheTurn) {
  auto agent = make();
  model_.call("Look it up.", "archival_memory_search", {{"query", "cats"}, {"request_heartbeat", false}});
  auto turn = agent->send_user_message("cats?", sink_, {});
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 1);
  EXPECT_EQ(model_.requests.size(), 1u);
}

TEST_F(TurnFunctionsTest, AFirstFunctionTheAgentLacksIsAOneLineErrorAndNoCall) {
  auto agent = make();
  TurnOptions options;
  options.first_function = "delete_everything";
  auto turn = agent->send_user_message("hi", sink_, options);
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(turn.status().message(), "'delete_everything' is not a function of this agent");
  EXPECT_TRUE(model_.requests.empty());
}

TEST_F(TurnFunctionsTest, TheLastStepAChainMayTakeMustAnswerTheUser) {
  auto agent = make();
  for (int i = 0; i < 2; ++i) {
    model_.call("Again.", "archival_memory_search", {{"query", "cats"}, {"request_heartbeat", true}});
  }
  model_.say("Enough searching.", "Cats sleep a lot.");
  TurnOptions options;
  options.max_steps = 3;
  auto turn = agent->send_user_message("cats?", sink_, options);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 3);
  ASSERT_EQ(model_.requests.size(), 3u);
  EXPECT_EQ(model_.requests[0].tool_choice, "auto");
  EXPECT_EQ(model_.requests[1].tool_choice, "auto");
  EXPECT_EQ(model_.requests[2].tool_choice, "send_message");
}

TEST_F(TurnFunctionsTest, AOneStepTurnKeepsItsFreeChoice) {
  auto agent = make();
  model_.say("Hi.", "Hello!");
  TurnOptions options;
  options.max_steps = 1;
  ASSERT_TRUE(agent->send_user_message("hi", sink_, options).ok());
  ASSERT_EQ(model_.requests.size(), 1u);
  EXPECT_EQ(model_.requests[0].tool_choice, "auto");
}

}  // namespace
}  // namespace memgpt::agent
