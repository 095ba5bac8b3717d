// What the routes of `memgpt server` stand on: the configured parts, the agent service (locks
// and the agent cache), the sources service, auth, and the router they register on. One per server.
#pragma once

#include <functional>
#include <vector>
#include <string>

#include "http/router.h"
#include "mcp/agent_tools.h"
#include "runtime/agent_service.h"
#include "runtime/sources_service.h"
#include "server/api_result.h"
#include "server/auth.h"
#include "server/server.h"

namespace memgpt::server {

struct ServerContext {
  ServerContext(runtime::AppContext& app, runtime::Archival& archival, const ServerOptions& options,
                http::Router& router);

  runtime::AppContext& app;
  runtime::Archival& archival;
  const ServerOptions& options;
  mcp::McpAgentTools mcp_tools;  // other MCP servers' tools attached to agents (before `agents`, which uses it)
  runtime::AgentService agents;
  runtime::SourcesService sources;  // loads, uploads and deletes that survive a crash
  Authenticator auth;
  http::Router& router;

  using Handler = std::function<ApiResult<http::Response>(const http::Request&, const Caller&)>;
  // Registers `pattern` under each prefix ("/v1", "/api"); "*" is one id segment. The handler
  // runs for an authenticated caller; its error becomes the response.
  void route(const char* method, const std::vector<const char*>& prefixes, const std::string& pattern,
             Handler handler);

  // Lookups: another user's ids are 404, never 403 (ids do not leak).
  ApiResult<store::AgentRecord> agent_of(const Caller& caller, const std::string& id);
  ApiResult<store::SourceRecord> source_of(const Caller& caller, const std::string& id);
  // An agent opened for a request (locked and loaded); busy past the wait is 409.
  ApiResult<runtime::OpenAgent> open_agent(const Caller& caller, const std::string& id, bool with_model);
  // The agent as Letta's AgentState (with its sources).
  ApiResult<Json> agent_json(const store::AgentRecord& agent);
  // Archival collections are per embedding dimension of the one configured embedder: asking
  // for another embedding model ("embedding": handle) is a 422.
  ApiResult<Ok> check_embedding(const Json& body);
};

}  // namespace memgpt::server
