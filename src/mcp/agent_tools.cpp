#include "mcp/agent_tools.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/functions.h"
#include "util/files.h"

namespace memgpt::mcp {
namespace {

constexpr const char* kIdPrefix = "mcp:";

Json tool_json(const AttachedTool& t) {
  return {{"server", t.server}, {"tool", t.tool}, {"description", t.description}, {"input_schema", t.input_schema},
          {"timeout_ms", t.timeout.count()}};
}

Result<AttachedTool> tool_from_json(const Json& j) {
  if (!j.is_object() || !j.contains("server") || !j["server"].is_string() || !j.contains("tool") ||
      !j["tool"].is_string()) {
    return corrupt("an attached tool lacks its server or name");
  }
  AttachedTool t;
  t.server = j["server"].get<std::string>();
  t.tool = j["tool"].get<std::string>();
  if (j.contains("description") && j["description"].is_string()) t.description = j["description"].get<std::string>();
  t.input_schema = j.contains("input_schema") && j["input_schema"].is_object() ? j["input_schema"] : Json::object();
  if (j.contains("timeout_ms") && j["timeout_ms"].is_number_integer() && j["timeout_ms"].get<int64_t>() > 0) {
    t.timeout = std::chrono::milliseconds(j["timeout_ms"].get<int64_t>());
  }
  return t;
}

}  // namespace

std::string tool_id(const std::string& server, const std::string& tool) {
  return fmt::format("{}{}:{}", kIdPrefix, server, tool);
}

Result<std::pair<std::string, std::string>> parse_tool_id(const std::string& id) {
  // Server names have no ':' (see check_config), so the first one after the prefix ends it.
  size_t at = id.rfind(kIdPrefix, 0) == 0 ? id.find(':', 4) : std::string::npos;
  if (at == std::string::npos || at == 4 || at + 1 == id.size()) {
    return invalid_argument(fmt::format("'{}' is not an MCP tool id (mcp:SERVER:TOOL)", id));
  }
  return std::pair{id.substr(4, at - 4), id.substr(at + 1)};
}

McpAgentTools::McpAgentTools(McpServerRegistry registry, std::string path)
    : registry_(std::move(registry)), path_(std::move(path)) {}

std::string McpAgentTools::default_path() { return memgpt_home() + "/mcp_attachments.json"; }

Result<Json> McpAgentTools::load() const {
  if (!path_exists(path_)) return Json({{"agents", Json::object()}});
  MEMGPT_ASSIGN_OR_RETURN(std::string text, read_file(path_));
  auto parsed = parse_json(text, display_path(path_));
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object() || !parsed->contains("agents") || !(*parsed)["agents"].is_object()) {
    return corrupt(fmt::format("{} is not a list of attached MCP tools: fix or remove it", display_path(path_)));
  }
  return std::move(*parsed);
}

Status McpAgentTools::save(const Json& all) const { return write_file_atomic(path_, all.dump(2) + "\n", 0600); }

Result<std::vector<AttachedTool>> McpAgentTools::list(const std::string& agent_id) const {
  MEMGPT_ASSIGN_OR_RETURN(Json all, load());
  std::vector<AttachedTool> tools;
  const Json& agents = all["agents"];
  if (!agents.contains(agent_id) || !agents[agent_id].is_array()) return tools;
  for (const auto& j : agents[agent_id]) {
    auto t = tool_from_json(j);
    if (!t.ok()) return corrupt(fmt::format("{}: {}", display_path(path_), t.status().message()));
    tools.push_back(std::move(*t));
  }
  return tools;
}

Result<std::vector<RemoteTool>> McpAgentTools::server_tools(const std::string& server,
                                                            std::chrono::milliseconds timeout) const {
  MEMGPT_ASSIGN_OR_RETURN(McpServerConfig config, registry_.get(server));
  return make_mcp_client(config, timeout)->list_tools();
}

Status McpAgentTools::check_new_name(const std::string& agent_id, const std::string& server,
                                     const std::string& tool) const {
  if (agent::is_builtin_function(tool)) {
    return already_exists(fmt::format("'{}' is the name of a built-in function: it cannot be attached", tool));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto existing, list(agent_id));
  for (const auto& t : existing) {
    if (t.tool == tool) {
      return already_exists(t.server == server
                                ? fmt::format("{} is already attached", tool_id(server, tool))
                                : fmt::format("the agent already has a tool named '{}' (from MCP server '{}')", tool, t.server));
    }
  }
  return {};
}

Result<AttachedTool> McpAgentTools::attach(const std::string& agent_id, const std::string& server,
                                           const std::string& tool, std::chrono::milliseconds timeout) {
  MEMGPT_RETURN_IF_ERROR(check_new_name(agent_id, server, tool));
  MEMGPT_ASSIGN_OR_RETURN(auto tools, server_tools(server, timeout));
  auto it = std::find_if(tools.begin(), tools.end(), [&](const RemoteTool& t) { return t.name == tool; });
  if (it == tools.end()) return not_found(fmt::format("MCP server '{}' has no tool '{}'", server, tool));
  AttachedTool attached{server, tool, it->description,
                        it->input_schema.is_object() ? it->input_schema : Json::object(), timeout};
  MEMGPT_RETURN_IF_ERROR(store(agent_id, attached));
  return attached;
}

Status McpAgentTools::attach_known(const std::string& agent_id, const AttachedTool& tool) {
  MEMGPT_RETURN_IF_ERROR(check_new_name(agent_id, tool.server, tool.tool));
  MEMGPT_RETURN_IF_ERROR(registry_.get(tool.server).status());
  return store(agent_id, tool);
}

Status McpAgentTools::store(const std::string& agent_id, const AttachedTool& tool) {
  MEMGPT_ASSIGN_OR_RETURN(Json all, load());
  all["agents"][agent_id].push_back(tool_json(tool));
  return save(all);
}

Status McpAgentTools::detach(const std::string& agent_id, const std::string& server, const std::string& tool) {
  MEMGPT_ASSIGN_OR_RETURN(Json all, load());
  Json& agents = all["agents"];
  if (agents.contains(agent_id) && agents[agent_id].is_array()) {
    Json& list = agents[agent_id];
    for (auto it = list.begin(); it != list.end(); ++it) {
      if (it->value("server", "") == server && it->value("tool", "") == tool) {
        list.erase(it);
        if (list.empty()) agents.erase(agent_id);
        return save(all);
      }
    }
  }
  return not_found(fmt::format("{} is not attached to this agent", tool_id(server, tool)));
}

Status McpAgentTools::forget_agent(const std::string& agent_id) {
  MEMGPT_ASSIGN_OR_RETURN(Json all, load());
  if (all["agents"].erase(agent_id) == 0) return {};
  return save(all);
}

std::vector<agent::ExternalFunction> McpAgentTools::attached(const std::string& agent_id) const {
  std::vector<agent::ExternalFunction> out;
  auto tools = list(agent_id);
  if (!tools.ok()) return out;  // an unreadable file shows up in `memgpt mcp attached` and attach
  for (auto& t : *tools) out.push_back({t.tool, t.description, t.input_schema});
  return out;
}

agent::FunctionResult McpAgentTools::call(const std::string& agent_id, const std::string& name, const Json& args) {
  auto tools = list(agent_id);
  if (!tools.ok()) return {false, fmt::format("the attached tools cannot be read ({})", tools.status().message())};
  auto it = std::find_if(tools->begin(), tools->end(), [&](const AttachedTool& t) { return t.tool == name; });
  if (it == tools->end()) return {false, fmt::format("No function named '{}'.", name)};
  auto config = registry_.get(it->server);
  if (!config.ok()) return {false, config.status().message()};
  auto result = make_mcp_client(*config, it->timeout)->call_tool(name, args.is_object() ? args : Json::object());
  if (!result.ok()) return {false, result.status().message()};
  if (result->is_error) {
    return {false, result->text.empty() ? fmt::format("the tool '{}' reported an error", name) : result->text};
  }
  return {true, result->text};
}

}  // namespace memgpt::mcp
