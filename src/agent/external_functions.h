// Functions that live outside the agent (another MCP server's tools attached to it). The agent
// knows them only through this interface, injected in AgentDeps: it offers them to the model
// beside the built-in functions and runs them when the model calls one. The implementation (in
// mcp/) owns where attachments are stored and how a call reaches its server.
#pragma once

#include <string>
#include <vector>

#include "agent/functions.h"
#include "util/json.h"

namespace memgpt::agent {

struct ExternalFunction {
  std::string name;         // as the model calls it; never a built-in function's name
  std::string description;
  Json parameters;          // a JSON Schema object
};

class ExternalFunctions {
 public:
  virtual ~ExternalFunctions() = default;
  // The functions attached to `agent_id` (none when it has none, or they cannot be read).
  virtual std::vector<ExternalFunction> attached(const std::string& agent_id) const = 0;
  // Runs one. Never throws: a failing, hanging or crashed server is a failed result the model
  // can read.
  virtual FunctionResult call(const std::string& agent_id, const std::string& name, const Json& args) = 0;
};

// OpenAI tool definitions for `functions`, with request_heartbeat (optional) and, when
// `inner_thoughts_in_args`, a required inner_thoughts added to their parameters.
Json external_function_tools(const std::vector<ExternalFunction>& functions, bool inner_thoughts_in_args);

}  // namespace memgpt::agent
