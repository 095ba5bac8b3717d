// The summariser honours its target (issue 12): when the prompt overflows, it used to evict
// the usual three quarters of the message tokens whatever the target, so a large system
// prompt left the prompt over half the window (and a second overflow soon after). Now it
// evicts until the prompt fits the target (half the window).
#include <gtest/gtest.h>

#include <deque>

#include "agent/agent.h"
#include "agent/message_records.h"
#include "agent/protocol.h"
#include "support/agent/agent_fixtures.h"
#include "support/test_env.h"

namespace memgpt::agent {
namespace {

// Answers a summary request with a summary and anything else with send_message.
class SummaryThenReply : public llm::ChatModel {
 public:
  Result<llm::ChatResponse> complete(const llm::ChatRequest& request) override {
    requests.push_back(request);
    llm::ChatResponse r;
    r.message.role = "assistant";
    if (request.tools.empty()) {
      r.message.content = "We talked at length about words.";
    } else {
      r.message.tool_calls = {{"c" + std::to_string(requests.size()), "send_message",
                               Json({{"message", "Still here."}}).dump()}};
    }
    return r;
  }
  std::string model_name() const override { return "scripted"; }
  std::string endpoint_type() const override { return "openai"; }
  std::vector<llm::ChatRequest> requests;
};

std::string words(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "word ";
  return s;
}

TEST(SummarizerTarget, OverflowEvictsUntilThePromptFitsHalfTheWindow) {
  constexpr int kWindow = 8192;
  testing::TempDir dir;
  auto meta = std::move(*store::MetadataStore::open_sqlite_file(dir.file("sqlite.db")));
  ASSERT_TRUE(meta->ensure_user("u").ok());
  store::RecallStore recall(meta->shared_db());
  SummaryThenReply model;
  AgentDeps deps{meta.get(), &recall, nullptr, &model};
  AgentCreateOptions o = testing::sam_and_ann("Wordy", {.model = "gpt-4", .context_window = kWindow});
  o.system_prompt = "You are MemGPT. " + words(2600);  // a large fixed part of every prompt
  auto created = Agent::create(deps, o);
  ASSERT_TRUE(created.ok()) << created.status().message();
  std::string id = (*created)->id();

  // A long conversation already in context (no memory warning pending).
  std::vector<store::MessageRecord> history;
  for (int i = 0; i < 60; ++i) {
    store::MessageRecord m;
    m.id = new_uuid();
    m.user_id = "u";
    m.agent_id = id;
    m.role = i % 2 ? "assistant" : "user";
    m.text = words(100);
    history.push_back(m);
  }
  ASSERT_TRUE(recall.append(history).ok());
  auto rec = *meta->get_agent(id);
  for (const auto& m : history) rec.state.message_ids.push_back(m.id);
  rec.state.alerted_memory_pressure = true;
  ASSERT_TRUE(meta->update_agent(rec).ok());
  auto agent = std::move(*Agent::load(deps, id));
  agent->set_verify_first_message(false);
  ASSERT_GT(*agent->context_tokens(), kWindow);  // the next request overflows

  // The test means something only if the usual share would not reach the target.
  ContextBudget budget(nullptr, "gpt-4", kWindow);
  auto before = *agent->context_messages();
  std::vector<store::MessageRecord> in_context(before.begin() + 1, before.end());
  int64_t fixed = *agent->context_tokens();
  for (const auto& m : in_context) fixed -= budget.message_tokens(to_chat(m));
  size_t usual_cut = budget.eviction_cut(in_context, 0, 0);
  int64_t usual_prompt = fixed + kSummaryNoteTokens;
  for (size_t i = usual_cut; i < in_context.size(); ++i) usual_prompt += budget.message_tokens(to_chat(in_context[i]));
  ASSERT_GT(usual_prompt, kWindow / 2 + 100);

  auto turn = agent->send_user_message("and now?", nullptr);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  // Summary requests (a long transcript is summarised half by half), then the one reply.
  ASSERT_GE(model.requests.size(), 2u);
  for (size_t i = 0; i + 1 < model.requests.size(); ++i) EXPECT_TRUE(model.requests[i].tools.empty());
  const llm::ChatRequest& reply = model.requests.back();
  ASSERT_FALSE(reply.tools.empty());
  int64_t sent = budget.request_tokens(reply.messages, reply.tools);
  int64_t input = budget.message_tokens(reply.messages.back());  // the new user message
  EXPECT_LE(sent - input, kWindow / 2) << "the prompt after summarising is over the target";
  // The evicted messages stay in recall.
  EXPECT_EQ(*agent->recall_count(), 3 + 60 + 1 + 1 + 2);  // boot, history, note, input, reply
}

}  // namespace
}  // namespace memgpt::agent
