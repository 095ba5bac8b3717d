#include "cli/mcp_agent_tools.h"

#include <fmt/format.h>

#include <sstream>

#include "cli/term.h"

namespace memgpt::cli {
namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// SERVER TOOL, or one id mcp:SERVER:TOOL.
Result<std::pair<std::string, std::string>> server_and_tool(const std::vector<std::string>& words,
                                                            const std::string& verb) {
  if (words.size() == 3) return std::pair{words[1], words[2]};
  if (words.size() == 2) {
    auto parsed = mcp::parse_tool_id(words[1]);
    if (parsed.ok()) return parsed;
  }
  return invalid_argument(fmt::format("usage: /mcp {} SERVER TOOL (`/mcp tools SERVER` lists a server's tools)", verb));
}

}  // namespace

std::string attached_message(const mcp::AttachedTool& tool, const std::string& agent_name) {
  return fmt::format("Attached {} to agent '{}' (the model calls it as '{}').", mcp::tool_id(tool.server, tool.tool),
                     agent_name, tool.tool);
}

std::string detached_message(const std::string& server, const std::string& tool, const std::string& agent_name) {
  return fmt::format("Detached {} from agent '{}'.", mcp::tool_id(server, tool), agent_name);
}

void print_servers(const std::vector<mcp::McpServerConfig>& servers, bool json) {
  if (json) {
    Json out = Json::array();
    for (const auto& s : servers) out.push_back(mcp::config_json(s, false));
    fmt::print("{}\n", out.dump(2));
    return;
  }
  if (servers.empty()) {
    fmt::print("No MCP servers registered (memgpt mcp add NAME -- COMMAND, or --url URL).\n");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : servers) {
    std::string where = s.type == "stdio" ? fmt::format("{} {}", s.command, fmt::join(s.args, " ")) : s.url;
    rows.push_back({s.name, s.type, truncate_cell(where, 60)});
  }
  print_table({"Name", "Type", "Command / URL"}, rows);
}

void print_attached_tools(const std::vector<mcp::AttachedTool>& tools, bool json, const std::string& none) {
  if (json) {
    Json out = Json::array();
    for (const auto& t : tools) {
      out.push_back({{"id", mcp::tool_id(t.server, t.tool)}, {"server", t.server}, {"name", t.tool},
                     {"description", t.description}, {"inputSchema", t.input_schema}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  if (tools.empty()) {
    fmt::print("{}\n", none);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tools) rows.push_back({t.tool, t.server, truncate_cell(t.description, 60)});
  print_table({"Tool", "Server", "Description"}, rows);
}

void print_server_tools(const std::vector<mcp::RemoteTool>& tools, const std::string& server, bool json) {
  if (json) {
    Json out = Json::array();
    for (const auto& t : tools) out.push_back({{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
    fmt::print("{}\n", out.dump(2));
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : tools) rows.push_back({t.name, truncate_cell(t.description, 70)});
  if (rows.empty()) fmt::print("MCP server '{}' offers no tools.\n", server);
  else print_table({"Tool", "Description"}, rows);
}

Status run_mcp_repl_command(mcp::McpAgentTools& tools, const std::string& agent_id, const std::string& agent_name,
                            const std::string& args) {
  std::vector<std::string> words = words_of(args);
  const std::string verb = words.empty() ? "attached" : words[0];
  if (verb == "attached" && words.size() <= 1) {
    MEMGPT_ASSIGN_OR_RETURN(auto attached, tools.list(agent_id));
    print_attached_tools(attached, false,
                         fmt::format("Agent '{}' has no MCP tools (/mcp attach SERVER TOOL).", agent_name));
    return {};
  }
  if (verb == "servers" && words.size() == 1) {
    MEMGPT_ASSIGN_OR_RETURN(auto servers, mcp::McpServerRegistry().list());
    print_servers(servers, false);
    return {};
  }
  if (verb == "tools") {
    if (words.size() != 2) return invalid_argument("usage: /mcp tools SERVER (`/mcp servers` lists them)");
    MEMGPT_ASSIGN_OR_RETURN(auto offered, tools.server_tools(words[1]));
    print_server_tools(offered, words[1], false);
    return {};
  }
  if (verb == "attach") {
    MEMGPT_ASSIGN_OR_RETURN(auto which, server_and_tool(words, verb));
    MEMGPT_ASSIGN_OR_RETURN(auto tool, tools.attach(agent_id, which.first, which.second));
    fmt::print("{}\n", attached_message(tool, agent_name));
    return {};
  }
  if (verb == "detach") {
    MEMGPT_ASSIGN_OR_RETURN(auto which, server_and_tool(words, verb));
    MEMGPT_RETURN_IF_ERROR(tools.detach(agent_id, which.first, which.second));
    fmt::print("{}\n", detached_message(which.first, which.second, agent_name));
    return {};
  }
  return invalid_argument(
      fmt::format("unknown /mcp command '{}' (known: attached, servers, tools, attach, detach)", args));
}

const std::vector<std::pair<std::string, std::string>>& mcp_repl_help() {
  static const std::vector<std::pair<std::string, std::string>> help = {
      {"/mcp", "list the MCP tools attached to this agent"},
      {"/mcp servers", "list the registered MCP servers (memgpt mcp add)"},
      {"/mcp tools SRV", "list the tools an MCP server offers"},
      {"/mcp attach SRV TOOL", "give the agent an MCP server's tool"},
      {"/mcp detach SRV TOOL", "take an MCP tool away from the agent"},
  };
  return help;
}

}  // namespace memgpt::cli
