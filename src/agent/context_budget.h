// The context budget: what fits in the model's context window. Counts tokens exactly with the
// model's tokenizer (resolved once; cl100k_base as an estimate for models whose tokenizer is
// unknown), caches counts by text so a step does not re-tokenise the whole context, sizes a
// request, says when memory pressure starts, and chooses which oldest messages a summary
// replaces.
// Thread-safety: one per agent, used by one thread at a time (the token cache is not locked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "llm/chat_model.h"
#include "store/recall_store.h"
#include "tokenizer/tokenizer.h"

namespace memgpt::agent {

inline constexpr double kWarningFraction = 0.75;  // memory-pressure warning threshold
inline constexpr double kEvictFraction = 0.75;    // share of message tokens a summary replaces
inline constexpr size_t kKeepLastMessages = 3;    // never evicted
inline constexpr int kPerMessageTokens = 4;       // role and separators per chat message
// Room kept for the summary note itself (< 100 words and the alert around it).
inline constexpr int64_t kSummaryNoteTokens = 250;

class ContextBudget {
 public:
  // `tokenizer` wins when set (tests, benchmarks); otherwise the one of `model`.
  ContextBudget(const tokenizer::Tokenizer* tokenizer, const std::string& model, int context_window);

  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  int64_t window() const { return window_; }

  int64_t tokens(const std::string& text) const;  // cached
  int64_t message_tokens(const llm::ChatMessage& message) const;
  // A request: its messages, the tools it offers and the few tokens every reply is primed with.
  int64_t request_tokens(const std::vector<llm::ChatMessage>& messages, const Json& tools) const;
  // Past this many prompt tokens the agent is warned (once) to save what matters.
  bool past_warning(int64_t prompt_tokens) const;

  // How many of the oldest `messages` (the context after the system message) a summary
  // replaces: at least kEvictFraction of their tokens and, when `target_tokens` > 0, enough
  // that the prompt — `fixed_tokens` (system message, tools) + what is kept + the summary
  // note — fits `target_tokens`; never the last kKeepLastMessages, never a function result
  // without its call. 0 when nothing can be evicted.
  size_t eviction_cut(const std::vector<store::MessageRecord>& messages, int64_t fixed_tokens,
                      int64_t target_tokens) const;

 private:
  const tokenizer::Tokenizer* tokenizer_;
  int64_t window_;
  mutable std::unordered_map<std::string, int64_t> cache_;
};

}  // namespace memgpt::agent
