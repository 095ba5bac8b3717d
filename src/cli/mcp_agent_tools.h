// Other MCP servers' tools on an agent, as the terminal shows them: `memgpt mcp attach|detach|
// attached|tools` and the REPL's /mcp commands print through these, and both act through
// mcp::McpAgentTools (the service the server's PATCH .../tools/attach route uses too).
#pragma once

#include <string>
#include <vector>

#include "mcp/agent_tools.h"
#include "util/status.h"

namespace memgpt::cli {

std::string attached_message(const mcp::AttachedTool& tool, const std::string& agent_name);
std::string detached_message(const std::string& server, const std::string& tool, const std::string& agent_name);
// The registered servers: a table (or JSON in Letta's shapes, secrets as null).
void print_servers(const std::vector<mcp::McpServerConfig>& servers, bool json);
// A table (or JSON: id, server, name, description, inputSchema); `none` is printed when empty.
void print_attached_tools(const std::vector<mcp::AttachedTool>& tools, bool json, const std::string& none);
// A table (or JSON: name, description, inputSchema) of what a server offers.
void print_server_tools(const std::vector<mcp::RemoteTool>& tools, const std::string& server, bool json);

// The REPL's `/mcp ...` (the text after "/mcp"): attached (also with nothing), servers,
// tools SERVER, attach SERVER TOOL, detach SERVER TOOL (a tool may also be given as its id,
// mcp:SERVER:TOOL). A failure is one line for the caller to print.
Status run_mcp_repl_command(mcp::McpAgentTools& tools, const std::string& agent_id, const std::string& agent_name,
                            const std::string& args);
// Help lines for /help: (usage, description).
const std::vector<std::pair<std::string, std::string>>& mcp_repl_help();

}  // namespace memgpt::cli
