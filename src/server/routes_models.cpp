// What agents can be made of: models (GET /v1/models, /v1/models/embedding), tools (the
// built-in MemGPT functions; custom tools are not supported), humans and personas (MemGPT's
// profiles, /v1 and /api).
#include <fmt/format.h>

#include "runtime/profiles_service.h"
#include "server/letta_views.h"
#include "server/request_fields.h"
#include "server/routes.h"

namespace memgpt::server {

void add_model_routes(ServerContext& s) {
  s.route("GET", {"/v1", "/api"}, "/models", [&s](auto&, auto&) -> ApiResult<http::Response> {
    const MemgptConfig& cfg = s.app.config;
    Json llm = llm_config_view(
        {cfg.model, cfg.model_endpoint_type, cfg.model_endpoint, cfg.model_wrapper, cfg.context_window});
    llm["name"] = cfg.model;
    llm["display_name"] = cfg.model;
    llm["max_context_window"] = cfg.context_window;
    llm["provider_type"] = cfg.model_endpoint_type;
    llm["provider_name"] = cfg.model_endpoint_type;
    llm["model_type"] = "llm";
    return json_response(Json::array({llm}));
  });
  s.route("GET", {"/v1", "/api"}, "/models/embedding", [&s](auto&, auto&) -> ApiResult<http::Response> {
    Json e = embedding_config_view(s.agents.embedding_config());
    e["name"] = s.archival.embedder->model();
    e["display_name"] = s.archival.embedder->model();
    e["provider_type"] = s.app.config.embedding_endpoint_type;
    e["provider_name"] = s.app.config.embedding_endpoint_type;
    e["model_type"] = "embedding";
    return json_response(Json::array({e}));
  });

  s.route("GET", {"/v1"}, "/tools", [](auto& q, auto&) -> ApiResult<http::Response> {
    API_ASSIGN_OR_RETURN(Json tools, paged_json(tool_views({}), q, 100));
    return json_response(tools);
  });
  s.route("GET", {"/v1"}, "/tools/*", [](auto& q, auto&) -> ApiResult<http::Response> {
    for (const auto& t : tool_views({})) {
      if (t["id"] == q.params[0] || t["name"] == q.params[0]) return json_response(t);
    }
    return not_found_error(fmt::format("tool '{}' not found", q.params[0]));
  });

  for (auto entry : {std::pair{"/humans", store::ProfileKind::kHuman}, std::pair{"/personas", store::ProfileKind::kPersona}}) {
    const char* path = entry.first;
    store::ProfileKind kind = entry.second;  // a variable, not a binding: clang 14 cannot capture bindings
    std::string key = std::string(path).substr(1);
    s.route("GET", {"/v1", "/api"}, path, [&s, kind, key](auto&, auto& c) -> ApiResult<http::Response> {
      API_ASSIGN_OR_RETURN(auto profiles, runtime::ProfilesService(*s.app.store).list(kind, c.user_id));
      Json out = Json::array();
      for (const auto& p : profiles) out.push_back({{"id", p.id}, {"name", p.name}, {"text", p.text}, {"builtin", p.builtin}});
      return json_response({{key, out}});
    });
    s.route("POST", {"/v1", "/api"}, path, [&s, kind](auto& q, auto& c) -> ApiResult<http::Response> {
      API_ASSIGN_OR_RETURN(Json body, parse_body(q));
      API_ASSIGN_OR_RETURN(std::string name, req_str(body, "name"));
      API_ASSIGN_OR_RETURN(std::string text, req_str(body, "text"));
      API_ASSIGN_OR_RETURN(store::ProfileRecord p, runtime::ProfilesService(*s.app.store).add(kind, c.user_id, name, text));
      return json_response({{"id", p.id}, {"name", p.name}, {"text", p.text}});
    });
  }
}

}  // namespace memgpt::server
