// Agents: POST/GET /v1/agents, GET/PATCH/DELETE /v1/agents/{id} (and /api twins), the MemGPT
// config view and an agent's tools.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "agent/functions.h"
#include "runtime/model_endpoints.h"
#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {
namespace {

// The model a request asks for ("model": "openai/gpt-4o-mini", or Letta's llm_config), on an
// endpoint the caller may choose: users pick among the operator's endpoints; only the server
// password may name another URL (and the operator's keys still do not go there).
// `current` is the agent's model when the request changes an agent (a request that names no model
// keeps it, with a new window if it gives one).
ApiResult<store::AgentLlmConfig> llm_config_for(ServerContext& s, const Json& body, const Caller& c,
                                                const store::AgentLlmConfig* current) {
  store::AgentLlmConfig llm;
  if (body.contains("llm_config") && !body["llm_config"].is_null()) {
    auto checked = runtime::checked_llm_config(
        s.app.config, s.app.credentials, body["llm_config"],
        c.is_operator ? runtime::EndpointChoice::kAny : runtime::EndpointChoice::kOperatorOnly,
        current ? current->model_endpoint : "");
    if (!checked.ok()) return invalid("llm_config", checked.status().message());
    llm = std::move(*checked);
  } else if (current && !body.contains("model")) {
    llm = *current;
  } else {
    API_ASSIGN_OR_RETURN(auto handle, opt_str(body, "model"));
    auto handled = runtime::llm_config_for_handle(s.app.config, s.app.credentials, handle.value_or(""));
    if (!handled.ok()) return invalid("model", handled.status().message());
    llm = std::move(*handled);
  }
  API_ASSIGN_OR_RETURN(auto limit, opt_int(body, "context_window_limit"));
  if (limit) {
    if (*limit < 1024) return invalid("context_window_limit", "'context_window_limit' must be at least 1024");
    if (*limit > std::numeric_limits<int>::max()) return invalid("context_window_limit", "'context_window_limit' is too large");
    llm.context_window = static_cast<int>(*limit);
  }
  return llm;
}

ApiResult<std::vector<std::string>> tools_of(const Json& body) {
  std::vector<std::string> tools;
  if (!body.contains("tools") || body["tools"].is_null()) return tools;
  if (!body["tools"].is_array()) return invalid("tools", "'tools' must be a list of tool names");
  const auto& known = agent::builtin_function_names();
  for (const auto& t : body["tools"]) {
    if (!t.is_string()) return invalid("tools", "'tools' must be a list of tool names");
    std::string name = t.get<std::string>();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return invalid("tools", fmt::format("unknown tool '{}' (custom tools are not supported by this server)", name));
    }
    tools.push_back(name);
  }
  return tools;
}

ApiResult<std::vector<agent::MemoryBlock>> blocks_of(const Json& body) {
  std::vector<agent::MemoryBlock> blocks;
  if (!body.contains("memory_blocks") || body["memory_blocks"].is_null()) return blocks;
  if (!body["memory_blocks"].is_array()) return invalid("memory_blocks", "'memory_blocks' must be a list of blocks");
  for (const auto& b : body["memory_blocks"]) {
    if (!b.is_object()) return invalid("memory_blocks", "each memory block must be an object {label, value}");
    agent::MemoryBlock mb;
    API_ASSIGN_OR_RETURN(mb.label, req_str(b, "label"));
    API_ASSIGN_OR_RETURN(mb.value, req_str(b, "value"));
    API_ASSIGN_OR_RETURN(auto limit, opt_int(b, "limit"));
    mb.limit = static_cast<int>(limit.value_or(agent::kDefaultCoreMemoryLimit));
    if (mb.label.empty()) return invalid("memory_blocks", "a memory block label cannot be empty");
    if (mb.limit <= 0) return invalid("memory_blocks", "a memory block limit must be positive");
    blocks.push_back(mb);
  }
  return blocks;
}

// Letta's descriptive fields. `strict`: a wrong type is a 422 (modify); create ignores wrong
// types, as it always did.
ApiResult<runtime::AgentDescription> description_of(const Json& body, bool strict) {
  runtime::AgentDescription out;
  API_ASSIGN_OR_RETURN(out.description, opt_str(body, "description"));
  if (body.contains("tags") && !body["tags"].is_null()) {
    const Json& tags = body["tags"];
    bool strings = tags.is_array() && std::all_of(tags.begin(), tags.end(), [](const Json& t) { return t.is_string(); });
    if (strings) out.tags = tags.get<std::vector<std::string>>();
    else if (strict) return invalid("tags", "'tags' must be a list of strings");
  }
  if (body.contains("metadata") && !body["metadata"].is_null()) {
    if (body["metadata"].is_object()) out.metadata = body["metadata"];
    else if (strict) return invalid("metadata", "'metadata' must be an object");
  }
  return out;
}

ApiResult<http::Response> create_agent(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  runtime::NewAgent n;
  n.user_id = c.user_id;
  API_ASSIGN_OR_RETURN(auto name, opt_str(body, "name"));
  n.name = name.value_or("");
  API_CHECK(s.check_embedding(body));
  API_ASSIGN_OR_RETURN(n.llm_config, llm_config_for(s, body, c, nullptr));
  API_ASSIGN_OR_RETURN(n.system_prompt, opt_str(body, "system"));
  API_ASSIGN_OR_RETURN(n.tools, tools_of(body));
  API_ASSIGN_OR_RETURN(n.blocks, blocks_of(body));
  API_ASSIGN_OR_RETURN(n.description, description_of(body, false));
  auto created = s.agents.create(n);
  if (!created.ok()) {
    // Blocks over their limit (or otherwise unacceptable) are a validation error of the blocks.
    const Status& st = created.status();
    bool blocks = is_own_failure(st) && (st.code() == ErrorCode::kInvalidArgument || st.code() == ErrorCode::kResourceExhausted);
    return blocks ? invalid("memory_blocks", st.message()) : public_error(st);
  }
  API_ASSIGN_OR_RETURN(Json view, s.agent_json(*created));
  return json_response(view);
}

ApiResult<http::Response> update_agent(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(Json body, parse_body(req));
  const std::string& id = req.params[0];
  API_ASSIGN_OR_RETURN(store::AgentRecord rec, s.agent_of(c, id));
  runtime::AgentUpdate u;
  API_ASSIGN_OR_RETURN(u.name, opt_str(body, "name"));
  if (u.name && u.name->empty()) return invalid("name", "'name' cannot be empty");
  if (body.contains("model") || body.contains("llm_config") || body.contains("context_window_limit")) {
    API_ASSIGN_OR_RETURN(u.llm_config, llm_config_for(s, body, c, &rec.llm_config));
  }
  API_ASSIGN_OR_RETURN(u.system_prompt, opt_str(body, "system"));
  API_ASSIGN_OR_RETURN(u.description, description_of(body, true));
  API_ASSIGN_OR_RETURN(store::AgentRecord updated, s.agents.update(id, u));
  API_ASSIGN_OR_RETURN(Json view, s.agent_json(updated));
  return json_response(view);
}

ApiResult<http::Response> list_agents(ServerContext& s, const http::Request& req, const Caller& c) {
  API_ASSIGN_OR_RETURN(auto agents, s.app.store->list_agents(c.user_id));
  std::string name = query_str(req, "name");
  if (!name.empty()) std::erase_if(agents, [&](const auto& a) { return a.name != name; });
  std::sort(agents.begin(), agents.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  API_ASSIGN_OR_RETURN(bool desc, descending(req, false));
  if (desc) std::reverse(agents.begin(), agents.end());
  API_ASSIGN_OR_RETURN(auto paged, page(std::move(agents), req, [](const auto& a) { return a.id; }, 50));
  Json out = Json::array();
  for (const auto& a : paged) {
    API_ASSIGN_OR_RETURN(Json view, s.agent_json(a));
    out.push_back(std::move(view));
  }
  return json_response(out);
}

}  // namespace

void add_agent_routes(ServerContext& s) {
  s.route("POST", {"/v1", "/api"}, "/agents", [&s](auto& q, auto& c) { return create_agent(s, q, c); });
  s.route("GET", {"/v1", "/api"}, "/agents", [&s](auto& q, auto& c) { return list_agents(s, q, c); });
  s.route("GET", {"/v1", "/api"}, "/agents/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto agent, s.agent_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
    return json_response(view);
  });
  s.route("PATCH", {"/v1", "/api"}, "/agents/*", [&s](auto& q, auto& c) { return update_agent(s, q, c); });
  s.route("DELETE", {"/v1", "/api"}, "/agents/*", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_CHECK(s.agent_of(c, q.params[0]));
    API_CHECK(s.agents.remove(q.params[0]));
    // The agent is gone either way; a leftover attachment names an id never reused.
    if (Status forgot = s.mcp_tools.forget_agent(q.params[0]); !forgot.ok()) {
      fmt::print(stderr, "deleting the MCP tools of agent {}: {}\n", q.params[0], log_line(forgot.message()));
    }
    return json_response(Json(nullptr));
  });
  // MemGPT's /api/agents/{id}/config: {agent_state}.
  s.route("GET", {"/api"}, "/agents/*/config", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto agent, s.agent_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
    return json_response({{"agent_state", view}});
  });
  s.route("GET", {"/v1"}, "/agents/*/tools", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(auto agent, s.agent_of(c, q.params[0]));
    API_ASSIGN_OR_RETURN(Json view, s.agent_json(agent));
    API_ASSIGN_OR_RETURN(Json tools, paged_json(view["tools"], q, 100));
    return json_response(tools);
  });
  // Letta's ContextWindowOverview: the tokens of each part of the next request.
  s.route("GET", {"/v1"}, "/agents/*/context", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(runtime::OpenAgent open, s.open_agent(c, q.params[0], false));
    API_ASSIGN_OR_RETURN(agent::ContextOverview overview, open.agent().context_overview());
    open.keep_cached();
    return json_response(context_view(overview));
  });
}

}  // namespace memgpt::server
