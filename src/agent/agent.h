// The MemGPT agent: a model that manages its own memory. One step is one model call plus at
// most one function call; a turn runs steps until no heartbeat is due. The agent persists its
// state (core memory, in-context message ids, flags) and every message (recall memory) through
// the store, one transaction per step, so a crash leaves it as it was before or after a step.
//
// The agent emits events (inner thoughts, function calls and results, messages to the user,
// system alerts, usage) and knows nothing about terminals or HTTP.
// Thread-safety: one Agent is used by one thread at a time (callers serialise per agent).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/archival_memory.h"
#include "agent/core_memory.h"
#include "llm/chat_model.h"
#include "store/metadata_store.h"
#include "store/recall_store.h"
#include "tokenizer/tokenizer.h"
#include "util/clock.h"

namespace memgpt::agent {

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

struct AgentDeps {
  store::MetadataStore* meta = nullptr;
  store::RecallStore* recall = nullptr;
  ArchivalMemory* archival = nullptr;   // may be null: archival functions then fail politely
  llm::ChatModel* model = nullptr;
  const tokenizer::Tokenizer* tokenizer = nullptr;  // for context budgeting
  const Clock* clock = &SystemClock::instance();
};

struct AgentCreateOptions {
  std::string user_id;
  std::string name;
  std::string persona_name;
  std::string persona_text;
  std::string human_name;
  std::string human_text;
  std::string preset = "memgpt_chat";
  std::string system_prompt;                     // text of the system prompt (without memory)
  std::vector<MemoryBlock> blocks;               // when set: these blocks instead of persona/human
  std::vector<std::string> functions;            // empty = all built-in functions
  int core_memory_limit = kDefaultCoreMemoryLimit;
  Json llm_config = Json::object();              // model, model_endpoint, context_window, ...
  Json embedding_config = Json::object();
  std::optional<bool> inner_thoughts_in_args;    // unset: decided by model family
};

struct TurnOptions {
  bool stream = false;
  const std::atomic<bool>* cancel = nullptr;
  int max_steps = 25;  // heartbeat chains longer than this are stopped with an alert
};

struct TurnResult {
  int steps = 0;
  llm::Usage usage;  // summed over the turn's model calls
  std::vector<std::string> message_ids;  // messages added by the turn, in order
};

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(const AgentDeps& deps,
                                               const AgentCreateOptions& options);
  static Result<std::unique_ptr<Agent>> load(const AgentDeps& deps, const std::string& agent_id);

  const store::AgentRecord& record() const { return record_; }
  const std::string& id() const { return record_.id; }
  const std::string& name() const { return record_.name; }
  const CoreMemory& memory() const { return memory_; }
  int context_window() const;
  bool verify_first_message() const { return verify_first_; }
  void set_verify_first_message(bool on) { verify_first_ = on; }

  // A user message; runs steps until no heartbeat is due.
  Result<TurnResult> send_user_message(const std::string& text, const EventSink& sink,
                                       const TurnOptions& options = {});
  // Runs a turn on what is already in the context (the login event of a new agent): the
  // agent's first message ("Hit enter to begin").
  Result<TurnResult> send_first_message(const EventSink& sink, const TurnOptions& options = {});
  // A system alert (e.g. /memorywarning) or a heartbeat (/heartbeat) as the input.
  Result<TurnResult> send_system_alert(const std::string& text, const EventSink& sink,
                                       const TurnOptions& options = {});
  Result<TurnResult> send_heartbeat(const std::string& reason, const EventSink& sink,
                                    const TurnOptions& options = {});

  // Memory management commands.
  Status summarize(const EventSink& sink);   // evict and summarise now (/summarize)
  Status pop(int count);                     // drop the last `count` in-context messages (/pop)
  // Drops the messages after the last user message and sends it again (/retry).
  Result<TurnResult> retry(const EventSink& sink, const TurnOptions& options = {});
  Status rethink(const std::string& thoughts);  // replace the last inner monologue (/rethink)
  Status rewrite(const std::string& message);   // replace the last send_message text (/rewrite)
  Status swap_system_prompt(const std::string& system_prompt);  // (/systemswap)
  Status wipe();  // forget the in-context conversation; recall keeps it (/wipe)
  Status update_llm_config(const Json& llm_config);
  Status set_core_memory(const std::string& label, const std::string& value);
  Status set_core_memory_limit(const std::string& label, int limit);

  // The system message as the model sees it now (prompt + memory + counts).
  Result<std::string> system_message();
  // The messages in the context window, system message first.
  Result<std::vector<store::MessageRecord>> context_messages();
  // Tokens the next request would take (system, messages, tools).
  Result<int64_t> context_tokens();
  Result<int64_t> recall_count();
  Result<int64_t> archival_count();

 private:
  Agent(const AgentDeps& deps, store::AgentRecord record);
  Status load_state();
  Status save_memory();
  Json state_json() const;

  struct StepOutcome {
    bool heartbeat_request = false;
    bool function_failed = false;
    bool memory_warning = false;
    std::vector<std::string> new_ids;
    llm::Usage usage;
  };
  // `input` may be null: the step answers what the context already holds.
  Result<StepOutcome> step(const store::MessageRecord* input, const EventSink& sink,
                           const TurnOptions& options);
  Result<TurnResult> run_turn(std::optional<store::MessageRecord> input, const EventSink& sink,
                              const TurnOptions& options);
  Result<std::vector<llm::ChatMessage>> build_request_messages(
      const std::vector<store::MessageRecord>& extra);
  int64_t count_message_tokens(const std::vector<llm::ChatMessage>& messages) const;
  Result<llm::ChatResponse> call_model(const std::vector<store::MessageRecord>& extra,
                                       const EventSink& sink, const TurnOptions& options);
  Status summarize_locked(const EventSink& sink, int64_t target_tokens);
  Result<std::string> summarize_text(const std::vector<store::MessageRecord>& messages, int depth,
                                     const EventSink& sink);
  // The model call, told to `sink` as kModelCallStarted / kModelRetry / kModelCallEnded.
  Result<llm::ChatResponse> complete_with_events(llm::ChatRequest& request, const char* purpose,
                                                 const EventSink& sink);
  Status commit(std::vector<store::MessageRecord>& new_messages);
  store::MessageRecord make_message(const std::string& role, const std::string& text);
  bool uses_inner_thoughts_kwarg() const;

  AgentDeps deps_;
  store::AgentRecord record_;
  CoreMemory memory_;
  std::string system_prompt_;
  std::vector<std::string> functions_;
  std::vector<std::string> message_ids_;  // in-context messages after the system message
  int64_t memory_edited_at_ = 0;
  bool alerted_memory_pressure_ = false;
  bool first_message_verified_ = false;
  bool verify_first_ = true;
  std::optional<bool> inner_thoughts_in_args_;
  // Caches: stored messages by id (the store stays the truth; edits drop entries) and token
  // counts by text, so each step does not re-read and re-tokenise the whole context.
  std::unordered_map<std::string, store::MessageRecord> record_cache_;
  mutable std::unordered_map<std::string, int64_t> token_cache_;
  int64_t tokens_of(const std::string& text) const;
};

// MemGPT's first-message check: the reply calls send_message (or archival_memory_search) and
// does not leak send_message into its monologue.
bool verify_first_reply(const llm::ChatMessage& reply, const std::string& thoughts);

// Random AdjectiveNoun name for a new agent (e.g. "PoliteButterfly").
std::string random_agent_name();

}  // namespace memgpt::agent
