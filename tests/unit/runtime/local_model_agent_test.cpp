// An agent on the packaged local model (SmolLM2-135M-Instruct run in process by llama.cpp),
// through the agent service as the CLI and the server use it: real SQLite, the embedded vector
// engine in a file, the built-in embedder. A few turns; every function call the model makes is
// parsed, executed and answered, and what is stored matches what the turns reported. No
// assertion on the model's wording.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "runtime/agent_service.h"
#include "support/runtime_home.h"
#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

#if MEMGPT_LOCAL_LLM

class LocalModelAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MEMGPT_LLM_THREADS", "1", 1);  // the cores are shared with the other tests
    MemgptConfig config = *load_config_or_default();
    config.model_endpoint_type = "local";
    config.model_endpoint.clear();
    config.model = "smollm2-135m-instruct";
    config.context_window = 8192;
    opened_.open(config, home_.path());
  }
  void TearDown() override { ::unsetenv("MEMGPT_LLM_THREADS"); }

  testing::ScopedHome home_;
  testing::RuntimeHome opened_;
};

TEST_F(LocalModelAgentTest, EveryCallOfAFewTurnsIsParsedExecutedAndStored) {
  AgentService agents(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
  NewAgent n;
  n.user_id = opened_.ctx->user_id;
  n.name = "pip";
  n.llm_config = {.model = "smollm2-135m-instruct",
                  .model_endpoint_type = "local",
                  .model_endpoint = "",
                  .model_wrapper = "chatml",
                  .context_window = 8192};
  auto rec = agents.create(n);
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  ASSERT_TRUE(opened_.archival->passages
                  ->insert_archival(opened_.ctx->user_id, rec->id, "The primer says: cats sleep sixteen hours a day.", 300)
                  .ok());
  auto before = agents.recall().count(rec->id);
  ASSERT_TRUE(before.ok());

  const std::set<std::string> known = {"send_message",          "pause_heartbeats",
                                       "core_memory_append",    "core_memory_replace",
                                       "conversation_search",   "conversation_search_date",
                                       "archival_memory_insert", "archival_memory_search"};
  std::vector<agent::AgentEvent> calls, results;
  auto sink = [&](const agent::AgentEvent& e) {
    if (e.kind == agent::AgentEvent::Kind::kFunctionCall) calls.push_back(e);
    if (e.kind == agent::AgentEvent::Kind::kFunctionResult) results.push_back(e);
  };
  agent::TurnOptions options;
  options.max_steps = 2;  // a tiny model may chain heartbeats; two steps a turn are plenty here
  int64_t added = 0;
  for (const char* text : {"Hi, I am Sam.", "How long do cats sleep? Search your archival memory."}) {
    auto open = agents.open(rec->id, true);
    ASSERT_TRUE(open.ok()) << open.status().message();
    auto totals = agents.send(*open, {{runtime::TurnInput::Kind::kUser, text}}, sink, options);
    ASSERT_TRUE(totals.ok()) << totals.status().message();
    open->keep_cached();  // as the REPL and the server do after a turn: the next open reuses the model
    EXPECT_GE(totals->steps, 1);
    EXPECT_GT(totals->usage.prompt_tokens, 0);
    added += static_cast<int64_t>(totals->message_ids.size());
    auto stored = agents.recall().get(totals->message_ids);
    ASSERT_TRUE(stored.ok()) << stored.status().message();
    EXPECT_EQ(stored->size(), totals->message_ids.size());
  }
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(results.size(), calls.size());  // each call was executed and answered
  for (const auto& c : calls) {
    EXPECT_TRUE(known.count(c.function_name)) << "not a function of the agent: " << c.function_name;
    EXPECT_TRUE(c.arguments.is_object()) << c.arguments.dump();
  }
  auto after = agents.recall().count(rec->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before + added);
}

#else

TEST(LocalModelAgentTest, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::runtime
