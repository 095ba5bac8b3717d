#include "http/http_server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/select.h>

#include <csignal>

#include <fmt/format.h>

#include "http/connection_pool.h"
#include "util/listen_backlog.h"

namespace memgpt::http {
namespace {

using detail::Connection;
using detail::ConnectionPool;

// httplib's view of one of our connections: it parses the request and writes the response
// through this, with our timeouts.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(Connection& conn, const ServerLimits& limits) : conn_(conn), limits_(limits) {}
  bool is_readable() const override { return true; }  // read() waits itself
  bool is_writable() const override { return conn_.alive(); }
  ssize_t read(char* ptr, size_t size) override { return conn_.read(ptr, size, limits_.read_timeout); }
  ssize_t write(const char* ptr, size_t size) override {
    return conn_.write(ptr, size, limits_.write_timeout) ? static_cast<ssize_t>(size) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = conn_.peer_ip();
    port = conn_.peer_port();
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip.clear();
    port = 0;
  }
  // httplib consults socket() only to refuse descriptors its own select() could not watch;
  // every wait on this stream uses poll(), so any descriptor is fine.
  socket_t socket() const override { return conn_.fd() < FD_SETSIZE ? conn_.fd() : 0; }

 private:
  Connection& conn_;
  const ServerLimits& limits_;
};

// httplib runs each accepted socket through its task queue: ours hands it to the pool at once.
class HandOver final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

// Whether the request on this worker reached the router. When it did not, httplib answered it
// itself: its request line, a header or its body framing was unreadable, so where the next
// request on the connection starts is unknown.
thread_local bool t_routed = false;

class Transport final : public httplib::Server {
 public:
  ConnectionPool* pool = nullptr;
  bool serve(Connection& conn, const ServerLimits& limits, bool close_connection) {
    ConnectionStream stream(conn, limits);
    bool closed = false;
    t_routed = false;
    bool ok = process_request(stream, close_connection, closed, nullptr);
    // Without this, the rest of a malformed request (its header lines...) would be read as
    // further requests and answered one by one.
    return ok && !closed && t_routed;
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    pool->adopt(sock);
    return true;
  }
};

class SinkWriter final : public BodyWriter {
 public:
  explicit SinkWriter(httplib::DataSink& sink) : sink_(sink) {}
  bool write(std::string_view data) override {
    if (!open_) return false;
    open_ = sink_.write(data.data(), data.size());
    return open_;
  }

 private:
  httplib::DataSink& sink_;
  bool open_ = true;
};

Request to_request(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  for (const auto& [name, value] : in.headers) {
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
    out.headers.emplace(name, value);
  }
  out.query.insert(in.params.begin(), in.params.end());
  out.body = in.body;
  for (const auto& [field, part] : in.files) out.files.push_back({part.name, part.filename, part.content_type, part.content});
  out.remote_addr = in.remote_addr;
  return out;
}

void to_response(Response&& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  if (!in.stream) {
    out.set_content(std::move(in.body), in.content_type.c_str());
    return;
  }
  auto produce = std::make_shared<std::function<void(BodyWriter&)>>(std::move(in.stream));
  out.set_chunked_content_provider(
      in.content_type,
      [produce](size_t, httplib::DataSink& sink) {
        SinkWriter writer(sink);
        (*produce)(writer);
        sink.done();
        return true;
      },
      [produce](bool) mutable { *produce = nullptr; });  // releases what the producer holds
}

// The status line's reason for errors the transport itself answers.
std::string transport_message(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "no such endpoint";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "invalid Range header";
    default: return fmt::format("HTTP {}", status);
  }
}

thread_local std::chrono::steady_clock::time_point t_served_at;

// These APIs answer whole JSON documents: a Range header is ignored (RFC 9110 lets a server do
// so), or httplib would cut the body to the range ({"stat... with status 200) or answer 416
// with an empty body. httplib hands handlers a const view of its own non-const Request.
void ignore_ranges(const httplib::Request& req) { const_cast<httplib::Request&>(req).ranges.clear(); }

// httplib compresses a reply with brotli at its best (and slowest) quality whenever the client
// accepts br: that took 86% of the CPU of the Milvus double's large query replies. It picks br
// when the header holds "br", else gzip when it holds "gzip": only gzip is left (clients that
// accept br accept gzip too), or no compression.
void offer_no_brotli(const httplib::Request& req) {
  auto& headers = const_cast<httplib::Request&>(req).headers;
  auto it = headers.find("Accept-Encoding");
  if (it == headers.end()) return;
  if (it->second.find("gzip") != std::string::npos) {
    it->second = "gzip";
  } else {
    headers.erase(it);
  }
}

}  // namespace

struct HttpServer::Impl {
  const Router& router;
  ServerOptions options;
  std::unique_ptr<Transport> http;
  std::unique_ptr<ConnectionPool> pool;
  SSL_CTX* tls = nullptr;
  std::thread thread;
  bool started = false;
  bool stopped = false;

  Impl(const Router& r, ServerOptions o) : router(r), options(std::move(o)) {}
  ~Impl() {
    if (tls) SSL_CTX_free(tls);
  }

  Status load_tls() {
    const std::string& cert = options.tls_cert;
    const std::string& key = options.tls_key;
    if (cert.empty() && key.empty()) return {};
    if (cert.empty() || key.empty()) return invalid_argument("HTTPS needs both a certificate and a key");
    tls = SSL_CTX_new(TLS_server_method());
    bool ok = tls && SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION) == 1 &&
              SSL_CTX_use_certificate_chain_file(tls, cert.c_str()) == 1 &&
              SSL_CTX_use_PrivateKey_file(tls, key.c_str(), SSL_FILETYPE_PEM) == 1 && SSL_CTX_check_private_key(tls) == 1;
    ERR_clear_error();
    if (!ok) return invalid_argument(fmt::format("cannot load the certificate {} / key {} (PEM files expected)", cert, key));
    SSL_CTX_set_mode(tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return {};
  }

  // A whole response for the pool to write itself, then close.
  std::string closing_response(int status, const char* reason, const std::string& message) const {
    Response r = router.error(status, message);
    return fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                       status, reason, r.content_type, r.body.size(), r.body);
  }

  void configure_transport() {
    const ServerLimits& limits = options.limits;
    http->new_task_queue = [] { return new HandOver(); };
    http->set_payload_max_length(limits.max_body_bytes);
    http->set_keep_alive_max_count(std::max<size_t>(1, limits.max_requests_per_connection));
    http->set_keep_alive_timeout(std::max<time_t>(1, std::chrono::duration_cast<std::chrono::seconds>(limits.keep_alive_timeout).count()));
    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      t_routed = true;
      ignore_ranges(req);
      offer_no_brotli(req);
      Request request = to_request(req);
      to_response(router.dispatch(request), res);
    };
    // Every path goes to the router, which matches it.
    http->Get(".*", handle);
    http->Post(".*", handle);
    http->Put(".*", handle);
    http->Patch(".*", handle);
    http->Delete(".*", handle);
    http->Options(".*", handle);
    http->set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          ignore_ranges(req);
          offer_no_brotli(req);
          if (t_routed) return httplib::Server::HandlerResponse::Unhandled;  // the router's answer
          res.set_header("Connection", "close");
          Response r = router.error(res.status, transport_message(res.status));
          res.set_content(r.body, r.content_type.c_str());
          return httplib::Server::HandlerResponse::Handled;
        }));
    // httplib adds Keep-Alive to every answer it does not close itself.
    http->set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.get_header_value("Connection") == "close") res.headers.erase("Keep-Alive");
    });
    http->set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
      fmt::print(stderr, "internal error while serving {} (request dropped)\n", req.method);
      Response r = router.error(500, "internal error (the server log has the details)");
      res.status = 500;
      res.set_content(r.body, r.content_type.c_str());
    });
    if (options.log) {
      http->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        Request seen;
        seen.method = req.method;
        seen.path = req.path;
        seen.remote_addr = req.remote_addr;
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_served_at).count();
        options.log(seen, res.status, ms);
      });
    }
  }
};

HttpServer::HttpServer(const Router& router, ServerOptions options)
    : impl_(std::make_unique<Impl>(router, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

Result<int> HttpServer::start() {
  Impl& m = *impl_;
  if (m.started) return failed_precondition("the server is already started");
  MEMGPT_RETURN_IF_ERROR(m.load_tls());
  // A client that goes away while a response is written must not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  m.http = std::make_unique<Transport>();
  m.configure_transport();
  const ServerLimits limits = m.options.limits;
  Transport* transport = m.http.get();
  m.pool = std::make_unique<ConnectionPool>(
      limits, m.tls, m.closing_response(503, "Service Unavailable", "too many connections from this address; try again later"),
      m.closing_response(431, "Request Header Fields Too Large", "the request head is too large"),
      [transport, limits](Connection& conn, bool close_connection) {
        t_served_at = std::chrono::steady_clock::now();
        return transport->serve(conn, limits, close_connection);
      });
  m.http->pool = m.pool.get();
  const std::string& host = m.options.host;
  int port = m.options.port == 0 ? m.http->bind_to_any_port(host)
                                 : (m.http->bind_to_port(host, m.options.port) ? m.options.port : -1);
  if (port <= 0) return unavailable(fmt::format("cannot listen on {}:{} (is the port in use?)", host, m.options.port));
  raise_listen_backlog(port);
  m.pool->start();
  m.thread = std::thread([&m] { m.http->listen_after_bind(); });
  while (!m.http->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  m.started = true;
  return port;
}

void HttpServer::stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  m.http->stop();  // no new connections
  if (m.thread.joinable()) m.thread.join();
  m.pool->shutdown();  // answers what was received, closes the rest
}

}  // namespace memgpt::http
