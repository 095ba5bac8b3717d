// The transport on loopback: requests reach the router's handlers, keep-alive and pipelined
// requests on one connection, streamed bodies, the body limit, and the caps answered in the
// server's own error shape.
#include "http/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <vector>

#include "support/raw_client.h"
#include "util/json.h"

namespace memgpt::http {
namespace {

// What a raw client reads after sending `bytes` on a new connection, and whether the server
// closed it (rather than the read waiting `wait_ms` for more).
struct Exchange {
  std::string got;
  bool closed = false;
  size_t answers() const {
    size_t n = 0;
    for (size_t p = got.find("HTTP/1.1 "); p != std::string::npos; p = got.find("HTTP/1.1 ", p + 1)) ++n;
    return n;
  }
  std::string body() const {
    size_t p = got.find("\r\n\r\n");
    return p == std::string::npos ? "" : got.substr(p + 4);
  }
};

Exchange exchange(int port, const std::string& bytes, int wait_ms = 3000) {
  Exchange out;
  testing::RawClient client(port);
  if (!client.connected()) return out;
  client.send(bytes);
  out.got = client.receive(wait_ms);
  out.closed = client.closed_by_server();
  return out;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add("POST", "/echo/*", [](const Request& req) {
      Json j = {{"param", req.params[0]}, {"body", req.body}, {"q", req.query_value("q")},
                {"auth", req.header("authorization")}, {"files", req.files.size()}};
      return Response::json_text(201, j.dump());
    });
    router_.add("GET", "/stream", [](const Request&) {
      Response r;
      r.content_type = "text/event-stream";
      r.stream = [](BodyWriter& w) {
        for (int i = 0; i < 3; ++i) w.write("data: " + std::to_string(i) + "\n\n");
      };
      return r;
    });
    router_.set_error_renderer([](int status, const std::string& message) {
      return Response::json_text(status, Json{{"error", message}}.dump());
    });
  }
  int start(ServerLimits limits = {}) {
    ServerOptions o;
    o.limits = limits;
    server_ = std::make_unique<HttpServer>(router_, o);
    auto port = server_->start();
    EXPECT_TRUE(port.ok()) << port.status().message();
    return port.ok() ? *port : 0;
  }
  Router router_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RequestsReachTheHandlerWithParamsQueryHeadersAndBody) {
  int port = start();
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/echo/abc?q=x%20y", httplib::Headers{{"Authorization", "Bearer t"}}, "hello", "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["param"], "abc");
  EXPECT_EQ(j["body"], "hello");
  EXPECT_EQ(j["q"], "x y");
  EXPECT_EQ(j["auth"], "Bearer t");
  httplib::MultipartFormDataItems items = {{"file", "content", "a.txt", "text/plain"}};
  r = c.Post("/echo/up", items);
  ASSERT_TRUE(r);
  EXPECT_EQ(Json::parse(r->body)["files"], 1);
}

TEST_F(HttpServerTest, KeepAliveAndPipelinedRequestsShareAConnection) {
  int port = start();
  Exchange e = exchange(port,
                        "POST /echo/one HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
                        "POST /echo/two HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nB",
                        5000);
  EXPECT_NE(e.got.find(R"("param":"one")"), std::string::npos) << e.got;
  EXPECT_NE(e.got.find(R"("param":"two")"), std::string::npos) << e.got;
}

TEST_F(HttpServerTest, StreamedBodiesArriveWhole) {
  int port = start();
  httplib::Client c("127.0.0.1", port);
  auto r = c.Get("/stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
}

TEST_F(HttpServerTest, TransportErrorsUseTheServersShape) {
  ServerLimits limits;
  limits.max_body_bytes = 1000;
  int port = start(limits);
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/echo/big", std::string(5000, 'x'), "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Json::parse(r->body)["error"], "request body too large");
  r = c.Get("/nowhere");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(Json::parse(r->body).contains("error"));
}

// httplib answers these itself, before any route: each gets one answer in the server's shape,
// then the connection closes (the rest of the bytes is not read as more requests).
TEST_F(HttpServerTest, UnparseableRequestsAreAnsweredInTheServersShapeThenClosed) {
  int port = start();
  const std::vector<std::string> requests = {
      "GET /echo/a?x?y HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",           // a second '?'
      "BREW /echo/a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\n",              // unknown method
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",                                 // HTTP/2 preface
      "POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
      "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",   // URI too long
  };
  for (const auto& request : requests) {
    Exchange e = exchange(port, request);
    SCOPED_TRACE(request.substr(0, 60));
    EXPECT_EQ(e.answers(), 1u) << e.got;
    EXPECT_TRUE(e.closed) << e.got;
    EXPECT_EQ(e.got.find("Keep-Alive"), std::string::npos) << e.got;
    Json body = parse_json_or_discarded(e.body());
    EXPECT_TRUE(body.is_object() && body.contains("error")) << e.got;
  }
}

TEST_F(HttpServerTest, RangeHeadersAreIgnoredSoAnswersStayWholeJson) {
  int port = start();
  Exchange in_range = exchange(port, "POST /echo/a HTTP/1.1\r\nHost: x\r\nRange: bytes=0-5\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_EQ(in_range.got.rfind("HTTP/1.1 201", 0), 0u) << in_range.got;
  Json echoed = parse_json_or_discarded(in_range.body());
  EXPECT_TRUE(echoed.is_object() && echoed["body"] == "hi") << in_range.got;
  Exchange past_end = exchange(port, "GET /nowhere HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-2000\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(past_end.got.rfind("HTTP/1.1 404", 0), 0u) << past_end.got;
  Json error = parse_json_or_discarded(past_end.body());
  EXPECT_TRUE(error.is_object() && error.contains("error")) << past_end.got;
  Exchange two = exchange(port, "GET /stream HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,3-4\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(two.got.find("multipart/byteranges"), std::string::npos) << two.got;
}

// Replies are compressed with gzip, never brotli (httplib's brotli runs at its slowest quality).
TEST_F(HttpServerTest, RepliesAreGzippedEvenWhenTheClientAlsoAcceptsBrotli) {
  int port = start();
  auto coding_for = [&](const std::string& accepted) {
    std::string request = "POST /echo/a HTTP/1.1\r\nHost: x\r\nAccept-Encoding: " + accepted +
                          "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
    Exchange e = memgpt::http::exchange(port, request);  // not std::exchange, which a std::string finds
    EXPECT_EQ(e.got.rfind("HTTP/1.1 201", 0), 0u) << e.got;
    size_t at = e.got.find("Content-Encoding: ");
    return at == std::string::npos ? std::string("identity") : e.got.substr(at + 18, e.got.find("\r\n", at) - at - 18);
  };
  EXPECT_EQ(coding_for("gzip, deflate, br"), "gzip");
  EXPECT_EQ(coding_for("br;q=1.0, gzip;q=0.8"), "gzip");
  EXPECT_EQ(coding_for("BR"), "identity");
  EXPECT_EQ(coding_for("br"), "identity");
}

// RFC 9112 6.3: no Content-Length and no chunked Transfer-Encoding means no body (curl -X POST
// sends such requests). The next request on the connection is not taken for that body.
TEST_F(HttpServerTest, ARequestWithoutBodyFramingHasAnEmptyBodyAndIsAnsweredAtOnce) {
  ServerLimits limits;
  limits.read_timeout = std::chrono::milliseconds(60000);  // what a body read would wait
  int port = start(limits);
  Exchange e = exchange(port,
                        "POST /echo/first HTTP/1.1\r\nHost: x\r\n\r\n"
                        "POST /echo/second HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nB",
                        10000);
  EXPECT_EQ(e.answers(), 2u) << e.got;
  EXPECT_NE(e.got.find(R"({"auth":"","body":"","files":0,"param":"first")"), std::string::npos) << e.got;
  EXPECT_NE(e.got.find(R"("body":"B")"), std::string::npos) << e.got;
  // Not a length either: answered in JSON (httplib reads -5 as 2^64 - 5: too large).
  Exchange negative = exchange(port, "POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 10000);
  EXPECT_EQ(negative.answers(), 1u) << negative.got;
  Json error = parse_json_or_discarded(negative.body());
  EXPECT_TRUE(error.is_object() && error.contains("error")) << negative.got;
}

TEST_F(HttpServerTest, AHeadOverTheLimitIsAnswered431AndClosed) {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  int port = start(limits);
  Exchange e = exchange(port, "GET /stream HTTP/1.1\r\nX-Big: " + std::string(4000, 'a'), 5000);
  EXPECT_EQ(e.got.rfind("HTTP/1.1 431", 0), 0u) << e.got;
  EXPECT_NE(e.got.find("the request head is too large"), std::string::npos) << e.got;
  EXPECT_TRUE(e.closed);
}

TEST_F(HttpServerTest, StopAnswersTheRunningRequest) {
  std::atomic<bool> entered{false};
  router_.add("GET", "/slow", [&](const Request&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Response::json_text(200, "{}");
  });
  int port = start();
  int status = 0;
  std::thread client([&] {
    httplib::Client c("127.0.0.1", port);
    auto r = c.Get("/slow");
    status = r ? r->status : -1;
  });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server_->stop();
  client.join();
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace memgpt::http
