// The step loop: a turn runs steps until no heartbeat is due. A step is one model call
// (summarising first when the prompt would not fit, and again when the model says it
// overflowed) and at most one function call; its messages — the input, the reply, the
// function's result — are stored together, so a crash leaves the agent before or after a step.
// After a step: a memory-pressure warning goes first, then a failed function forces a
// heartbeat, then request_heartbeat does; otherwise the turn ends and the agent waits.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/context_budget.h"
#include "agent/conversation.h"
#include "agent/summarizer.h"

namespace memgpt::agent {

class StepLoop {
 public:
  StepLoop(Conversation& conversation, ContextBudget& budget, Summarizer& summarizer)
      : conversation_(conversation), budget_(budget), summarizer_(summarizer) {}

  // `input` (a packed user message, heartbeat or alert) starts the turn; without one the
  // model answers what the context already holds (the first message after the boot). When
  // the first step fails or is cancelled, a user message is still stored (unanswered).
  Result<TurnResult> run_turn(std::optional<store::MessageRecord> input, const EventSink& sink,
                              const TurnOptions& options);

  // MemGPT checks the first reply of a new agent (send_message, no confused monologue).
  void set_verify_first_message(bool on) { verify_first_ = on; }
  bool verify_first_message() const { return verify_first_; }

  // The tools the model is offered (with an inner_thoughts argument for model families that
  // leave the content empty when they call a function).
  Json tools() const;
  bool uses_inner_thoughts_kwarg() const;
  // Tokens the next request takes (the context and the tools), counted from the whole context.
  Result<int64_t> context_tokens();
  // The same figure as it stood after the last step, counted from that step's request (its
  // system message recounted, the stored reply and result added); -1 before the first step and
  // once the memory warning was given (it is counted only to decide that warning).
  int64_t tokens_after_last_step() const { return tokens_after_step_; }

 private:
  struct StepOutcome {
    bool heartbeat_request = false;
    bool function_failed = false;
    bool memory_warning = false;
    std::vector<std::string> new_ids;
    llm::Usage usage;
  };
  struct Reply {
    llm::ChatResponse response;
    std::string thoughts;
  };
  Result<StepOutcome> step(const store::MessageRecord* input, const EventSink& sink,
                           const TurnOptions& options);
  // The model's reply to the context + `pending`, making room first when needed.
  Result<llm::ChatResponse> call_model(const std::vector<store::MessageRecord>& pending,
                                       const EventSink& sink, const TurnOptions& options);
  // call_model, repeated while the first reply of a new agent fails verification.
  Result<Reply> verified_reply(const std::vector<store::MessageRecord>& pending, bool verify,
                               const EventSink& sink, const TurnOptions& options, llm::Usage& usage);
  // Runs the reply's first call; returns the assistant message and the result message.
  Result<std::vector<store::MessageRecord>> run_call(store::MessageRecord assistant,
                                                     const llm::ChatResponse& response, const EventSink& sink,
                                                     const TurnOptions& options, StepOutcome& out);
  Status make_room(const std::vector<llm::ChatMessage>& request, const Json& tools, const EventSink& sink,
                   const TurnOptions& options);
  // Counts the context after a step from the request it sent: `stored` are the step's messages
  // as appended, of which the first `last_request_.pending` were part of that request.
  Result<int64_t> count_after_step(const std::vector<store::MessageRecord>& stored);
  Status note_memory_pressure(StepOutcome& out, const std::vector<store::MessageRecord>& stored);

  Conversation& conversation_;
  ContextBudget& budget_;
  Summarizer& summarizer_;
  bool verify_first_ = true;
  // The last request sent: its tokens, of which its system message, and how many messages not
  // yet stored it carried (the rest of the request is the stored context).
  struct RequestTokens {
    int64_t total = 0;
    int64_t system = 0;
    size_t pending = 0;
  };
  RequestTokens last_request_;
  int64_t tokens_after_step_ = -1;
};

// MemGPT's first-message check: the reply calls send_message (or archival_memory_search) and
// does not leak send_message into its monologue.
bool verify_first_reply(const llm::ChatMessage& reply, const std::string& thoughts);

}  // namespace memgpt::agent
