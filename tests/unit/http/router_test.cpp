// The router: patterns with id segments, trailing slashes, 404 in the server's error shape, and
// exceptions of a handler answered 500 without their text.
#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "util/json.h"

namespace memgpt::http {
namespace {

Request make(const std::string& method, const std::string& path) {
  Request r;
  r.method = method;
  r.path = path;
  return r;
}

Response echo_params(const Request& req) {
  Json j = Json::array();
  for (const auto& p : req.params) j.push_back(p);
  return Response::json_text(200, j.dump());
}

TEST(Router, CapturesIdSegmentsInOrder) {
  Router router;
  router.add("GET", "/v1/agents/*/core-memory/blocks/*", echo_params);
  Request req = make("GET", "/v1/agents/agent-1/core-memory/blocks/human");
  Response res = router.dispatch(req);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"(["agent-1","human"])");
}

TEST(Router, IgnoresATrailingSlash) {
  Router router;
  router.add("GET", "/v1/agents", echo_params);
  Request req = make("GET", "/v1/agents/");
  EXPECT_EQ(router.dispatch(req).status, 200);
}

TEST(Router, MethodAndEverySegmentMustMatch) {
  Router router;
  router.add("GET", "/v1/agents/*", echo_params);
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/v1/agents/a"}, {"GET", "/v1/agents"}, {"GET", "/v1/agents/a/b"}, {"GET", "/v2/agents/a"},
           {"GET", "/v1/agents/a b"}, {"GET", "/v1/agents/a%2Fb"}}) {
    Request req = make(method, path);
    EXPECT_EQ(router.dispatch(req).status, 404) << method << " " << path;
  }
}

TEST(Router, ErrorsUseTheServersShape) {
  Router router;
  router.set_error_renderer([](int status, const std::string& message) {
    return Response::json_text(status, Json{{"code", 1}, {"why", message}}.dump());
  });
  Request req = make("GET", "/nowhere");
  Response res = router.dispatch(req);
  EXPECT_EQ(res.status, 404);
  Json body = Json::parse(res.body);
  EXPECT_EQ(body["code"], 1);
  EXPECT_NE(body["why"].get<std::string>().find("/nowhere"), std::string::npos);
}

TEST(Router, AnExceptionBecomes500WithoutItsText) {
  Router router;
  router.add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("secret /etc/path detail"); });
  Request req = make("GET", "/boom");
  Response res = router.dispatch(req);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(res.body.find("secret"), std::string::npos) << res.body;
}

TEST(Router, RequestHelpersReadHeadersCaseInsensitively) {
  Request req = make("POST", "/x");
  req.headers.emplace("content-type", "multipart/form-data; boundary=x");
  req.query.emplace("limit", "5");
  req.files.push_back({"file", "a.txt", "text/plain", "hello"});
  EXPECT_EQ(req.header("Content-Type"), "multipart/form-data; boundary=x");
  EXPECT_TRUE(req.is_multipart());
  EXPECT_EQ(req.query_value("limit"), "5");
  EXPECT_EQ(req.query_value("missing"), "");
  ASSERT_NE(req.file("file"), nullptr);
  EXPECT_EQ(req.file("file")->content, "hello");
  EXPECT_EQ(req.file("other"), nullptr);
}

}  // namespace
}  // namespace memgpt::http
