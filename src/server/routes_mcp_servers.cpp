// The home's MCP servers, in both of Letta's API generations, one implementation behind them:
//   /v1/tools/mcp/servers: GET (an object by name), PUT (register), DELETE .../{name},
//   GET .../{name}/tools;
//   /v1/mcp-servers (the routes of Letta's current clients, e.g. client.mcpServers in
//   @letta-ai/letta-client 1.x): GET (a list), POST {server_name, config}, GET/DELETE .../{id},
//   GET .../{id}/tools (Letta's Tool objects). A server's id here is its name.
// Registering one means running a command (stdio) or calling a URL from this host, so only the
// operator may (403 otherwise); answers never show secrets (env and header values are null).
// Attaching a server's tool to an agent: PATCH /v1/agents/{id}/tools/attach/{tool_id} and
// .../detach/{tool_id}, tool ids "mcp:SERVER:TOOL"; the answer is the agent, its tools included.
#include <fmt/format.h>

#include "mcp/agent_tools.h"
#include "mcp/client.h"
#include "mcp/server_registry.h"
#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {
namespace {

ApiResult<Ok> operator_only(const Caller& c) {
  if (!c.is_operator) return ApiError{403, "only the server's operator (the server password) may manage MCP servers", ""};
  return Ok{};
}

// The MCP server's failure, in our words (its own error text stays in our log): 502.
ApiError server_failure(const std::string& server, const Status& status, const char* during) {
  fmt::print(stderr, "MCP server '{}': {}\n", server, log_line(status.message()));
  bool refused = status.code() == ErrorCode::kFailedPrecondition;
  return ApiError{502, refused ? fmt::format("MCP server '{}' refused {}", server, during) : status.message(), ""};
}

// --- the use-cases, shared by both route families ---

ApiResult<std::vector<mcp::McpServerConfig>> registered_servers(const Caller& c) {
  API_CHECK(operator_only(c));
  API_ASSIGN_OR_RETURN(auto servers, mcp::McpServerRegistry().list());
  return servers;
}

// `letta_config`: Letta's create shape ({server_name, type, command, args, env} or
// {server_name, type, server_url, custom_headers}).
ApiResult<mcp::McpServerConfig> register_server(const Caller& c, const Json& letta_config) {
  API_CHECK(operator_only(c));
  auto config = mcp::config_from_json(letta_config);
  if (!config.ok()) return invalid("server_name", config.status().message());
  API_CHECK(mcp::McpServerRegistry().add(*config));  // a taken name: 409
  return *config;
}

ApiResult<Ok> remove_server(const Caller& c, const std::string& name) {
  API_CHECK(operator_only(c));
  API_CHECK(mcp::McpServerRegistry().remove(name));  // unknown: 404
  return Ok{};
}

ApiResult<std::vector<mcp::RemoteTool>> server_tools(ServerContext& s, const Caller& c, const std::string& name) {
  API_CHECK(operator_only(c));
  auto tools = s.mcp_tools.server_tools(name);
  if (tools.ok()) return std::move(*tools);
  if (tools.status().code() == ErrorCode::kNotFound || tools.status().code() == ErrorCode::kCorrupt) {
    API_CHECK(tools.status());
  }
  return server_failure(name, tools.status(), "tools/list");
}

ApiResult<http::Response> attach_tool(ServerContext& s, const Caller& c, const std::string& agent_id,
                                      const std::string& id, bool attach) {
  API_CHECK(operator_only(c));
  API_ASSIGN_OR_RETURN(store::AgentRecord agent, s.agent_of(c, agent_id));
  auto parsed = mcp::parse_tool_id(id);
  if (!parsed.ok()) return not_found_error(fmt::format("tool '{}' not found (MCP tool ids are mcp:SERVER:TOOL)", id));
  const auto& [server, tool] = *parsed;
  if (!attach) {
    API_CHECK(s.mcp_tools.detach(agent.id, server, tool));
  } else {
    auto attached = s.mcp_tools.attach(agent.id, server, tool);
    bool server_failed = !attached.ok() && attached.status().code() != ErrorCode::kNotFound &&
                         attached.status().code() != ErrorCode::kAlreadyExists &&
                         attached.status().code() != ErrorCode::kCorrupt;
    if (server_failed) return server_failure(server, attached.status(), "tools/list");
    API_CHECK(attached.status());
  }
  API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
  return json_response(view);
}

// --- the views of /v1/mcp-servers ---

// Letta's StdioMcpServer / StreamableHTTPMcpServer, secrets as null.
Json server_view(const mcp::McpServerConfig& config) {
  Json j = mcp::config_json(config, false);
  j["id"] = config.name;
  j["mcp_server_type"] = j["type"];
  j.erase("type");
  return j;
}

// {server_name, config: {mcp_server_type, command, args, env | server_url, custom_headers,
// auth_header, auth_token}} as the create shape of /v1/tools/mcp/servers.
ApiResult<Json> create_request(const Json& body) {
  if (!body.is_object() || !body.contains("config") || !body["config"].is_object()) {
    return invalid("config", "give the server's 'config' (mcp_server_type, command and args, or server_url)");
  }
  Json flat = body["config"];
  flat["server_name"] = body.value("server_name", Json(nullptr));
  if (flat.contains("mcp_server_type")) {
    flat["type"] = flat["mcp_server_type"];
    flat.erase("mcp_server_type");
  }
  // Letta's auth_header/auth_token pair is one more header.
  if (flat.contains("auth_header") && flat["auth_header"].is_string() && flat.contains("auth_token") &&
      flat["auth_token"].is_string()) {
    if (!flat.contains("custom_headers") || !flat["custom_headers"].is_object()) flat["custom_headers"] = Json::object();
    flat["custom_headers"][flat["auth_header"].get<std::string>()] = flat["auth_token"];
  }
  flat.erase("auth_header");
  flat.erase("auth_token");
  return flat;
}

void add_legacy_routes(ServerContext& s) {
  auto all_as_list = [](const std::vector<mcp::McpServerConfig>& servers) {
    Json out = Json::array();
    for (const auto& server : servers) out.push_back(mcp::config_json(server, false));
    return out;
  };
  s.route("GET", {"/v1"}, "/tools/mcp/servers", [](auto&, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto servers, registered_servers(c));
    Json out = Json::object();
    for (const auto& server : servers) out[server.name] = mcp::config_json(server, false);
    return json_response(out);
  });
  s.route("PUT", {"/v1"}, "/tools/mcp/servers", [all_as_list](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json body, parse_body(q));
    API_CHECK(register_server(c, body));
    API_ASSIGN_OR_RETURN(auto servers, registered_servers(c));
    return json_response(all_as_list(servers));
  });
  s.route("DELETE", {"/v1"}, "/tools/mcp/servers/*", [all_as_list](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(remove_server(c, q.params[0]));
    API_ASSIGN_OR_RETURN(auto servers, registered_servers(c));
    return json_response(all_as_list(servers));
  });
  s.route("GET", {"/v1"}, "/tools/mcp/servers/*/tools", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto tools, server_tools(s, c, q.params[0]));
    Json out = Json::array();
    for (const auto& t : tools) out.push_back({{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
    return json_response(out);
  });
}

void add_current_routes(ServerContext& s) {
  s.route("GET", {"/v1"}, "/mcp-servers", [](auto&, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto servers, registered_servers(c));
    Json out = Json::array();
    for (const auto& server : servers) out.push_back(server_view(server));
    return json_response(out);
  });
  s.route("POST", {"/v1"}, "/mcp-servers", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json body, parse_body(q));
    API_ASSIGN_OR_RETURN(Json request, create_request(body));
    API_ASSIGN_OR_RETURN(mcp::McpServerConfig config, register_server(c, request));
    return json_response(server_view(config));
  });
  s.route("GET", {"/v1"}, "/mcp-servers/*", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto servers, registered_servers(c));
    for (const auto& server : servers) {
      if (server.name == q.params[0]) return json_response(server_view(server));
    }
    return not_found_error(fmt::format("no MCP server '{}'", q.params[0]));
  });
  s.route("DELETE", {"/v1"}, "/mcp-servers/*", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(remove_server(c, q.params[0]));
    http::Response done;
    done.status = 204;
    return done;
  });
  s.route("GET", {"/v1"}, "/mcp-servers/*/tools", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto tools, server_tools(s, c, q.params[0]));
    Json out = Json::array();
    for (const auto& t : tools) out.push_back(mcp_tool_view(q.params[0], t.name, t.description, t.input_schema));
    return json_response(out);
  });
}

}  // namespace

void add_mcp_server_routes(ServerContext& s) {
  add_legacy_routes(s);
  add_current_routes(s);
  s.route("PATCH", {"/v1"}, "/agents/*/tools/attach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    return attach_tool(s, c, q.params[0], q.params[1], true);
  });
  s.route("PATCH", {"/v1"}, "/agents/*/tools/detach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    return attach_tool(s, c, q.params[0], q.params[1], false);
  });
}

}  // namespace memgpt::server
