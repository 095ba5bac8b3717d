// An HTTP/1.1 server for a Router, on the wire (plain or TLS). It hides the HTTP library and
// guards the workers against slow and idle clients:
//
// - A connection reaches a worker only with its whole request head, and its body when that is
//   at most `prebuffer_bytes`; until then one poller thread waits for it, up to
//   `header_timeout` from the connection's first byte (a total, however slowly bytes come).
//   Idle keep-alive connections also wait there (`keep_alive_timeout`). So sockets that send
//   one request line and stop hold no worker, and are closed when their time is up.
// - Each client address may hold `max_connections_per_client` connections (more are answered
//   503 and closed) and have `max_in_flight_per_client` requests on workers at once (more wait
//   their turn; clients take turns), so one client cannot occupy every worker.
// - Larger bodies are read by the worker with `read_timeout` per read; responses are written
//   with `write_timeout` per write.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/router.h"
#include "util/status.h"

namespace memgpt::http {

struct ServerLimits {
  size_t worker_threads = 16;
  size_t max_in_flight_per_client = 0;  // 0: half the workers (at least 1)
  size_t max_connections_per_client = 256;
  size_t max_connections = 4096;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{60000};
  size_t max_header_bytes = 64 * 1024;
  size_t prebuffer_bytes = 1 << 20;
  size_t max_body_bytes = 64u << 20;     // larger requests are answered 413
  size_t max_requests_per_connection = 1000;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                     // 0 = any free port
  std::string tls_cert, tls_key;    // both set: HTTPS (PEM files)
  ServerLimits limits;
  // Called after each response with the request, the status and the time from the complete
  // request to the response (empty: no log).
  std::function<void(const Request&, int status, double ms)> log;
};

class HttpServer {
 public:
  // `router` must outlive the server.
  HttpServer(const Router& router, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and serves on background threads; returns the port. kInvalidArgument for unreadable
  // TLS files, kUnavailable when the address cannot be bound.
  Result<int> start();
  // Stops accepting; requests already received are answered (running ones finish), idle
  // connections are closed. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memgpt::http
