// `memgpt server`: agents over HTTP, speaking the Letta /v1 API that today's clients use
// (@letta-ai/letta-client) plus the original MemGPT /api routes that have a /v1 twin.
//
// Auth (server/auth.h): with a password (MEMGPT_SERVER_PASS, required off loopback) every
// request carries `Authorization: Bearer <password or user API key>`. Each user sees only their
// own agents and sources (others' ids are 404). Endpoints and keys are the operator's: see
// runtime/model_endpoints.h.
//
// Parts: transport (http/), auth, the agent service with its locks and cache (runtime/), the
// routes one file per resource (routes_*.cpp), Letta's JSON shapes (letta_views), SSE (sse).
//
// Concurrency: requests run on a pool of workers that only whole requests reach (slow and idle
// connections wait in the transport, http/http_server.h); steps of one agent are serialised
// across threads and processes (runtime::AgentLocks); a step is committed atomically by the
// agent, so a client that disconnects mid-stream leaves the agent as the step left it.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/http_server.h"
#include "runtime/runtime.h"
#include "util/status.h"

namespace memgpt::server {

// Steps wait on the model (and on busy agents) for seconds: many workers; a client may use
// half of them at once.
inline http::ServerLimits default_limits() {
  http::ServerLimits l;
  l.worker_threads = 64;
  return l;
}

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8283;                       // 0 = any free port
  std::string ssl_cert, ssl_key;         // both set: HTTPS
  std::string password;                  // empty: no token needed (loopback only)
  size_t max_body_bytes = 64u << 20;     // larger requests get 413
  http::ServerLimits limits = default_limits();
  bool log_requests = true;              // "METHOD path status ms" on stderr
  std::chrono::milliseconds agent_wait{120000};  // wait for a busy agent before 409
};

bool is_loopback(const std::string& host);

class Server {
 public:
  // `ctx` and `archival` must outlive the server.
  Server(runtime::AppContext& ctx, runtime::Archival& archival, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Settles source uploads and deletes a crash interrupted (runtime::SourcesService::recover),
  // then binds and serves on background threads; returns the port.
  Result<int> start();
  // Stops accepting requests and waits for the running ones (steps finish or roll back).
  void stop();
  // The routes, for tests that call them without sockets.
  const http::Router& router() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memgpt::server
