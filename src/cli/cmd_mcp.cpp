// `memgpt mcp`: this home's agents as an MCP server on stdio, for assistants that speak the
// Model Context Protocol (Claude Desktop, IDEs, any MCP client). Logs go to stderr only:
// stdout carries the protocol.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/context.h"
#include "config/config.h"
#include "mcp/memory_tools.h"
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
      "send_message. Client configuration: docs/mcp.md.");
  mcp->callback([] { serve_mcp_stdio(agent, lock_wait); });
}

}  // namespace memgpt::cli
