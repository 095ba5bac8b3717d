#include "server/server.h"

#include <fmt/format.h>

#include "server/context.h"
#include "server/routes.h"
#include "server/web_ui.h"

namespace memgpt::server {

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

struct Server::Impl {
  Impl(runtime::AppContext& app, runtime::Archival& archival, ServerOptions o)
      : options(std::move(o)), context(app, archival, options, router) {
    router.set_error_renderer([](int status, const std::string& message) {
      return error_response({status, message, ""});
    });
    add_admin_routes(context);
    add_agent_routes(context);
    add_message_routes(context);
    add_memory_routes(context);
    add_source_routes(context);
    add_model_routes(context);
    add_agent_file_routes(context);
    add_mcp_routes(context);
    add_mcp_server_routes(context);
    serve_web_interface(router, web_assets());
  }

  ServerOptions options;
  http::Router router;
  ServerContext context;
  std::unique_ptr<http::HttpServer> http;
};

Server::Server(runtime::AppContext& ctx, runtime::Archival& archival, ServerOptions options)
    : impl_(std::make_unique<Impl>(ctx, archival, std::move(options))) {}

Server::~Server() { stop(); }

const http::Router& Server::router() const { return impl_->router; }

Result<int> Server::start() {
  Impl& m = *impl_;
  // Uploads and deletes a crash interrupted are settled before anyone can see them (as every
  // `memgpt load` does). A failure leaves them for the next start; the server still serves.
  if (auto settled = m.context.sources.recover(); !settled.ok()) {
    fmt::print(stderr, "warning: unfinished source uploads or deletes were left as they are: {}\n",
               settled.status().message());
  }
  http::ServerOptions o;
  o.host = m.options.host;
  o.port = m.options.port;
  o.tls_cert = m.options.ssl_cert;
  o.tls_key = m.options.ssl_key;
  o.limits = m.options.limits;
  o.limits.max_body_bytes = m.options.max_body_bytes;
  if (m.options.log_requests) {
    o.log = [](const http::Request& req, int status, double ms) {
      fmt::print(stderr, "{} {} {} {:.1f}ms\n", req.method, req.path, status, ms);
    };
  }
  m.http = std::make_unique<http::HttpServer>(m.router, std::move(o));
  return m.http->start();
}

void Server::stop() {
  // Stops accepting; requests already received finish (running steps commit).
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace memgpt::server
