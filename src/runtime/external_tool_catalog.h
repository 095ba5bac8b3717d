// Where an agent file's MCP tools come from and go to. Other MCP servers and the tools attached
// from them live in mcp/, above runtime/, so the agent file service sees them only through this
// interface; the app (cli/, server/) injects mcp/'s implementation.
#pragma once

#include <string>
#include <vector>

#include "runtime/agent_file.h"
#include "util/status.h"

namespace memgpt::runtime {

struct ExternalToolsOfAgent {
  std::vector<AgentFileMcpTool> tools;
  std::vector<AgentFileMcpServer> servers;  // those the tools name (ids left empty)
};

class ExternalToolCatalog {
 public:
  virtual ~ExternalToolCatalog() = default;
  // The agent's attached tools and their servers, secrets as null.
  virtual Result<ExternalToolsOfAgent> export_tools(const std::string& agent_id) const = 0;
  // Gives the agent `tools`: a tool's server is the registered one of that name when its
  // configuration is the file's (or the file does not describe it); a server the home does not
  // have is registered when the file holds all it needs (no secret left out). Nothing is
  // started. Each tool or server not honoured is one line in `warnings`; each server
  // registered, one line in `registered`.
  virtual void import_tools(const std::string& agent_id, const std::vector<AgentFileMcpTool>& tools,
                            const std::vector<AgentFileMcpServer>& servers,
                            std::vector<std::string>& warnings, std::vector<std::string>& registered) = 0;
};

}  // namespace memgpt::runtime
