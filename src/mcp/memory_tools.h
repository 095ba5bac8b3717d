// The tools `memgpt mcp` and the server's /mcp offer other assistants: an agent's memory
// (archival search and insert, conversation search, core memory read and edit), talking to the
// agent, and the user's agents and data sources. Each tool is a thin call of a runtime
// use-case (agent_service, memory_access, sources_service), the same ones the CLI and the REST
// routes use.
//
// Which agent: the tool's `agent` argument (a name or an id), else the default agent of the
// session (`memgpt mcp --agent NAME`). Only the session user's agents and sources are visible.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mcp/protocol.h"
#include "runtime/agent_service.h"
#include "runtime/runtime.h"

namespace memgpt::mcp {

struct MemoryToolsOptions {
  std::string user_id;
  std::string default_agent;  // name or id; empty: every agent tool needs `agent`
  // What the client may read of a failure (the server hides a backend's text).
  std::function<std::string(const Status&)> error_text;
};

class MemoryTools : public ToolProvider {
 public:
  // `app`, `archival` and `agents` must outlive this.
  MemoryTools(runtime::AppContext& app, runtime::Archival& archival, runtime::AgentService& agents,
              MemoryToolsOptions options);

  const std::vector<Tool>& tools() const override;
  ToolResult call(const std::string& name, const Json& arguments) override;

 private:
  Result<ToolResult> run(const std::string& name, const Json& arguments);
  Result<store::AgentRecord> agent_of(const Json& arguments);

  Result<ToolResult> list_agents();
  Result<ToolResult> list_sources();
  Result<ToolResult> search_source(const Json& arguments);
  Result<ToolResult> archival_search(const Json& arguments);
  Result<ToolResult> archival_insert(const Json& arguments);
  Result<ToolResult> conversation_search(const Json& arguments);
  Result<ToolResult> core_memory_read(const Json& arguments);
  Result<ToolResult> core_memory_edit(const std::string& name, const Json& arguments);
  Result<ToolResult> send_message(const Json& arguments);

  runtime::AppContext& app_;
  runtime::Archival& archival_;
  runtime::AgentService& agents_;
  MemoryToolsOptions options_;
};

// How the tools are meant to be used, for initialize's `instructions`.
std::string memory_tools_instructions(const std::string& default_agent);

}  // namespace memgpt::mcp
