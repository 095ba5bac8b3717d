// The MemGPT agent: a model that manages its own memory. One step is one model call plus at
// most one function call; a turn runs steps until no heartbeat is due. The agent persists its
// state (core memory, in-context message ids, flags) and every message (recall memory) through
// the store, all of a step at once, so a crash leaves it as it was before or after a step.
//
// The agent is put together from parts (see docs/DESIGN.md): the conversation (record, state,
// context window and how changes are stored), the context budget (tokens), the summariser
// and the step loop. This class builds them, and holds the commands that edit a conversation
// (/pop, /retry, /rethink, /rewrite, ...).
//
// The agent emits events (inner thoughts, function calls and results, messages to the user,
// system alerts, usage, waits for the model) and knows nothing about terminals or HTTP.
// Thread-safety: one Agent is used by one thread at a time (callers serialise per agent).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent_types.h"
#include "agent/context_budget.h"
#include "agent/conversation.h"
#include "agent/core_memory.h"
#include "agent/step_loop.h"
#include "agent/summarizer.h"

namespace memgpt::agent {

// Tokens of each part of the context window, as the next request would send it.
struct ContextOverview {
  int64_t window = 0;            // what the model accepts
  int64_t total = 0;             // the whole request (the parts plus a few priming tokens)
  int64_t system = 0;            // the system prompt
  int64_t memory_header = 0;     // the "### Memory" lines between it and core memory
  int64_t core_memory = 0;
  int64_t functions = 0;         // the function schemas offered
  int64_t summary = 0;           // the summary note of evicted messages (0 when none)
  int64_t messages = 0;          // the other in-context messages
  int64_t num_messages = 0;      // in-context messages, the system message included
  int64_t recall = 0, archival = 0;
  std::string system_prompt, core_memory_text;
  std::string summary_text;      // the summary note as the model sees it ("" when none)
  Json functions_json;
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
  store::AgentLlmConfig llm_config;
  store::AgentEmbeddingConfig embedding_config;
  std::optional<bool> inner_thoughts_in_args;    // unset: decided by model family
  // Letta's descriptive fields, kept in the record for the user (the agent does not read them).
  std::optional<std::string> description;
  std::vector<std::string> tags;
  Json metadata = Json::object();
};

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(const AgentDeps& deps,
                                               const AgentCreateOptions& options);
  static Result<std::unique_ptr<Agent>> load(const AgentDeps& deps, const std::string& agent_id);
  Agent(const Agent&) = delete;  // the parts refer to each other
  Agent& operator=(const Agent&) = delete;

  const store::AgentRecord& record() const { return conversation_.record(); }
  const std::string& id() const { return record().id; }
  const std::string& name() const { return record().name; }
  const CoreMemory& memory() const { return conversation_.state().memory; }
  int context_window() const { return static_cast<int>(budget_.window()); }
  bool verify_first_message() const { return loop_.verify_first_message(); }
  void set_verify_first_message(bool on) { loop_.set_verify_first_message(on); }

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
  Status update_llm_config(const store::AgentLlmConfig& llm_config);
  Status set_core_memory(const std::string& label, const std::string& value);
  Status set_core_memory_limit(const std::string& label, int limit);

  // The system message as the model sees it now (prompt + memory + counts).
  Result<std::string> system_message() { return conversation_.system_message(); }
  // The messages in the context window, system message first.
  Result<std::vector<store::MessageRecord>> context_messages() { return conversation_.messages(); }
  // Tokens the next request would take (system, messages, tools).
  Result<int64_t> context_tokens() { return loop_.context_tokens(); }
  int64_t tokens_after_last_step() const { return loop_.tokens_after_last_step(); }
  Result<int64_t> recall_count() { return conversation_.recall_count(); }
  Result<int64_t> archival_count() { return conversation_.archival_count(); }
  // The next request's context window part by part (Letta's context viewer).
  Result<ContextOverview> context_overview();

 private:
  Agent(const AgentDeps& deps, store::AgentRecord record, AgentState state);
  Status save_memory();
  // Stores a rewritten message (same place in the context).
  Status store_rewritten(store::MessageRecord message);

  Conversation conversation_;
  ContextBudget budget_;
  Summarizer summarizer_;
  StepLoop loop_;
};

// Random AdjectiveNoun name for a new agent (e.g. "PoliteButterfly").
std::string random_agent_name();

}  // namespace memgpt::agent
