#include "server/context.h"

#include <fmt/format.h>

#include "server/letta_views.h"

namespace memgpt::server {

namespace {

runtime::AgentServiceOptions service_options(const ServerOptions& options, mcp::McpAgentTools& mcp_tools) {
  runtime::AgentServiceOptions o;
  o.external_functions = &mcp_tools;
  o.operator_keys_only = true;
  o.lock_wait = options.agent_wait;
  o.verify_first_message = false;  // as Letta's agents
  return o;
}

}  // namespace

ServerContext::ServerContext(runtime::AppContext& a, runtime::Archival& arch, const ServerOptions& o,
                             http::Router& r)
    : app(a), archival(arch), options(o), agents(a, arch, service_options(o, mcp_tools)), sources(a, arch),
      auth(*a.store, a.user_id, o.password), router(r) {}

void ServerContext::route(const char* method, const std::vector<const char*>& prefixes, const std::string& pattern,
                          Handler handler) {
  for (const char* prefix : prefixes) {
    router.add(method, std::string(prefix) + pattern, [this, handler](const http::Request& request) {
      ApiResult<Caller> caller = auth.authenticate(request);
      if (!caller.ok()) return error_response(caller.error());
      ApiResult<http::Response> response = handler(request, *caller);
      return response.ok() ? std::move(response).value() : error_response(response.error());
    });
  }
}

ApiResult<store::AgentRecord> ServerContext::agent_of(const Caller& caller, const std::string& id) {
  auto a = app.store->get_agent(id);
  if (!a.ok() || a->user_id != caller.user_id) return not_found_error(fmt::format("agent '{}' not found", id));
  return std::move(*a);
}

ApiResult<store::SourceRecord> ServerContext::source_of(const Caller& caller, const std::string& id) {
  auto s = app.store->get_source(id);
  if (!s.ok() || s->user_id != caller.user_id) return not_found_error(fmt::format("source '{}' not found", id));
  return std::move(*s);
}

ApiResult<runtime::OpenAgent> ServerContext::open_agent(const Caller& caller, const std::string& id, bool with_model) {
  API_CHECK(agent_of(caller, id));
  API_ASSIGN_OR_RETURN(runtime::OpenAgent open, agents.open(id, with_model));  // busy: 409
  return open;
}

ApiResult<Json> ServerContext::agent_json(const store::AgentRecord& agent) {
  API_ASSIGN_OR_RETURN(auto sources, app.store->list_agent_sources(agent.id));
  Json view = agent_view(agent, sources);
  // Tools attached from other MCP servers, after the built-in ones (Letta's tool_type for them).
  API_ASSIGN_OR_RETURN(auto attached, mcp_tools.list(agent.id));
  for (const auto& t : attached) {
    view["tools"].push_back(mcp_tool_view(t.server, t.tool, t.description, t.input_schema));
  }
  return view;
}

ApiResult<Ok> ServerContext::check_embedding(const Json& body) {
  if (!body.contains("embedding") || body["embedding"].is_null()) return Ok{};
  if (!body["embedding"].is_string()) return invalid("embedding", "'embedding' must be a string");
  std::string handle = body["embedding"].get<std::string>();
  std::string model = archival.embedder->model();
  std::string type = app.config.embedding_endpoint_type;
  if (handle != model && handle != type + "/" + model) {
    return invalid("embedding", fmt::format("embedding '{}' is not served here; this server embeds with '{}/{}'", handle,
                                            type, model));
  }
  return Ok{};
}

}  // namespace memgpt::server
