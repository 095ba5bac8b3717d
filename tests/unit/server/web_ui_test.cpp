// The web interface's files at the server's root: content types, caching, the security policy,
// index.html for the page's own routes, API paths left to the API's 404, and a build without
// the interface saying so.
#include "server/web_ui.h"

#include <gtest/gtest.h>

#include "util/json.h"

namespace memgpt::server {
namespace {

const EmbeddedFile kFiles[] = {
    {"index.html", "<!doctype html><title>memgpt</title>"},
    {"assets/index-AbC123.js", "console.log(1)"},
    {"assets/index-XyZ789.css", "body{}"},
};

http::Response get(const http::Router& router, const std::string& path, const std::string& method = "GET") {
  http::Request req;
  req.method = method;
  req.path = path;
  return router.dispatch(req);
}

std::string header(const http::Response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

class WebUi : public ::testing::Test {
 protected:
  WebUi() {
    router.add("GET", "/v1/health", [](const http::Request&) { return http::Response::json_text(200, "{}"); });
    serve_web_interface(router, kFiles);
  }
  http::Router router;
};

TEST_F(WebUi, TheRootIsTheIndexPageUnderAStrictPolicyAndRevalidated) {
  auto r = get(router, "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, "<!doctype html><title>memgpt</title>");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  std::string csp = header(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
}

TEST_F(WebUi, HashedAssetsHaveTheirTypeAndAreCachedForAYear) {
  auto js = get(router, "/assets/index-AbC123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  auto css = get(router, "/assets/index-XyZ789.css");
  EXPECT_EQ(css.content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get(router, "/assets/index-gone.js").status, 404);
  EXPECT_EQ(get(router, "/favicon.ico").status, 404);
}

TEST_F(WebUi, ThePagesOwnRoutesGetTheIndexPage) {
  for (const char* path : {"/agents/agent-123", "/sources", "/agents/agent-123/"}) {
    auto r = get(router, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>memgpt</title>") << path;
  }
}

TEST_F(WebUi, UnknownApiPathsAndOtherMethodsStayApi404s) {
  EXPECT_EQ(get(router, "/v1/health").status, 200);
  for (const char* path : {"/v1/no-such-thing", "/v1", "/api/agents/x/nothing", "/admin/x"}) {
    auto r = get(router, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "application/json") << path;
    EXPECT_NE(parse_json_or_discarded(r.body).value("message", "").find("no such endpoint"), std::string::npos) << r.body;
  }
  EXPECT_EQ(get(router, "/agents/x", "POST").status, 404);
  EXPECT_EQ(get(router, "/", "DELETE").status, 404);
}

TEST(WebUiNotBuilt, TheRootSaysTheInterfaceIsNotInThisBuild) {
  http::Router router;
  serve_web_interface(router, {});
  auto r = get(router, "/");
  EXPECT_EQ(r.status, 501);
  EXPECT_NE(r.body.find("not in this build"), std::string::npos) << r.body;
  EXPECT_EQ(get(router, "/v1/agents").status, 404);
}

TEST(WebUiContentType, KnownExtensionsAndAFallback) {
  EXPECT_STREQ(web_content_type("a.svg"), "image/svg+xml");
  EXPECT_STREQ(web_content_type("assets/x.woff2"), "font/woff2");
  EXPECT_STREQ(web_content_type("blob"), "application/octet-stream");
}

}  // namespace
}  // namespace memgpt::server
