// The agent driven by a prompt-wrapped local backend (llama.cpp's /completion on the scripted
// server): a completion that is not a function call becomes a Failed result the model sees in
// its next prompt, and the conversation goes on.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "support/agent/agent_fixtures.h"

namespace memgpt::agent {
namespace {

TEST(LocalLlmAgent, UnparseableOutputIsAFailedCallTheModelCanCorrect) {
  testing::ScriptedLlmServer server(
      {{"model", "local"},
       {"system", "You are MemGPT."},
       {"replies", Json::array({{{"raw_text", "Hello! How can I help you today?"}},
                                {{"content", "My last answer was not JSON."},
                                 {"tool", "send_message"},
                                 {"arguments", {{"message", "Hello Ann!"}}}}})}});
  ASSERT_GT(server.start(), 0);
  llm::LlmConfig lc = memgpt::testing::scripted_llm_config(server, "llamacpp", "local");
  lc.model_wrapper = "chatml";
  auto model = memgpt::testing::connect_model(lc);
  memgpt::testing::AgentStores stores;
  memgpt::testing::ListArchival archival;
  auto agent = memgpt::testing::create_agent(
      stores.deps(model.get(), &archival),
      memgpt::testing::sam_and_ann("LocalAgent", {.model = "local",
                                                  .model_endpoint_type = "llamacpp",
                                                  .context_window = 8192}));
  memgpt::testing::EventLog log;
  auto turn = agent->send_user_message("hi", log.sink());
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 2);
  auto failures = log.failures();
  auto said = log.said();
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("not a JSON object"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("Hello! How can I help you today?"), std::string::npos) << failures[0];
  EXPECT_EQ(said, std::vector<std::string>{"Hello Ann!"});
  // The second prompt shows the model its broken answer and the Failed result.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  std::string prompt = requests[1]["prompt"];
  EXPECT_NE(prompt.find("<|im_start|>assistant\nHello! How can I help you today?<|im_end|>"),
            std::string::npos);
  EXPECT_NE(prompt.find("\"status\": \"Failed\""), std::string::npos);
  EXPECT_NE(prompt.find("Function call failed, returning control"), std::string::npos);
}

}  // namespace
}  // namespace memgpt::agent
