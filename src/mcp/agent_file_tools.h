// An agent's MCP tools in Agent Files (runtime::ExternalToolCatalog): export writes the tools
// with the servers they come from in Letta's shape (MCPServerSchema), secrets left out (their
// names with null values); import registers a server this home lacks (when allowed and the file
// holds all it needs) or reuses the registered one of that name when its configuration is the
// file's, then attaches the tools with the schemas the file carries (nothing is started).
#pragma once

#include "mcp/agent_tools.h"
#include "runtime/external_tool_catalog.h"

namespace memgpt::mcp {

// A server as an agent file holds it: Letta's MCPServerSchema fields (without id) plus the
// names of its secrets, valued null ("env" of a stdio server, "custom_headers" of an HTTP one).
Json agent_file_server_json(const McpServerConfig& config);
// The server an agent file describes; `scrubbed` gets the names of secrets whose values the
// file left out. kInvalidArgument for what cannot be a server here (an SSE server, no command).
Result<McpServerConfig> config_from_agent_file(const Json& definition, std::vector<std::string>& scrubbed);

class McpToolCatalog : public runtime::ExternalToolCatalog {
 public:
  explicit McpToolCatalog(McpAgentTools& tools) : tools_(tools), registry_(tools.registry()) {}

  Result<runtime::ExternalToolsOfAgent> export_tools(const std::string& agent_id) const override;
  void import_tools(const std::string& agent_id, const std::vector<runtime::AgentFileMcpTool>& tools,
                    const std::vector<runtime::AgentFileMcpServer>& servers,
                    std::vector<std::string>& warnings, std::vector<std::string>& registered) override;

 private:
  // Whether the server named `name` can serve the file's tools here (registering it when the
  // home lacks it); false after one warning saying why not.
  bool resolve_server(const std::string& name, const std::vector<runtime::AgentFileMcpServer>& servers,
                      std::vector<std::string>& warnings, std::vector<std::string>& registered);

  McpAgentTools& tools_;
  McpServerRegistry registry_;
};

}  // namespace memgpt::mcp
