// The libcurl client against a real HTTP server on loopback (cpp-httplib).
#include "util/http_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "support/test_env.h"

namespace memgpt {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Echo-Auth", req.get_header_value("Authorization"));
      res.set_content(req.body, "application/json");
    });
    server_.Get("/status/418", [](const httplib::Request&, httplib::Response& res) {
      res.status = 418;
      res.set_content("teapot", "text/plain");
    });
    server_.Get("/flaky", [this](const httplib::Request&, httplib::Response& res) {
      if (++flaky_calls_ < 3) {
        res.status = 429;
        res.set_header("Retry-After", "0");
        return;
      }
      res.set_content("finally", "text/plain");
    });
    server_.Get("/always500", [this](const httplib::Request&, httplib::Response& res) {
      ++fail_calls_;
      res.status = 500;
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    server_.Get("/stream", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t offset, httplib::DataSink& sink) {
        if (offset >= 5) {
          sink.done();
          return true;
        }
        std::string piece = std::to_string(offset);
        sink.write(piece.data(), piece.size());
        return true;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    client_ = make_curl_http_client();
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<HttpClient> client_;
  std::atomic<int> flaky_calls_{0}, fail_calls_{0};
};

TEST_F(HttpClientTest, PostsBodyAndHeadersAndReadsResponseHeaders) {
  HttpRequest req;
  req.url = url("/echo");
  req.body = R"({"x":1})";
  req.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer abc"}};
  auto r = client_->send(req);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"x":1})");
  EXPECT_EQ(r->headers["x-echo-auth"], "Bearer abc");
  EXPECT_EQ(r->headers["content-type"], "application/json");
}

TEST_F(HttpClientTest, HttpErrorsAreResultsNotFailures) {
  HttpRequest req{"GET", url("/status/418")};
  auto r = client_->send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 418);
  EXPECT_EQ(r->body, "teapot");
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailableAndNamesTheUrl) {
  testing::ClosedPort closed;
  int dead = closed.port();
  HttpRequest req{"GET", "http://127.0.0.1:" + std::to_string(dead) + "/x"};
  auto r = client_->send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("127.0.0.1:" + std::to_string(dead)), std::string::npos);
}

// A configured endpoint must not turn the client into a local file reader or a raw TCP sender.
TEST_F(HttpClientTest, OnlyHttpAndHttpsUrlsAreFetched) {
  testing::TempDir dir;
  std::string secret = dir.path() + "/secret.txt";
  {
    std::ofstream out(secret);
    out << "operator-secret";
  }
  const std::vector<std::string> refused = {
      "file://" + secret,
      "FILE://" + secret,
      "gopher://127.0.0.1:" + std::to_string(port_) + "/_GET%20/echo",
      "dict://127.0.0.1:" + std::to_string(port_) + "/x",
      "ftp://127.0.0.1:" + std::to_string(port_) + "/x",
  };
  for (const auto& target : refused) {
    SCOPED_TRACE(target);
    HttpRequest req{"GET", target};
    req.timeout_ms = 2000;  // what a raw protocol would wait for from the HTTP test server
    auto r = client_->send(req);
    ASSERT_FALSE(r.ok()) << "fetched: " << r->body;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().message();
    EXPECT_NE(r.status().message().find("is not an http:// or https:// URL"), std::string::npos)
        << r.status().message();
  }
  // Without a scheme the URL is http://, however the host is named.
  HttpRequest plain{"GET", "127.0.0.1:" + std::to_string(port_) + "/status/418"};
  auto r = client_->send(plain);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 418);
}

TEST_F(HttpClientTest, TimeoutIsReported) {
  HttpRequest req{"GET", url("/slow")};
  req.timeout_ms = 300;
  auto r = client_->send(req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kTimeout);
}

TEST_F(HttpClientTest, RetriesHonourRetryAfterUntilSuccess) {
  HttpRequest req{"GET", url("/flaky")};
  RetryPolicy policy;
  policy.max_attempts = 5;
  policy.initial_backoff_ms = 10;
  auto r = send_with_retry(*client_, req, policy);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "finally");
  EXPECT_EQ(flaky_calls_.load(), 3);
}

TEST_F(HttpClientTest, RetriesStopAtTheLimit) {
  HttpRequest req{"GET", url("/always500")};
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff_ms = 5;
  auto r = send_with_retry(*client_, req, policy);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(fail_calls_.load(), 3);
}

TEST_F(HttpClientTest, StreamingDeliversChunksAndCanAbort) {
  HttpRequest req{"GET", url("/stream")};
  std::string got;
  req.on_body_chunk = [&](std::string_view chunk) {
    got += chunk;
    return true;
  };
  auto r = client_->send(req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(got, "01234");
  EXPECT_TRUE(r->body.empty());
  req.on_body_chunk = [](std::string_view) { return false; };
  auto aborted = client_->send(req);
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.status().code(), ErrorCode::kCancelled);
}

}  // namespace
}  // namespace memgpt
