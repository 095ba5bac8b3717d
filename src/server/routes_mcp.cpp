// MCP's streamable HTTP transport (revision 2025-06-18, 2025-03-26 too) at /mcp, behind the
// same auth as /v1: the memory tools of mcp/memory_tools.h for the caller's agents.
//
// POST /mcp carries one JSON-RPC message (or a 2025-03-26 batch). An initialize request opens a
// session (Mcp-Session-Id in the answer); every later request names it, and a session belongs
// to the caller who opened it (anyone else gets 404, as for an unknown one). Answers are
// application/json, or one SSE event when the client accepts only text/event-stream;
// notifications get 202. GET is 405 (no server-initiated stream); DELETE ends the session.
// `?agent=NAME` on the initialize request sets the session's default agent.
#include <chrono>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "config/config.h"
#include "mcp/memory_tools.h"
#include "server/routes.h"
#include "util/clock.h"

namespace memgpt::server {
namespace {

constexpr size_t kMaxSessions = 256;
constexpr auto kIdleSession = std::chrono::hours(1);

struct McpSession {
  std::string user_id;
  std::unique_ptr<mcp::MemoryTools> tools;
  std::unique_ptr<mcp::Dispatcher> dispatcher;
  std::chrono::steady_clock::time_point last_used;
};

class McpSessions {
 public:
  std::string open(std::shared_ptr<McpSession> session) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    std::erase_if(sessions_, [&](const auto& e) { return now - e.second->last_used > kIdleSession; });
    if (sessions_.size() >= kMaxSessions) {  // the least recently used goes
      auto oldest = sessions_.begin();
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (it->second->last_used < oldest->second->last_used) oldest = it;
      }
      sessions_.erase(oldest);
    }
    std::string id = new_uuid();
    session->last_used = now;
    sessions_.emplace(id, std::move(session));
    return id;
  }
  // The caller's session `id` (null when unknown, ended or another caller's).
  std::shared_ptr<McpSession> find(const std::string& id, const std::string& user_id) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->user_id != user_id) return nullptr;
    it->second->last_used = std::chrono::steady_clock::now();
    return it->second;
  }
  bool close(const std::string& id, const std::string& user_id) {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->user_id != user_id) return false;
    sessions_.erase(it);
    return true;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<McpSession>> sessions_;
};

// A transport-level failure, as the SDKs expect it: the HTTP status with a JSON-RPC error body.
http::Response rpc_failure(int status, int code, const std::string& message) {
  return http::Response::json_text(status, mcp::error_response(nullptr, code, message).dump());
}

bool contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

// Browsers send Origin: a page elsewhere must not drive a local server (DNS rebinding). Only
// pages of this host (or of loopback) may.
bool origin_allowed(const http::Request& req) {
  std::string origin = req.header("Origin");
  if (origin.empty()) return true;
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string host_port = origin.substr(scheme_end + 3);
  std::string host = host_port;
  if (!host.empty() && host[0] == '[') host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.find(':'));
  if (host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
  return host_port == req.header("Host");
}

ApiResult<http::Response> post(ServerContext& s, McpSessions& sessions, const http::Request& req, const Caller& c) {
  if (!origin_allowed(req)) return rpc_failure(403, mcp::kInvalidRequest, "forbidden: this Origin may not use the server");
  std::string accept = req.header("Accept");
  bool json_ok = accept.empty() || contains(accept, "application/json") || contains(accept, "*/*");
  bool sse_ok = contains(accept, "text/event-stream");
  if (!json_ok && !sse_ok) {
    return rpc_failure(406, mcp::kInvalidRequest, "not acceptable: accept application/json or text/event-stream");
  }
  std::string version = req.header("MCP-Protocol-Version");
  if (!version.empty() && !mcp::is_supported_protocol_version(version)) {
    return rpc_failure(400, mcp::kInvalidRequest, fmt::format("bad request: unsupported MCP-Protocol-Version '{}'", version));
  }
  Json message = parse_json_or_discarded(req.body);
  if (message.is_discarded()) return rpc_failure(400, mcp::kParseError, "parse error: the body is not valid JSON");

  std::shared_ptr<McpSession> session;
  std::string session_id;
  bool initialize = message.is_object() && message.value("method", Json()) == "initialize" && message.contains("id");
  if (initialize) {
    session = std::make_shared<McpSession>();
    session->user_id = c.user_id;
    std::string default_agent = req.query_value("agent");
    session->tools = std::make_unique<mcp::MemoryTools>(
        s.app, s.archival, s.agents,
        mcp::MemoryToolsOptions{c.user_id, default_agent, [](const Status& st) { return public_error(st).message; }});
    session->dispatcher = std::make_unique<mcp::Dispatcher>(
        *session->tools, mcp::ServerInfo{"memgpt", "memgpt agents and memory", kMemgptVersion,
                                         mcp::memory_tools_instructions(default_agent)});
  } else {
    session_id = req.header("Mcp-Session-Id");
    if (session_id.empty()) {
      return rpc_failure(400, mcp::kInvalidRequest, "bad request: the Mcp-Session-Id header is required (initialize first)");
    }
    session = sessions.find(session_id, c.user_id);
    if (!session) return rpc_failure(404, mcp::kInvalidRequest, "session not found: initialize a new one");
  }
  std::optional<Json> answer = session->dispatcher->handle(message);
  if (initialize && answer && answer->contains("result")) session_id = sessions.open(session);

  http::Response res;
  if (!session_id.empty()) res.headers.emplace("Mcp-Session-Id", session_id);
  if (!answer) {  // notifications and responses
    res.status = 202;
    res.content_type = "text/plain";
    return res;
  }
  if (json_ok) {
    res.body = answer->dump();
  } else {
    res.content_type = "text/event-stream";
    res.headers.emplace("Cache-Control", "no-cache");
    res.body = fmt::format("event: message\ndata: {}\n\n", answer->dump());
  }
  return res;
}

}  // namespace

void add_mcp_routes(ServerContext& s) {
  auto sessions = std::make_shared<McpSessions>();
  s.route("POST", {""}, "/mcp", [&s, sessions](auto& q, auto& c) { return post(s, *sessions, q, c); });
  s.route("GET", {""}, "/mcp", [](auto&, auto&) -> ApiResult<http::Response> {
    http::Response res = rpc_failure(405, mcp::kInvalidRequest, "method not allowed: this server offers no event stream");
    res.headers.emplace("Allow", "POST, DELETE");
    return res;
  });
  s.route("DELETE", {""}, "/mcp", [sessions](auto& q, auto& c) -> ApiResult<http::Response> {
    std::string id = q.header("Mcp-Session-Id");
    if (id.empty()) return rpc_failure(400, mcp::kInvalidRequest, "bad request: the Mcp-Session-Id header is required");
    if (!sessions->close(id, c.user_id)) return rpc_failure(404, mcp::kInvalidRequest, "session not found");
    http::Response res;
    res.body = "{}";
    return res;
  });
}

}  // namespace memgpt::server
