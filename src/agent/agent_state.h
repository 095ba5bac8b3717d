// The agent's saved state: what it needs besides its record's settings to continue where it
// stopped (system prompt, core memory, functions, the messages in its context window, flags).
// Stored as JSON in the agent record; this is the one place that reads and writes that JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/core_memory.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::agent {

struct AgentState {
  std::string system_prompt;  // without the memory section (rebuilt for every request)
  CoreMemory memory;
  std::vector<std::string> functions;
  std::vector<std::string> message_ids;  // in-context messages after the system message
  int64_t memory_edited_at = 0;
  bool alerted_memory_pressure = false;
  bool first_message_verified = false;
  std::optional<bool> inner_thoughts_in_args;  // unset: decided by the model family

  Json to_json() const;
  // Missing fields take their defaults; no functions means all built-in functions.
  static Result<AgentState> from_json(const Json& state);
};

}  // namespace memgpt::agent
