// An agent on the packaged local model (SmolLM2-135M-Instruct run in process by llama.cpp),
// through the agent service as the CLI and the server use it: real SQLite, the embedded vector
// engine in a file, the built-in embedder. A few turns; every function call the model makes is
// parsed, executed and answered, and what is stored matches what the turns reported. No
// assertion on the model's wording.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "llm/llama_models.h"
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

// ---- the runtime side: streaming, cancelling, one copy of the weights, the clamped window ----

class LocalModelRuntimeTest : public LocalModelAgentTest {
 protected:
  Result<store::AgentRecord> create(AgentService& agents, const std::string& name, int window = 4096) {
    NewAgent n;
    n.user_id = opened_.ctx->user_id;
    n.name = name;
    n.llm_config = {.model = "smollm2-135m-instruct",
                    .model_endpoint_type = "local",
                    .model_endpoint = "",
                    .model_wrapper = "chatml",
                    .context_window = window};
    return agents.create(n);
  }
  static agent::TurnOptions one_step() {
    agent::TurnOptions options;
    options.max_steps = 1;
    return options;
  }
  // A turn that another thread cancels (as the REPL's Ctrl-C or a server's disconnect would)
  // once its first delta has arrived.
  Result<TurnTotals> interrupted_turn(AgentService& agents, OpenAgent& open) {
    std::atomic<bool> cancel{false};
    std::mutex mu;
    std::condition_variable first_delta;
    bool delta_seen = false;
    std::thread interrupter([&] {
      std::unique_lock lock(mu);
      first_delta.wait(lock, [&] { return delta_seen; });
      cancel = true;
    });
    auto wake = [&] {
      std::lock_guard lock(mu);
      delta_seen = true;
      first_delta.notify_one();
    };
    agent::TurnOptions options = one_step();
    options.stream = true;
    options.cancel = &cancel;
    auto sent = agents.send(
        open, {{TurnInput::Kind::kUser, "Please tell me a long story about a cat."}},
        [&](const agent::AgentEvent& e) {
          if (e.kind == agent::AgentEvent::Kind::kFunctionCall) ++calls_;
          if (e.kind == agent::AgentEvent::Kind::kStreamDelta) wake();
        },
        options);
    wake();  // even if nothing streamed
    interrupter.join();
    return sent;
  }
  int calls_ = 0;
};

TEST_F(LocalModelRuntimeTest, StreamedThoughtsArriveBeforeTheCallAndAddUpToTheThoughts) {
  AgentService agents(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
  auto rec = create(agents, "streamer");
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  using K = agent::AgentEvent::Kind;
  std::vector<agent::AgentEvent> events;
  agent::TurnOptions options = one_step();
  options.stream = true;
  auto open = agents.open(rec->id, true);
  ASSERT_TRUE(open.ok()) << open.status().message();
  auto totals = agents.send(*open, {{TurnInput::Kind::kUser, "Hello! Who are you?"}},
                            [&](const agent::AgentEvent& e) { events.push_back(e); }, options);
  ASSERT_TRUE(totals.ok()) << totals.status().message();
  // Pieces of the monologue come first, then the monologue whole, then the call.
  std::string streamed;
  int deltas = 0;
  size_t i = 0;
  for (; i < events.size() && events[i].kind != K::kInnerThoughts; ++i) {
    ASSERT_NE(events[i].kind, K::kFunctionCall) << "a call before its monologue";
    if (events[i].kind == K::kStreamDelta) {
      streamed += events[i].text;
      ++deltas;
    }
  }
  ASSERT_LT(i, events.size()) << "no inner thoughts";
  EXPECT_EQ(streamed, events[i].text);
  EXPECT_GE(deltas, 2) << "the monologue came in one piece: not streamed";
  bool called = false;
  for (; i < events.size(); ++i) called = called || events[i].kind == K::kFunctionCall;
  EXPECT_TRUE(called);
}

TEST_F(LocalModelRuntimeTest, CancelDuringGenerationDropsTheStepKeepsTheMessageAndTheNextStepWorks) {
  AgentService agents(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
  auto rec = create(agents, "interrupted");
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  auto before = agents.recall().count(rec->id);
  ASSERT_TRUE(before.ok());

  std::optional<Result<TurnTotals>> sent;
  {
    auto open = agents.open(rec->id, true);
    ASSERT_TRUE(open.ok()) << open.status().message();
    sent = interrupted_turn(agents, *open);
  }
  ASSERT_FALSE(sent->ok()) << "the step was not interrupted";
  EXPECT_EQ(sent->status().code(), ErrorCode::kCancelled) << sent->status().message();
  EXPECT_EQ(calls_, 0) << "the interrupted reply was acted on";
  // Only the user's message was added (kept, unanswered).
  auto after = agents.recall().count(rec->id);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before + 1);

  // The same agent on the same loaded model goes on.
  auto open = agents.open(rec->id, true);
  ASSERT_TRUE(open.ok()) << open.status().message();
  std::vector<std::string> called;
  auto next = agents.send(*open, {{TurnInput::Kind::kUser, "Hi again."}},
                          [&](const agent::AgentEvent& e) {
                            if (e.kind == agent::AgentEvent::Kind::kFunctionCall) called.push_back(e.function_name);
                          },
                          one_step());
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->steps, 1);
  EXPECT_EQ(called.size(), 1u);
}

TEST_F(LocalModelRuntimeTest, AgentsOnOneGgufShareOneLoadEachWithItsOwnContextReleasedWithTheCache) {
  const llm::ModelRegistryCounts start = llm::model_registry_counts();
  ASSERT_EQ(start.live_models, 0);
  AgentServiceOptions o;
  o.cache_capacity = 1;  // the second agent's turn pushes the first out of the cache
  AgentService agents(*opened_.ctx, *opened_.archival, o);
  auto a = create(agents, "ann");
  auto b = create(agents, "bob");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(llm::model_registry_counts().loads, start.loads + 1);

  int64_t contexts_during_bobs_step = -1;
  for (const auto* rec : {&*a, &*b}) {
    auto open = agents.open(rec->id, true);
    ASSERT_TRUE(open.ok()) << open.status().message();
    int calls = 0;
    auto sent = agents.send(*open, {{TurnInput::Kind::kUser, "Hello, I am " + rec->name + "."}},
                            [&](const agent::AgentEvent& e) {
                              if (e.kind != agent::AgentEvent::Kind::kFunctionCall) return;
                              ++calls;
                              if (rec == &*b) contexts_during_bobs_step = llm::model_registry_counts().live_contexts;
                            },
                            one_step());
    ASSERT_TRUE(sent.ok()) << sent.status().message();
    EXPECT_EQ(calls, 1);
    open->keep_cached();
  }
  // While bob stepped, ann was still cached with her own context.
  EXPECT_EQ(contexts_during_bobs_step, start.live_contexts + 2);
  const llm::ModelRegistryCounts end = llm::model_registry_counts();
  EXPECT_EQ(end.loads, start.loads + 1) << "the weights were loaded again";
  EXPECT_EQ(end.live_models, 1);
  EXPECT_EQ(end.live_contexts, start.live_contexts + 1) << "ann left the cache but her context stayed";
}

TEST_F(LocalModelRuntimeTest, AWindowLargerThanTrainedIsClampedWithOneWarningAndTheAgentBudgetsWithIt) {
  AgentService agents(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
  ::testing::internal::CaptureStderr();
  auto rec = create(agents, "wide", 1000000);
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  auto open = agents.open(rec->id, true);  // connects again: no second warning
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(open.ok()) << open.status().message();
  // SmolLM2-135M was trained on 8192 tokens.
  EXPECT_EQ(open->agent().context_window(), 8192);
  size_t first = err.find("larger than");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("larger than", first + 1), std::string::npos) << "warned twice: " << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("8192"), std::string::npos) << err;
}

#else

TEST(LocalModelAgentTest, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::runtime
