// The transport on loopback: requests reach the router's handlers, keep-alive and pipelined
// requests on one connection, streamed bodies, the body limit, and the caps answered in the
// server's own error shape.
#include "http/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "support/raw_client.h"
#include "util/json.h"

namespace memgpt::http {
namespace {

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
  testing::RawClient client(port);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /echo/one HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nA"
                          "POST /echo/two HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nB"));
  std::string got = client.receive(5000);
  EXPECT_NE(got.find(R"("param":"one")"), std::string::npos) << got;
  EXPECT_NE(got.find(R"("param":"two")"), std::string::npos) << got;
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

TEST_F(HttpServerTest, AHeadOverTheLimitIsAnswered431AndClosed) {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  int port = start(limits);
  testing::RawClient client(port);
  ASSERT_TRUE(client.connected());
  client.send("GET /stream HTTP/1.1\r\nX-Big: " + std::string(4000, 'a'));
  std::string got = client.receive(5000);
  EXPECT_EQ(got.rfind("HTTP/1.1 431", 0), 0u) << got;
  EXPECT_NE(got.find("the request head is too large"), std::string::npos) << got;
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
