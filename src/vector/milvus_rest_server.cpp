#include <fmt/format.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "util/listen_backlog.h"
#include "vector/milvus_errors.h"
#include "vector/milvus_rest.h"
#include "vector/milvus_rest_handlers.h"

namespace memgpt::vector {
namespace {

Json envelope_error(int code, const std::string& message) { return {{"code", code}, {"message", message}}; }

}  // namespace

struct MilvusRestServer::Impl {
  VectorStore* store;
  Options options;
  httplib::Server http;
  std::thread thread;
};

MilvusRestServer::MilvusRestServer(VectorStore* store, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->options = std::move(options);
  Impl* impl = impl_.get();
  impl->http.set_payload_max_length(impl->options.max_body_bytes);
  impl->http.Post(R"(/v2/vectordb/(\w+)/(\w+))", [impl](const httplib::Request& req, httplib::Response& res) {
    auto started = std::chrono::steady_clock::now();
    std::string action = req.matches[1].str() + "/" + req.matches[2].str();
    auto reply = [&](int http_status, const Json& body) {
      res.status = http_status;
      res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
      if (impl->options.log_requests) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        fmt::print(stderr, "POST /v2/vectordb/{} {} code={} {:.1f} ms\n", action, http_status, body.value("code", 0), ms);
      }
    };
    if (!impl->options.token.empty()) {
      std::string auth = req.get_header_value("Authorization");
      if (auth != "Bearer " + impl->options.token) {
        reply(401, envelope_error(kUnauthenticated, "user hasn't authenticated"));
        return;
      }
    }
    MilvusRequest request{action, req.body, req.get_header_value("DB-Name"),
                          req.get_header_value("Accept-Type-Allow-Int64") == "false"};
    MilvusResponse response = serve_milvus_request(*impl->store, request);
    reply(response.http_status, response.body);
  });
  impl->http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 413) {
      res.set_content(envelope_error(kInvalidParameter, "request body too large").dump(), "application/json");
    } else if (res.body.empty()) {
      res.set_content(envelope_error(kUnexpected, "no such endpoint").dump(), "application/json");
    }
  });
}

MilvusRestServer::~MilvusRestServer() { stop(); }

Result<int> MilvusRestServer::start(const std::string& host, int port) {
  int bound = port == 0 ? impl_->http.bind_to_any_port(host) : (impl_->http.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return unavailable(fmt::format("cannot listen on {}:{} (is the port in use?)", host, port));
  raise_listen_backlog(bound);
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  while (!impl_->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return bound;
}

void MilvusRestServer::stop() {
  if (!impl_) return;
  impl_->http.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace memgpt::vector
