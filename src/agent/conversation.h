// The agent's conversation as stored: its record and state, the context window (system message,
// then the in-context messages, read through a cache) and the one way to change them: commit(),
// which saves the record and the recall messages together (store::commit_agent) and, when that
// fails, puts the context back as it was, so memory and store never disagree.
// Thread-safety: one per agent, used by one thread at a time.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "agent/agent_state.h"
#include "agent/agent_types.h"
#include "store/agent_commit.h"

namespace memgpt::agent {

class Conversation {
 public:
  Conversation(const AgentDeps& deps, store::AgentRecord record, AgentState state);

  const store::AgentRecord& record() const { return record_; }
  store::AgentRecord& record() { return record_; }
  const AgentState& state() const { return state_; }
  AgentState& state() { return state_; }
  const AgentDeps& deps() const { return deps_; }

  // A new message of this agent, stamped now (not stored until committed).
  store::MessageRecord make_message(const std::string& role, const std::string& text) const;

  // The system message as the model sees it now (prompt + memory + counts).
  Result<std::string> system_message();
  // The context window: the system message, then the in-context messages.
  Result<std::vector<store::MessageRecord>> messages();
  // The in-context messages only (no system message).
  Result<std::vector<store::MessageRecord>> history();
  // The request for the model: the context plus `pending` (not stored yet).
  Result<std::vector<llm::ChatMessage>> request_messages(const std::vector<store::MessageRecord>& pending);
  Result<int64_t> recall_count();
  Result<int64_t> archival_count();

  // Sets the in-context ids to `context_ids` and saves the record (with the state) together
  // with `changes`; on failure the ids are as before. Search text of added and updated
  // messages is derived here.
  Status commit(std::vector<std::string> context_ids, store::MessageChanges& changes);
  // Appends `added` to recall and to the end of the context.
  Status append(std::vector<store::MessageRecord>& added);
  // Saves the record and state alone (settings, memory, flags).
  Status save();

 private:
  // The in-context messages in order, pointing into the cache (valid until the next commit).
  Result<std::vector<const store::MessageRecord*>> cached_history();

  AgentDeps deps_;
  store::AgentRecord record_;
  AgentState state_;
  // Stored messages by id: the store stays the truth, commits keep this in step.
  std::unordered_map<std::string, store::MessageRecord> cache_;
};

}  // namespace memgpt::agent
