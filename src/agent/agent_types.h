// What the agent's parts share with its callers: the events an agent emits while it works,
// the collaborators it is built with, and the options and result of a turn.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "agent/archival_memory.h"
#include "llm/chat_model.h"
#include "store/metadata_store.h"
#include "store/recall_store.h"
#include "tokenizer/tokenizer.h"
#include "util/clock.h"
#include "util/json.h"

namespace memgpt::agent {

class ExternalFunctions;

struct AgentEvent {
  enum class Kind {
    kUserMessage,       // text: what the user said
    kInnerThoughts,     // text: the model's private monologue
    kFunctionCall,      // function_name, arguments
    kFunctionResult,    // function_name, ok, text (the result message, may be empty)
    kAssistantMessage,  // text: what send_message said to the user
    kSystemAlert,       // text: an alert the system sent the model (memory pressure, summary)
    kHeartbeat,         // text: why the agent runs again
    kUsage,             // usage of one model call
    kStreamDelta,       // text: a piece of the reply as it streams (only with streaming)
    // The agent waits for the model: from kModelCallStarted (text: what for, "reply" or
    // "summary") to kModelCallEnded (ok: whether it answered), with kModelRetry (text: why the
    // last attempt failed) before each retry of a transient failure.
    kModelCallStarted,
    kModelRetry,
    kModelCallEnded,
  };
  Kind kind;
  std::string text;
  std::string function_name;
  Json arguments = Json::object();
  bool ok = true;
  llm::Usage usage;
  std::string message_id;
};
using EventSink = std::function<void(const AgentEvent&)>;

// Everything with a side effect comes in here, so tests substitute doubles at the edge.
struct AgentDeps {
  store::MetadataStore* meta = nullptr;
  store::RecallStore* recall = nullptr;
  ArchivalMemory* archival = nullptr;   // may be null: archival functions then fail politely
  llm::ChatModel* model = nullptr;
  const tokenizer::Tokenizer* tokenizer = nullptr;  // null: the model's own (see ContextBudget)
  const Clock* clock = &SystemClock::instance();
  ExternalFunctions* external = nullptr;  // functions attached from outside (MCP tools); null: none
};

struct TurnOptions {
  bool stream = false;
  const std::atomic<bool>* cancel = nullptr;
  int max_steps = 25;  // heartbeat chains longer than this are stopped with an alert
  // The function the turn's first step must call (as Letta's InitToolRule); empty: the model
  // chooses. Small local models rarely pick a search on their own; this makes them start with one.
  std::string first_function;
};

struct TurnResult {
  int steps = 0;
  llm::Usage usage;  // summed over the turn's model calls
  std::vector<std::string> message_ids;  // messages added by the turn, in order
};

// A model call told to `sink` as kModelCallStarted, kModelRetry (each retry) and
// kModelCallEnded; `purpose` is "reply" or "summary".
Result<llm::ChatResponse> complete_with_events(llm::ChatModel& model, llm::ChatRequest& request,
                                               const char* purpose, const EventSink& sink);

}  // namespace memgpt::agent
