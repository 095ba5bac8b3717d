// The agent stores through one store operation (store::commit_agent) and opens no transaction
// itself, so recall memory may live in another database than the metadata: steps, /pop,
// /rethink and summaries all land where they belong, and a reload sees the same context.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "support/agent/agent_fixtures.h"
#include "support/test_env.h"

namespace memgpt::agent {
namespace {

// Replies with send_message, or with a summary when offered no tools.
class PlainModel : public llm::ChatModel {
 public:
  Result<llm::ChatResponse> complete(const llm::ChatRequest& request) override {
    llm::ChatResponse r;
    r.message.role = "assistant";
    if (request.tools.empty()) {
      r.message.content = "A short summary.";
    } else {
      r.message.content = "Thinking.";
      r.message.tool_calls = {{"c" + std::to_string(++n_), "send_message", Json({{"message", "ok"}}).dump()}};
    }
    return r;
  }
  std::string model_name() const override { return "plain"; }
  std::string endpoint_type() const override { return "openai"; }

 private:
  int n_ = 0;
};

TEST(AgentSeparateRecall, StepsEditsAndSummariesWorkWithRecallInItsOwnDatabase) {
  testing::TempDir dir;
  auto meta = std::move(*store::MetadataStore::open_sqlite_file(dir.file("meta.db")));
  ASSERT_TRUE(meta->ensure_user("u").ok());
  auto recall_meta = std::move(*store::MetadataStore::open_sqlite_file(dir.file("recall.db")));  // schema
  store::RecallStore recall(recall_meta->shared_db());
  PlainModel model;
  AgentDeps deps{meta.get(), &recall, nullptr, &model};
  AgentCreateOptions o = testing::sam_and_ann("Apart", {.model = "gpt-4", .context_window = 8192});
  auto agent = std::move(*Agent::create(deps, o));
  agent->set_verify_first_message(false);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(agent->send_user_message("hello " + std::to_string(i), nullptr).ok());
  ASSERT_TRUE(agent->rethink("Rethought.").ok());
  ASSERT_TRUE(agent->pop(3).ok());
  ASSERT_TRUE(agent->summarize(nullptr).ok());

  auto ctx = *agent->context_messages();
  EXPECT_NE(ctx[1].text.find("A short summary."), std::string::npos);
  EXPECT_EQ(*agent->recall_count(), 3 + 4 * 3 - 3 + 1);  // boot + 4 turns - popped + note
  EXPECT_EQ(*store::RecallStore(meta->shared_db()).count(agent->id()), 0);  // nothing in the other
  auto reloaded = Agent::load(deps, agent->id());
  ASSERT_TRUE(reloaded.ok());
  auto again = *(*reloaded)->context_messages();
  ASSERT_EQ(again.size(), ctx.size());
  for (size_t i = 1; i < ctx.size(); ++i) EXPECT_EQ(again[i].id, ctx[i].id);
}

}  // namespace
}  // namespace memgpt::agent
