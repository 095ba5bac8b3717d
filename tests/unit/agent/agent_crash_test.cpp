// kill -9 during agent steps at random moments: reopening always shows a consistent agent (every
// in-context message stored, every function call followed by its result, core memory valid).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "agent/agent.h"
#include "support/agent/agent_fixtures.h"

namespace memgpt::agent {
namespace {

// Never runs out: alternates a core-memory edit with a heartbeat and a reply.
class EndlessModel : public llm::ChatModel {
 public:
  Result<llm::ChatResponse> complete(const llm::ChatRequest&) override {
    ++n_;
    llm::ChatResponse r;
    r.message.role = "assistant";
    r.message.content = "step " + std::to_string(n_);
    if (n_ % 2) {
      r.message.tool_calls = {{"c" + std::to_string(n_), "core_memory_replace",
                               Json({{"name", "human"}, {"old_content", "count"}, {"new_content", "count"},
                                     {"request_heartbeat", true}}).dump()}};
    } else {
      r.message.tool_calls = {{"c" + std::to_string(n_), "send_message", Json({{"message", "ok"}}).dump()}};
    }
    return r;
  }
  std::string model_name() const override { return "endless"; }
  std::string endpoint_type() const override { return "openai"; }

 private:
  int n_ = 0;
};

TEST(AgentCrash, KillDuringStepsLeavesAConsistentAgent) {
  testing::TempDir dir;
  std::string db = dir.file("sqlite.db");
  std::string agent_id;
  {
    auto meta = store::MetadataStore::open_sqlite_file(db);
    ASSERT_TRUE(meta.ok());
    ASSERT_TRUE((*meta)->ensure_user("u").ok());
    store::RecallStore recall((*meta)->shared_db());
    EndlessModel model;
    AgentDeps deps{meta->get(), &recall, nullptr, &model};
    // Human "count": the model's core_memory_replace(count -> count) keeps it valid.
    AgentCreateOptions o = testing::sam_and_ann("Crashy", {.model = "gpt-4", .context_window = 1000000});
    o.human_text = "count";
    auto a = Agent::create(deps, o);
    ASSERT_TRUE(a.ok()) << a.status().message();
    agent_id = (*a)->id();
  }
  std::mt19937 rng(99);
  for (int round = 0; round < 20; ++round) {
    pid_t child = ::fork();
    if (child == 0) {
      auto meta = store::MetadataStore::open_sqlite_file(db);
      if (!meta.ok()) _exit(10);
      store::RecallStore recall((*meta)->shared_db());
      EndlessModel model;
      AgentDeps deps{meta->get(), &recall, nullptr, &model};
      auto a = Agent::load(deps, agent_id);
      if (!a.ok()) _exit(11);
      (*a)->set_verify_first_message(false);
      for (;;) {
        if (!(*a)->send_user_message("go", nullptr).ok()) _exit(12);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(15 + rng() % 60));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

    auto meta = store::MetadataStore::open_sqlite_file(db);
    ASSERT_TRUE(meta.ok()) << meta.status().message();
    store::RecallStore recall((*meta)->shared_db());
    EndlessModel model;
    AgentDeps deps{meta->get(), &recall, nullptr, &model};
    auto a = Agent::load(deps, agent_id);
    ASSERT_TRUE(a.ok()) << a.status().message();
    auto ctx = (*a)->context_messages();
    ASSERT_TRUE(ctx.ok()) << "round " << round << ": " << ctx.status().message();
    for (size_t i = 0; i < ctx->size(); ++i) {
      const auto& m = (*ctx)[i];
      if (!m.tool_calls.empty()) {
        ASSERT_LT(i + 1, ctx->size()) << "round " << round << ": a call without its result";
        EXPECT_EQ((*ctx)[i + 1].role, "tool");
        EXPECT_EQ((*ctx)[i + 1].tool_call_id, m.tool_calls[0]["id"]);
      }
      if (m.role == "tool") {
        ASSERT_GT(i, 0u);
        EXPECT_FALSE((*ctx)[i - 1].tool_calls.empty()) << "round " << round << ": a result without its call";
      }
    }
    EXPECT_EQ((*a)->memory().block("human")->value, "count");
    auto integrity = (*meta)->db().query("PRAGMA integrity_check");
    EXPECT_EQ((*integrity)[0].text(0), "ok");
    if (round == 19) {
      // The children really stepped: the boot sequence (3 messages) grew.
      EXPECT_GT(*(*a)->recall_count(), 20);
    }
  }
}

}  // namespace
}  // namespace memgpt::agent
