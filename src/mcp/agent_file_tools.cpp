#include "mcp/agent_file_tools.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace memgpt::mcp {
namespace {

Json secret_names(const std::map<std::string, std::string>& secrets) {
  Json out = Json::object();
  for (const auto& entry : secrets) out[entry.first] = nullptr;
  return out;
}

// Values of `from[key]` into `into` (a null value is a left-out secret: its name goes to
// `scrubbed`).
Status merge_secrets(const Json& from, const char* key, Json& into, std::vector<std::string>& scrubbed) {
  if (!from.is_object() || !from.contains(key) || from[key].is_null()) return {};
  if (!from[key].is_object()) return invalid_argument(fmt::format("'{}' must be an object", key));
  for (const auto& [name, value] : from[key].items()) {
    if (value.is_null()) scrubbed.push_back(name);
    else into[name] = value;
  }
  return {};
}

std::string string_or_empty(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

bool same_server(const McpServerConfig& a, const McpServerConfig& b) {
  return a.type == b.type && a.command == b.command && a.args == b.args && a.url == b.url;
}

std::string where_of(const McpServerConfig& c) {
  return c.type == "stdio" ? fmt::format("{}{}{}", c.command, c.args.empty() ? "" : " ", fmt::join(c.args, " "))
                           : c.url;
}

}  // namespace

Json agent_file_server_json(const McpServerConfig& c) {
  Json j = {{"server_type", c.type}, {"server_name", c.name}, {"server_url", nullptr}, {"stdio_config", nullptr},
            {"metadata_", nullptr}};
  if (c.type == "stdio") {
    j["stdio_config"] = {{"server_name", c.name}, {"type", "stdio"}, {"command", c.command}, {"args", c.args}};
    if (!c.env.empty()) j["env"] = secret_names(c.env);
  } else {
    j["server_url"] = c.url;
    if (!c.headers.empty()) j["custom_headers"] = secret_names(c.headers);
  }
  return j;
}

Result<McpServerConfig> config_from_agent_file(const Json& d, std::vector<std::string>& scrubbed) {
  if (!d.is_object()) return invalid_argument("an MCP server must be an object");
  std::string type = string_or_empty(d, "server_type");
  if (type.empty()) type = string_or_empty(d, "type");
  if (type == "sse") return invalid_argument("it is an SSE server, which memgpt does not connect to (stdio or streamable_http)");
  Json flat = {{"server_name", string_or_empty(d, "server_name")}, {"type", type}};
  if (d.contains("server_url") && d["server_url"].is_string()) flat["server_url"] = d["server_url"];
  Json stdio = d.contains("stdio_config") && d["stdio_config"].is_object() ? d["stdio_config"] : Json::object();
  for (const char* key : {"command", "args"}) {
    if (stdio.contains(key)) flat[key] = stdio[key];
    else if (d.contains(key)) flat[key] = d[key];
  }
  Json env = Json::object(), headers = Json::object();
  MEMGPT_RETURN_IF_ERROR(merge_secrets(stdio, "env", env, scrubbed));
  MEMGPT_RETURN_IF_ERROR(merge_secrets(d, "env", env, scrubbed));
  MEMGPT_RETURN_IF_ERROR(merge_secrets(d, "custom_headers", headers, scrubbed));
  flat["env"] = env;
  flat["custom_headers"] = headers;
  return config_from_json(flat);
}

Result<runtime::ExternalToolsOfAgent> McpToolCatalog::export_tools(const std::string& agent_id) const {
  MEMGPT_ASSIGN_OR_RETURN(auto attached, tools_.list(agent_id));
  runtime::ExternalToolsOfAgent out;
  std::set<std::string> servers;
  for (const auto& t : attached) {
    out.tools.push_back({t.server, t.tool, t.description, t.input_schema, static_cast<int64_t>(t.timeout.count())});
    if (!servers.insert(t.server).second) continue;
    auto config = registry_.get(t.server);
    // A server removed since its tools were attached: the tools still name it.
    if (config.ok()) out.servers.push_back({"", t.server, agent_file_server_json(*config)});
  }
  return out;
}

bool McpToolCatalog::resolve_server(const std::string& name, const std::vector<runtime::AgentFileMcpServer>& servers,
                                    std::vector<std::string>& warnings,
                                    std::vector<std::string>& registered) {
  auto described = std::find_if(servers.begin(), servers.end(), [&](const auto& s) { return s.name == name; });
  auto here = registry_.get(name);
  if (described == servers.end()) {
    if (here.ok()) return true;
    warnings.push_back(fmt::format("MCP server '{}' is not registered here and the file does not describe it: its tools "
                                   "are not attached (memgpt mcp add {} ..., then memgpt mcp attach)",
                                   name, name));
    return false;
  }
  std::vector<std::string> scrubbed;
  auto config = config_from_agent_file(described->definition, scrubbed);
  if (!config.ok()) {
    warnings.push_back(fmt::format("MCP server '{}' ({}) is not imported: {}", described->id, name, config.status().message()));
    return false;
  }
  if (here.ok()) {
    if (same_server(*here, *config)) return true;  // its secrets, if any, are this home's
    warnings.push_back(fmt::format("MCP server '{}' is registered here as {}, the file's is {}: its tools are not "
                                   "attached",
                                   name, where_of(*here), where_of(*config)));
    return false;
  }
  if (!scrubbed.empty()) {
    warnings.push_back(fmt::format("MCP server '{}' is not registered: the file leaves out {} (secrets are never "
                                   "written); register it with them (memgpt mcp add {} ...) and import again",
                                   name, fmt::join(scrubbed, ", "), name));
    return false;
  }
  if (Status added = registry_.add(*config); !added.ok()) {
    warnings.push_back(fmt::format("MCP server '{}' is not registered: {}", name, added.message()));
    return false;
  }
  registered.push_back(fmt::format("MCP server '{}' ({})", name, where_of(*config)));
  return true;
}

void McpToolCatalog::import_tools(const std::string& agent_id, const std::vector<runtime::AgentFileMcpTool>& tools,
                                  const std::vector<runtime::AgentFileMcpServer>& servers,
                                  std::vector<std::string>& warnings, std::vector<std::string>& registered) {
  std::map<std::string, bool> usable;  // server name -> resolved
  for (const auto& t : tools) {
    auto [it, fresh] = usable.emplace(t.server, false);
    if (fresh) it->second = resolve_server(t.server, servers, warnings, registered);
    if (!it->second) continue;
    AttachedTool tool{t.server, t.name, t.description, t.input_schema.is_object() ? t.input_schema : Json::object(),
                      t.timeout_ms > 0 ? std::chrono::milliseconds(t.timeout_ms) : kDefaultToolTimeout};
    if (Status attached = tools_.attach_known(agent_id, tool); !attached.ok()) {
      warnings.push_back(fmt::format("MCP tool {} is not attached: {}", tool_id(t.server, t.name), attached.message()));
    }
  }
}

}  // namespace memgpt::mcp
