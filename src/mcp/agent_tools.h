// Other MCP servers' tools attached to agents: which tools each agent has (a JSON file beside
// the server registry, <home>/mcp_attachments.json, so attachments survive restarts), and the
// agent's view of them (agent::ExternalFunctions). An attached tool keeps the schema the server
// gave when it was attached; the model calls it by the tool's own name, which must not be a
// built-in function's or another attached tool's. A call starts (or connects to) the server,
// with a deadline; any failure is a function failure the model reads.
//
// A tool's id (CLI, REST) is "mcp:<server>:<tool>".
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/external_functions.h"
#include "mcp/server_registry.h"

namespace memgpt::mcp {

inline constexpr std::chrono::milliseconds kDefaultToolTimeout{30000};

struct AttachedTool {
  std::string server;
  std::string tool;
  std::string description;
  Json input_schema;
  std::chrono::milliseconds timeout{kDefaultToolTimeout};  // for each call, the server's start included
};

std::string tool_id(const std::string& server, const std::string& tool);
// kInvalidArgument unless `id` is "mcp:<server>:<tool>".
Result<std::pair<std::string, std::string>> parse_tool_id(const std::string& id);

class McpAgentTools : public agent::ExternalFunctions {
 public:
  explicit McpAgentTools(McpServerRegistry registry = McpServerRegistry(), std::string path = default_path());
  static std::string default_path();  // <home>/mcp_attachments.json
  const McpServerRegistry& registry() const { return registry_; }

  Result<std::vector<AttachedTool>> list(const std::string& agent_id) const;
  // What a registered server offers now (starts or calls it): kNotFound for an unknown server,
  // the server's failure otherwise.
  Result<std::vector<RemoteTool>> server_tools(const std::string& server,
                                               std::chrono::milliseconds timeout = kDefaultToolTimeout) const;
  // Lists the server's tools to find `tool` and keep its schema. kNotFound for an unknown server
  // or tool, kAlreadyExists for a name the agent already has (built-in or attached).
  // `timeout` bounds listing the tools now and each call later.
  Result<AttachedTool> attach(const std::string& agent_id, const std::string& server, const std::string& tool,
                              std::chrono::milliseconds timeout = kDefaultToolTimeout);
  // Attaches a tool whose schema is already known (an agent file carries it): the server must be
  // registered, but is not started. The same refusals as attach.
  Status attach_known(const std::string& agent_id, const AttachedTool& tool);
  Status detach(const std::string& agent_id, const std::string& server, const std::string& tool);  // kNotFound
  // Forgets every tool of a deleted agent.
  Status forget_agent(const std::string& agent_id);

  std::vector<agent::ExternalFunction> attached(const std::string& agent_id) const override;
  agent::FunctionResult call(const std::string& agent_id, const std::string& name, const Json& args) override;

 private:
  Result<Json> load() const;  // {"agents": {id: [tool...]}}
  Status save(const Json& all) const;
  // kAlreadyExists for a built-in function's name or one the agent already has.
  Status check_new_name(const std::string& agent_id, const std::string& server, const std::string& tool) const;
  Status store(const std::string& agent_id, const AttachedTool& tool);

  McpServerRegistry registry_;
  std::string path_;
};

}  // namespace memgpt::mcp
