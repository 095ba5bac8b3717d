#include "mcp/server_registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/files.h"

namespace memgpt::mcp {

McpServerRegistry::McpServerRegistry(std::string path) : path_(std::move(path)) {}

std::string McpServerRegistry::default_path() { return memgpt_home() + "/mcp_servers.json"; }

Result<std::vector<McpServerConfig>> McpServerRegistry::list() const {
  if (!path_exists(path_)) return std::vector<McpServerConfig>{};
  MEMGPT_ASSIGN_OR_RETURN(std::string text, read_file(path_));
  auto parsed = parse_json(text, display_path(path_));
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object() || !(*parsed)["servers"].is_array()) {
    return corrupt(fmt::format("{} is not a list of MCP servers: fix or remove it", display_path(path_)));
  }
  std::vector<McpServerConfig> servers;
  for (const auto& s : (*parsed)["servers"]) {
    auto config = config_from_json(s);
    if (!config.ok()) return corrupt(fmt::format("{}: {}", display_path(path_), config.status().message()));
    servers.push_back(std::move(*config));
  }
  return servers;
}

Result<McpServerConfig> McpServerRegistry::get(const std::string& name) const {
  MEMGPT_ASSIGN_OR_RETURN(auto servers, list());
  std::vector<std::string> names;
  for (auto& s : servers) {
    if (s.name == name) return std::move(s);
    names.push_back(s.name);
  }
  return not_found(names.empty() ? fmt::format("no MCP server '{}' (none registered: memgpt mcp add)", name)
                                 : fmt::format("no MCP server '{}' (registered: {})", name, fmt::join(names, ", ")));
}

Status McpServerRegistry::add(const McpServerConfig& config) {
  MEMGPT_RETURN_IF_ERROR(check_config(config));
  MEMGPT_ASSIGN_OR_RETURN(auto servers, list());
  for (const auto& s : servers) {
    if (s.name == config.name) return already_exists(fmt::format("an MCP server named '{}' is already registered", config.name));
  }
  servers.push_back(config);
  return save(servers);
}

Status McpServerRegistry::remove(const std::string& name) {
  MEMGPT_ASSIGN_OR_RETURN(auto servers, list());
  auto it = std::find_if(servers.begin(), servers.end(), [&](const auto& s) { return s.name == name; });
  if (it == servers.end()) return not_found(fmt::format("no MCP server '{}'", name));
  servers.erase(it);
  return save(servers);
}

Status McpServerRegistry::save(const std::vector<McpServerConfig>& servers) const {
  Json list = Json::array();
  for (const auto& s : servers) list.push_back(config_json(s, true));
  return write_file_atomic(path_, Json({{"servers", list}}).dump(2) + "\n", 0600);
}

}  // namespace memgpt::mcp
