// The summariser: when the context runs out (or on /summarize) the oldest messages leave the
// context window for a summary. It chooses them with the context budget, has the model write
// the summary in a separate call (first person, under 100 words; half by half when the
// transcript itself does not fit), and puts the note "prior messages have been hidden ..." at
// the front of the context. Evicted messages stay in recall memory.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/context_budget.h"
#include "agent/conversation.h"

namespace memgpt::agent {

class Summarizer {
 public:
  Summarizer(Conversation& conversation, const ContextBudget& budget)
      : conversation_(conversation), budget_(budget) {}

  // Evicts and summarises. `target_tokens` > 0: the prompt should fit it afterwards (more than
  // the usual share is evicted when needed); 0: the usual share (/summarize). `fixed_tokens`:
  // what the prompt takes besides the messages (system message, tools).
  Status summarize(const EventSink& sink, int64_t fixed_tokens, int64_t target_tokens,
                   const std::atomic<bool>* cancel = nullptr);

  // The summary of `messages` by the model (exposed for tests).
  Result<std::string> summary_of(const std::vector<store::MessageRecord>& messages, const EventSink& sink,
                                 const std::atomic<bool>* cancel, int depth = 0);

 private:
  Conversation& conversation_;
  const ContextBudget& budget_;
};

}  // namespace memgpt::agent
