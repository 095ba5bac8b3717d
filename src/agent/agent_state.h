// The agent's saved state while it works: what it needs besides its record's settings to
// continue where it stopped (system prompt, core memory, functions, the messages in its context
// window, flags). The record carries the same fields as plain data (store::AgentSavedState);
// the store alone turns them into JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core_memory.h"
#include "store/agent_record.h"

namespace memgpt::agent {

struct AgentState {
  std::string system_prompt;  // without the memory section (rebuilt for every request)
  CoreMemory memory;
  std::vector<std::string> functions;
  std::vector<std::string> message_ids;  // in-context messages after the system message
  int64_t memory_edited_at = 0;
  bool alerted_memory_pressure = false;
  bool first_message_verified = false;
  std::optional<bool> inner_thoughts_in_args;  // unset: decided by the provider

  store::AgentSavedState saved() const;
  // No functions means all built-in functions.
  static AgentState from_saved(const store::AgentSavedState& saved);
};

}  // namespace memgpt::agent
