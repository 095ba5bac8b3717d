// The home's MCP servers in Letta's shapes: GET/PUT /v1/tools/mcp/servers, DELETE
// /v1/tools/mcp/servers/{name}, GET /v1/tools/mcp/servers/{name}/tools. Registering one means
// running a command (stdio) or calling a URL from this host, so only the operator may (403
// otherwise); answers never show secrets (env and header values are null).
// Attaching a server's tool to an agent: PATCH /v1/agents/{id}/tools/attach/{tool_id} and
// .../detach/{tool_id}, tool ids "mcp:SERVER:TOOL"; the answer is the agent, its tools included.
#include <chrono>

#include <fmt/format.h>

#include "mcp/agent_tools.h"
#include "mcp/client.h"
#include "mcp/server_registry.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {
namespace {

constexpr auto kListToolsTimeout = std::chrono::seconds(30);

ApiResult<Ok> operator_only(const Caller& c) {
  if (!c.is_operator) return ApiError{403, "only the server's operator (the server password) may manage MCP servers", ""};
  return Ok{};
}

ApiResult<Json> servers_json() {
  API_ASSIGN_OR_RETURN(auto servers, mcp::McpServerRegistry().list());
  Json out = Json::object();
  for (const auto& s : servers) out[s.name] = mcp::config_json(s, false);
  return out;
}

// The MCP server's failure, in our words (its own error text stays in our log): 502.
ApiError server_failure(const std::string& server, const Status& status, const char* during) {
  fmt::print(stderr, "MCP server '{}': {}\n", server, status.message());
  bool refused = status.code() == ErrorCode::kFailedPrecondition;
  return ApiError{502, refused ? fmt::format("MCP server '{}' refused {}", server, during) : status.message(), ""};
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

}  // namespace

void add_mcp_server_routes(ServerContext& s) {
  s.route("GET", {"/v1"}, "/tools/mcp/servers", [](auto&, auto& c) -> ApiResult<http::Response> {
    API_CHECK(operator_only(c));
    API_ASSIGN_OR_RETURN(Json servers, servers_json());
    return json_response(servers);
  });
  s.route("PUT", {"/v1"}, "/tools/mcp/servers", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(operator_only(c));
    API_ASSIGN_OR_RETURN(Json body, parse_body(q));
    auto config = mcp::config_from_json(body);
    if (!config.ok()) return invalid("server_name", config.status().message());
    API_CHECK(mcp::McpServerRegistry().add(*config));  // a taken name: 409
    API_ASSIGN_OR_RETURN(auto servers, mcp::McpServerRegistry().list());
    Json out = Json::array();
    for (const auto& server : servers) out.push_back(mcp::config_json(server, false));
    return json_response(out);
  });
  s.route("DELETE", {"/v1"}, "/tools/mcp/servers/*", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(operator_only(c));
    API_CHECK(mcp::McpServerRegistry().remove(q.params[0]));
    API_ASSIGN_OR_RETURN(auto servers, mcp::McpServerRegistry().list());
    Json out = Json::array();
    for (const auto& server : servers) out.push_back(mcp::config_json(server, false));
    return json_response(out);
  });
  s.route("GET", {"/v1"}, "/tools/mcp/servers/*/tools", [](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(operator_only(c));
    API_ASSIGN_OR_RETURN(mcp::McpServerConfig config, mcp::McpServerRegistry().get(q.params[0]));
    auto tools = mcp::make_mcp_client(config, kListToolsTimeout)->list_tools();
    if (!tools.ok()) return server_failure(config.name, tools.status(), "tools/list");
    Json out = Json::array();
    for (const auto& t : *tools) out.push_back({{"name", t.name}, {"description", t.description}, {"inputSchema", t.input_schema}});
    return json_response(out);
  });
  s.route("PATCH", {"/v1"}, "/agents/*/tools/attach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    return attach_tool(s, c, q.params[0], q.params[1], true);
  });
  s.route("PATCH", {"/v1"}, "/agents/*/tools/detach/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    return attach_tool(s, c, q.params[0], q.params[1], false);
  });
}

}  // namespace memgpt::server
