// MemGPT's function set: the OpenAI tool schemas the model sees, and their implementations.
// A function never throws: bad arguments and failures come back as a Failed result the model
// can read and correct.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/archival_memory.h"
#include "agent/core_memory.h"
#include "store/recall_store.h"
#include "util/clock.h"
#include "util/json.h"

namespace memgpt::agent {

// Names of the built-in functions, in the order the model sees them.
const std::vector<std::string>& builtin_function_names();
bool is_builtin_function(const std::string& name);
// Functions that do not take request_heartbeat (they end or pause the chain themselves).
bool takes_heartbeat_argument(const std::string& name);

// OpenAI tool definitions ({"type":"function","function":{name, description, parameters}})
// for `names`. With `inner_thoughts_in_args`, every function also takes a required
// `inner_thoughts` string (for models that leave the message content empty).
Json function_tools(const std::vector<std::string>& names, bool inner_thoughts_in_args);

struct FunctionContext {
  CoreMemory* memory = nullptr;
  store::RecallStore* recall = nullptr;
  ArchivalMemory* archival = nullptr;  // null: archival functions fail with an explanation
  std::string agent_id;
  const Clock* clock = nullptr;
  bool memory_changed = false;  // set by core memory edits: the system message must be rebuilt
  std::optional<int> pause_minutes;  // set by pause_heartbeats
};

struct FunctionResult {
  bool ok = true;
  std::optional<std::string> message;  // nullopt -> JSON null (send_message)
};

// Runs `name` with `args` (already parsed, without request_heartbeat / inner_thoughts).
FunctionResult call_function(const std::string& name, const Json& args, FunctionContext& ctx);

// "Showing 5 of 12 results (page 0/2): [...]" or "No results found.".
std::string format_search_page(const std::vector<std::string>& items, int64_t total, int64_t page);

}  // namespace memgpt::agent
