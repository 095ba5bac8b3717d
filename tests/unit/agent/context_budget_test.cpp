// The context budget: exact token counts with the model's tokenizer, the size of a request,
// the memory-pressure threshold, and which oldest messages a summary replaces.
#include "agent/context_budget.h"

#include <gtest/gtest.h>

#include "agent/message_records.h"

namespace memgpt::agent {
namespace {

store::MessageRecord message(const std::string& role, int words) {
  store::MessageRecord m;
  m.role = role;
  for (int i = 0; i < words; ++i) m.text += "word ";
  if (role == "assistant") {
    m.tool_calls = Json::array({{{"id", "c"}, {"type", "function"},
                                 {"function", {{"name", "archival_memory_search"}, {"arguments", "{}"}}}}});
  }
  return m;
}

// user, assistant (a call), tool (its result), repeated `pairs` times, then a user message.
std::vector<store::MessageRecord> conversation(int pairs, int words) {
  std::vector<store::MessageRecord> out;
  for (int i = 0; i < pairs; ++i) {
    out.push_back(message("user", words));
    out.push_back(message("assistant", words));
    out.push_back(message("tool", words));
  }
  out.push_back(message("user", words));
  return out;
}

TEST(ContextBudget, ChoosesTheModelsTokenizerOnceAndCountsExactly) {
  ContextBudget gpt4o(nullptr, "gpt-4o-mini", 128000);
  EXPECT_EQ(gpt4o.tokenizer().name(), "o200k_base");
  ContextBudget unknown(nullptr, "some-local-model", 0);
  EXPECT_EQ(unknown.tokenizer().name(), "cl100k_base");  // an estimate
  EXPECT_EQ(unknown.window(), 8192);                    // the default window
  ContextBudget forced(&tokenizer::o200k_base(), "gpt-4", 8192);
  EXPECT_EQ(forced.tokenizer().name(), "o200k_base");
  EXPECT_EQ(gpt4o.tokens("hello world"), 2);
}

TEST(ContextBudget, ARequestCountsItsMessagesCallsAndTools) {
  ContextBudget b(nullptr, "gpt-4", 8192);
  llm::ChatMessage user{"user", "hello world", {}, "", ""};
  llm::ChatMessage call{"assistant", "", {{"c1", "send_message", "{\"message\":\"hi\"}"}}, "", ""};
  EXPECT_EQ(b.message_tokens(user), kPerMessageTokens + 2);
  EXPECT_EQ(b.message_tokens(call),
            kPerMessageTokens + 3 + b.tokens("send_message") + b.tokens("{\"message\":\"hi\"}"));
  Json tools = Json::array({{{"type", "function"}, {"function", {{"name", "send_message"}}}}});
  EXPECT_EQ(b.request_tokens({user, call}, tools),
            3 + b.message_tokens(user) + b.message_tokens(call) + b.tokens(tools.dump()));
}

TEST(ContextBudget, MemoryPressureStartsPastThreeQuartersOfTheWindow) {
  ContextBudget b(nullptr, "gpt-4", 8000);
  EXPECT_FALSE(b.past_warning(6000));
  EXPECT_TRUE(b.past_warning(6001));
}

TEST(ContextBudget, ASummaryReplacesThreeQuartersOfTheMessageTokensByDefault) {
  ContextBudget b(nullptr, "gpt-4", 8192);
  auto history = conversation(10, 20);  // 31 messages of about equal size
  size_t cut = b.eviction_cut(history, 0, 0);
  EXPECT_GE(cut, history.size() * 3 / 4 - 1);
  EXPECT_LT(cut, history.size() - kKeepLastMessages + 1);
  EXPECT_NE(history[cut].role, "tool");  // the kept part does not start with an orphan result
}

TEST(ContextBudget, ATargetEvictsMoreUntilThePromptFits) {
  ContextBudget b(nullptr, "gpt-4", 8192);
  auto history = conversation(10, 20);
  int64_t total = 0;
  for (const auto& m : history) total += b.message_tokens(to_chat(m));
  size_t usual = b.eviction_cut(history, 0, 0);
  // A large fixed part (system message, tools): the usual share does not reach the target.
  int64_t fixed = 3000;
  int64_t target = fixed + kSummaryNoteTokens + total / 10;
  size_t cut = b.eviction_cut(history, fixed, target);
  EXPECT_GT(cut, usual);
  int64_t kept = 0;
  for (size_t i = cut; i < history.size(); ++i) kept += b.message_tokens(to_chat(history[i]));
  EXPECT_LE(fixed + kept + kSummaryNoteTokens, target);
}

TEST(ContextBudget, TheLastMessagesAndCallResultPairsAreNeverSplit) {
  ContextBudget b(nullptr, "gpt-4", 8192);
  auto history = conversation(3, 20);  // 10 messages
  // An impossible target: evict as much as allowed, and no more.
  size_t cut = b.eviction_cut(history, 100000, 1);
  EXPECT_LE(cut, history.size() - kKeepLastMessages);
  EXPECT_NE(history[cut].role, "tool");
  EXPECT_EQ(b.eviction_cut(conversation(0, 5), 0, 0), 0u);  // nothing to evict
}

}  // namespace
}  // namespace memgpt::agent
