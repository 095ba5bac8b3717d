// `memgpt mcp`: this home's agents as an MCP server on stdio, for assistants that speak the
// Model Context Protocol (Claude Desktop, IDEs, any MCP client). Logs go to stderr only:
// stdout carries the protocol.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/mcp_agent_tools.h"
#include "cli/term.h"
#include "config/config.h"
#include "mcp/agent_tools.h"
#include "mcp/client.h"
#include "mcp/memory_tools.h"
#include "mcp/server_registry.h"
#include "mcp/stdio.h"
#include "runtime/agent_service.h"

namespace memgpt::cli {

namespace {

void serve_mcp_stdio(const std::string& agent_name, double lock_wait_s) {
  AppContext ctx = check(open_context());
  Archival archival = check(open_archival(ctx));
  if (!agent_name.empty()) check(ctx.store->get_agent_by_name(ctx.user_id, agent_name).status());
  runtime::AgentServiceOptions service_options;
  service_options.cache_capacity = 8;
  service_options.lock_wait = std::chrono::milliseconds(static_cast<int64_t>(lock_wait_s * 1000));
  runtime::AgentService agents(ctx, archival, service_options);
  mcp::MemoryTools tools(ctx, archival, agents, {ctx.user_id, agent_name, nullptr});
  mcp::Dispatcher dispatcher(tools, {"memgpt", "memgpt agents and memory", kMemgptVersion,
                                     mcp::memory_tools_instructions(agent_name)});
  fmt::print(stderr, "memgpt mcp: serving MCP on stdio{} (end of input stops it)\n",
             agent_name.empty() ? "" : fmt::format(" for agent '{}'", agent_name));
  std::ios::sync_with_stdio(false);
  mcp::serve_stdio(dispatcher, std::cin, std::cout);
}

// "NAME=value" / "Name: value" into a map entry.
void split_into(const std::string& text, char sep, std::map<std::string, std::string>& out, const char* what) {
  size_t at = text.find(sep);
  if (at == std::string::npos || at == 0) fail(fmt::format("{} '{}' must look like NAME{}VALUE", what, text, sep));
  std::string value = text.substr(at + 1);
  if (sep == ':' && !value.empty() && value[0] == ' ') value.erase(0, 1);
  out[text.substr(0, at)] = value;
}

void register_server_registry_commands(CLI::App* mcp) {
  auto* add = mcp->add_subcommand("add", "Register an MCP server whose tools agents may use");
  static std::string name, url;
  static std::vector<std::string> command, headers, env;
  add->add_option("name", name, "A name for the server (letters, digits, '_', '-')")->required();
  add->add_option("--url", url, "Streamable HTTP endpoint (http:// or https://)");
  add->add_option("--header", headers, "HTTP header 'Name: value' (repeatable)");
  add->add_option("--env", env, "Environment variable NAME=value for a stdio server (repeatable)");
  add->add_option("command", command, "The command that starts a stdio server, after --");
  add->footer("Examples:\n  memgpt mcp add files -- npx -y @modelcontextprotocol/server-filesystem /tmp\n"
              "  memgpt mcp add remote --url https://example.com/mcp --header 'Authorization: Bearer TOKEN'");
  add->callback([] {
    mcp::McpServerConfig c;
    c.name = name;
    if (!url.empty() == !command.empty()) fail("give either --url URL or a command after -- (not both)");
    if (!url.empty()) {
      c.type = "streamable_http";
      c.url = url;
      for (const auto& h : headers) split_into(h, ':', c.headers, "--header");
    } else {
      c.type = "stdio";
      c.command = command.front();
      c.args.assign(command.begin() + 1, command.end());
      for (const auto& e : env) split_into(e, '=', c.env, "--env");
    }
    check(mcp::McpServerRegistry().add(c));
    fmt::print("Registered MCP server '{}' ({}).\n", c.name, c.type == "stdio" ? c.command : c.url);
  });

  auto* list = mcp->add_subcommand("list", "List the registered MCP servers");
  static bool list_json = false;
  list->add_flag("--json", list_json, "Print JSON (secrets as null)");
  list->callback([] {
    print_servers(check(mcp::McpServerRegistry().list()), list_json);
  });

  auto* remove = mcp->add_subcommand("remove", "Unregister an MCP server");
  static std::string remove_name;
  remove->add_option("name", remove_name, "The server's name")->required();
  remove->callback([] {
    check(mcp::McpServerRegistry().remove(remove_name));
    fmt::print("Removed MCP server '{}'.\n", remove_name);
  });

  auto* tools = mcp->add_subcommand("tools", "List the tools a registered MCP server offers (starts or calls it)");
  static std::string tools_name;
  static bool tools_json = false;
  static double timeout_s = 30;
  tools->add_option("name", tools_name, "The server's name")->required();
  tools->add_flag("--json", tools_json, "Print JSON (name, description, inputSchema)");
  tools->add_option("--timeout", timeout_s, "Seconds to wait for the server")->capture_default_str()->check(CLI::Range(1.0, 3600.0));
  tools->callback([] {
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    print_server_tools(check(mcp::McpAgentTools().server_tools(tools_name, timeout)), tools_name, tools_json);
  });
}

std::string agent_id_named(const std::string& name) {
  AppContext ctx = check(open_context());
  return check(ctx.store->get_agent_by_name(ctx.user_id, name)).id;
}

void register_attach_commands(CLI::App* mcp) {
  auto* attach = mcp->add_subcommand("attach", "Attach a registered MCP server's tool to an agent (the model can call it)");
  static std::string attach_agent, attach_server, attach_tool;
  static double attach_timeout_s = 30;
  attach->add_option("--agent", attach_agent, "The agent's name")->required();
  attach->add_option("server", attach_server, "The registered MCP server")->required();
  attach->add_option("tool", attach_tool, "The tool's name (memgpt mcp tools SERVER lists them)")->required();
  attach->add_option("--timeout", attach_timeout_s, "Seconds each call may take before it fails")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 3600.0));
  attach->callback([] {
    std::string id = agent_id_named(attach_agent);
    auto timeout = std::chrono::milliseconds(static_cast<int64_t>(attach_timeout_s * 1000));
    auto tool = check(mcp::McpAgentTools().attach(id, attach_server, attach_tool, timeout));
    fmt::print("{}\n", attached_message(tool, attach_agent));
  });

  auto* detach = mcp->add_subcommand("detach", "Detach an MCP tool from an agent");
  static std::string detach_agent, detach_server, detach_tool;
  detach->add_option("--agent", detach_agent, "The agent's name")->required();
  detach->add_option("server", detach_server, "The MCP server")->required();
  detach->add_option("tool", detach_tool, "The tool's name")->required();
  detach->callback([] {
    check(mcp::McpAgentTools().detach(agent_id_named(detach_agent), detach_server, detach_tool));
    fmt::print("{}\n", detached_message(detach_server, detach_tool, detach_agent));
  });

  auto* attached = mcp->add_subcommand("attached", "List the MCP tools attached to an agent");
  static std::string attached_agent;
  static bool attached_json = false;
  attached->add_option("--agent", attached_agent, "The agent's name")->required();
  attached->add_flag("--json", attached_json, "Print JSON (id, server, name, description, inputSchema)");
  attached->callback([] {
    print_attached_tools(check(mcp::McpAgentTools().list(agent_id_named(attached_agent))), attached_json,
                         fmt::format("Agent '{}' has no MCP tools (memgpt mcp attach --agent NAME SERVER TOOL).",
                                     attached_agent));
  });
}

}  // namespace

void register_mcp_commands(CLI::App& app) {
  auto* mcp = app.add_subcommand("mcp", "Serve this home's agents and memory to MCP clients on stdio (Model Context Protocol)");
  static std::string agent;
  static double lock_wait = 120;
  mcp->add_option("--agent", agent, "The agent the tools act on when a call names none");
  mcp->add_option("--lock-wait", lock_wait, "Seconds to wait for an agent busy in another process")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  mcp->footer(
      "Reads JSON-RPC messages, one per line, on stdin and answers on stdout (MCP revision 2025-06-18; 2025-03-26\n"
      "too). Tools: list_agents, list_sources, search_source, archival_memory_search, archival_memory_insert,\n"
      "conversation_search, core_memory_read, core_memory_append, core_memory_replace, core_memory_set,\n"
      "send_message. Client configuration: docs/mcp.md.\n"
      "Subcommands register other MCP servers (memgpt mcp add|list|remove|tools) and attach their tools to\n"
      "agents (memgpt mcp attach|detach|attached).");
  register_server_registry_commands(mcp);
  register_attach_commands(mcp);
  mcp->require_subcommand(0, 1);
  // Without a subcommand `memgpt mcp` is the server.
  mcp->callback([mcp] {
    if (mcp->get_subcommands().empty()) serve_mcp_stdio(agent, lock_wait);
  });
}

}  // namespace memgpt::cli
