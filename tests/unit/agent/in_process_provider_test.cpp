// An agent on the in-process model (model_endpoint_type "local") asks for its inner thoughts
// inside each call, as with the other prompt-wrapped providers: the wrappers' protocol and the
// function grammar carry the monologue as the call's first argument, and the message content
// stays empty. The step loop reads this from the providers table (config/providers.cpp), where
// the "local" row says so; this test keeps the two in agreement.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "support/agent/agent_fixtures.h"
#include "support/agent/scripted_model.h"

namespace memgpt::agent {
namespace {

TEST(InProcessProviderTest, TheAgentAsksForInnerThoughtsInsideTheCall) {
  memgpt::testing::AgentStores stores;
  memgpt::testing::ListArchival archival;
  memgpt::testing::ScriptedModel model;
  AgentDeps deps = stores.deps(&model, &archival);
  auto agent = memgpt::testing::create_agent(
      deps,
      memgpt::testing::sam_and_ann("Local", {.model = "smollm2-135m-instruct", .model_endpoint_type = "local",
                                             .context_window = 8192}, 2000),
      false);
  model.say("Greet them.", "Hello!");
  memgpt::testing::EventLog log;
  ASSERT_TRUE(agent->send_user_message("hi", log.sink()).ok());
  ASSERT_EQ(model.requests.size(), 1u);
  for (const auto& tool : model.requests[0].tools) {
    EXPECT_TRUE(tool["function"]["parameters"]["properties"].contains("inner_thoughts")) << tool.dump();
  }
}

}  // namespace
}  // namespace memgpt::agent
