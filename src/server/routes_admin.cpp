// Health (no token: load balancers probe it) and the server password's administration: users
// and their API keys (/v1/admin/users, /admin/users), refused when the server has no password.
#include "server/request_fields.h"
#include "server/routes.h"
#include "server/letta_views.h"

namespace memgpt::server {
namespace {

// Users and keys are the operator's: only a caller holding the server password manages them.
// A server without one has no operator (any local process can reach it), so it refuses.
ApiResult<Ok> admin_only(const ServerContext& s, const Caller& c) {
  if (c.is_operator) return Ok{};
  if (s.options.password.empty()) {
    return ApiError{403, "admin routes need a server password: start memgpt server with MEMGPT_SERVER_PASS set", ""};
  }
  return ApiError{403, "only the server password may manage users", ""};
}

}  // namespace

void add_admin_routes(ServerContext& s) {
  for (const char* path : {"/v1/health", "/health"}) {
    s.router.add("GET", path, [](const http::Request&) {
      return json_response({{"status", "ok"}, {"version", kMemgptVersion}});
    });
  }
  for (const char* prefix : {"/v1/admin", "/admin"}) {
    s.route("POST", {prefix}, "/users", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
      API_CHECK(admin_only(s, c));
      API_ASSIGN_OR_RETURN(Json body, parse_body(q));
      API_ASSIGN_OR_RETURN(auto name, opt_str(body, "name"));
      API_ASSIGN_OR_RETURN(auto user, s.app.store->create_user(name.value_or("")));
      std::string key = new_api_key();
      API_CHECK(s.app.store->add_api_key(sha256_hex(key), user.id, "default"));
      return json_response({{"id", user.id}, {"user_id", user.id}, {"name", user.name}, {"api_key", key}});
    });
    s.route("GET", {prefix}, "/users", [&s](auto&, auto& c) -> ApiResult<http::Response> {
      API_CHECK(admin_only(s, c));
      API_ASSIGN_OR_RETURN(auto users, s.app.store->list_users());
      Json out = Json::array();
      for (const auto& u : users) out.push_back({{"id", u.id}, {"name", u.name}, {"created_at", iso_time(u.created_at)}});
      return json_response(out);
    });
    s.route("POST", {prefix}, "/users/*/keys", [&s](auto& q, auto& c) -> ApiResult<http::Response> {
      API_CHECK(admin_only(s, c));
      const std::string& uid = q.params[0];
      API_CHECK(s.app.store->get_user(uid));
      API_ASSIGN_OR_RETURN(Json body, parse_body(q));
      API_ASSIGN_OR_RETURN(auto name, opt_str(body, "name"));
      std::string key = new_api_key();
      API_CHECK(s.app.store->add_api_key(sha256_hex(key), uid, name.value_or("")));
      return json_response({{"user_id", uid}, {"api_key", key}});
    });
  }
}

}  // namespace memgpt::server
