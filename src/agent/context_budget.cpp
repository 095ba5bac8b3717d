#include "agent/context_budget.h"

#include "agent/message_records.h"
#include "config/providers.h"

namespace memgpt::agent {
namespace {

constexpr int64_t kReplyPrimingTokens = 3;
constexpr int64_t kPerToolCallTokens = 3;
constexpr size_t kTokenCacheLimit = 50000;

}  // namespace

ContextBudget::ContextBudget(const tokenizer::Tokenizer* tokenizer, const std::string& model,
                             int context_window)
    : tokenizer_(tokenizer ? tokenizer : tokenizer::tokenizer_for_model(model).tokenizer),
      window_(context_window > 0 ? context_window : kDefaultContextWindow) {}

int64_t ContextBudget::tokens(const std::string& text) const {
  auto it = cache_.find(text);
  if (it != cache_.end()) return it->second;
  int64_t n = static_cast<int64_t>(tokenizer_->count(text));
  if (cache_.size() > kTokenCacheLimit) cache_.clear();
  cache_.emplace(text, n);
  return n;
}

int64_t ContextBudget::message_tokens(const llm::ChatMessage& m) const {
  int64_t n = kPerMessageTokens + tokens(m.content);
  for (const auto& tc : m.tool_calls) n += kPerToolCallTokens + tokens(tc.name) + tokens(tc.arguments);
  return n;
}

int64_t ContextBudget::request_tokens(const std::vector<llm::ChatMessage>& messages,
                                      const Json& tools) const {
  int64_t n = kReplyPrimingTokens;
  for (const auto& m : messages) n += message_tokens(m);
  if (!tools.empty()) n += tokens(tools.dump());
  return n;
}

bool ContextBudget::past_warning(int64_t prompt_tokens) const {
  return prompt_tokens > static_cast<int64_t>(static_cast<double>(window_) * kWarningFraction);
}

size_t ContextBudget::eviction_cut(const std::vector<store::MessageRecord>& messages,
                                   int64_t fixed_tokens, int64_t target_tokens) const {
  if (messages.size() <= kKeepLastMessages) return 0;
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (const auto& m : messages) {
    sizes.push_back(message_tokens(to_chat(m)));
    total += sizes.back();
  }
  auto fits = [&](int64_t evicted) {
    return target_tokens <= 0 || fixed_tokens + (total - evicted) + kSummaryNoteTokens <= target_tokens;
  };
  size_t max_cut = messages.size() - kKeepLastMessages;
  size_t cut = 0;
  int64_t evicted = 0;
  auto min_evicted = static_cast<int64_t>(static_cast<double>(total) * kEvictFraction);
  while (cut < max_cut && (evicted < min_evicted || !fits(evicted))) evicted += sizes[cut++];
  // A function result stays with its call: move the cut past results (evicting them with their
  // call), or, at the limit, back before the call.
  while (cut < max_cut && messages[cut].role == "tool") ++cut;
  while (cut > 0 && cut < messages.size() && messages[cut].role == "tool") --cut;
  return cut;
}

}  // namespace memgpt::agent
