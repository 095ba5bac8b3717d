#include <fmt/format.h>

#include <chrono>

#include "http/http_server.h"
#include "vector/milvus_errors.h"
#include "vector/milvus_rest.h"
#include "vector/milvus_rest_handlers.h"

namespace memgpt::vector {
namespace {

Json envelope_error(MilvusCode code, const std::string& message) {
  return {{"code", code_value(code)}, {"message", message}};
}

}  // namespace

struct MilvusRestServer::Impl {
  VectorStore* store;
  Options options;
  http::Router router;
  std::unique_ptr<http::HttpServer> http;
};

MilvusRestServer::MilvusRestServer(VectorStore* store, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->options = std::move(options);
  Impl* impl = impl_.get();
  impl->router.add("POST", "/v2/vectordb/*/*", [impl](const http::Request& req) {
    http::Response res;
    auto started = std::chrono::steady_clock::now();
    std::string action = req.params[0] + "/" + req.params[1];
    auto reply = [&](int http_status, const Json& body) {
      res.status = http_status;
      res.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
      if (impl->options.log_requests) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        fmt::print(stderr, "POST /v2/vectordb/{} {} code={} {:.1f} ms\n", action, http_status, body.value("code", 0), ms);
      }
    };
    if (!impl->options.token.empty()) {
      std::string auth = req.header("Authorization");
      if (auth != "Bearer " + impl->options.token) {
        reply(401, envelope_error(MilvusCode::kUnauthenticated, "user hasn't authenticated"));
        return res;
      }
    }
    MilvusRequest request{action, req.body, req.header("DB-Name"), req.header("Accept-Type-Allow-Int64") == "false"};
    MilvusResponse response = serve_milvus_request(*impl->store, request);
    reply(response.http_status, response.body);
    return res;
  });
  // Errors of the transport (no route, body too large, a bug) in the Milvus envelope.
  impl->router.set_error_renderer([](int status, const std::string& message) {
    MilvusCode code = status == 413 ? MilvusCode::kInvalidParameter : MilvusCode::kUnexpected;
    std::string text = status == 413 ? "request body too large" : status == 404 ? "no such endpoint" : message;
    return http::Response::json_text(status, envelope_error(code, text).dump());
  });
}

MilvusRestServer::~MilvusRestServer() { stop(); }

Result<int> MilvusRestServer::start(const std::string& host, int port) {
  http::ServerOptions o;
  o.host = host;
  o.port = port;
  o.limits = impl_->options.limits;
  o.limits.max_body_bytes = impl_->options.max_body_bytes;
  impl_->http = std::make_unique<http::HttpServer>(impl_->router, std::move(o));
  return impl_->http->start();
}

void MilvusRestServer::stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace memgpt::vector
