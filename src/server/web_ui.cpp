#include "server/web_ui.h"

#include <fmt/format.h>

namespace memgpt::server {
namespace {

// Scripts, styles, images and fetches from this server only; no inline script or style, no
// framing, no plugins, forms post nowhere.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

// First path segments that belong to the APIs: an unknown path there is an API 404, never the page.
bool is_api_path(const std::vector<std::string>& segments) {
  if (segments.empty()) return false;
  const std::string& first = segments.front();
  return first == "v1" || first == "api" || first == "admin" || first == "health";
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const EmbeddedFile* find_file(std::span<const EmbeddedFile> files, std::string_view name) {
  for (const auto& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

http::Response file_response(const EmbeddedFile& file) {
  http::Response r;
  r.content_type = web_content_type(file.name);
  r.body = std::string(file.data);
  // Vite puts a content hash in every name under assets/: such a file never changes.
  bool hashed = file.name.rfind("assets/", 0) == 0;
  r.headers.emplace("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace("Content-Security-Policy", kContentSecurityPolicy);
  r.headers.emplace("X-Content-Type-Options", "nosniff");
  r.headers.emplace("Referrer-Policy", "no-referrer");
  r.headers.emplace("X-Frame-Options", "DENY");
  return r;
}

}  // namespace

const char* web_content_type(std::string_view name) {
  static constexpr std::pair<std::string_view, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".ico", "image/x-icon"},
      {".json", "application/json"},         {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"}, {".map", "application/json"}};
  for (const auto& [suffix, type] : kTypes) {
    if (ends_with(name, suffix)) return type;
  }
  return "application/octet-stream";
}

void serve_web_interface(http::Router& router, std::span<const EmbeddedFile> files) {
  router.set_fallback([&router, files](const http::Request& req) -> http::Response {
    std::vector<std::string> segments = http::path_segments(req.path);
    if (is_api_path(segments) || (req.method != "GET" && req.method != "HEAD")) {
      return router.error(404, fmt::format("no such endpoint: {} {}", req.method, req.path.substr(0, 200)));
    }
    const EmbeddedFile* index = find_file(files, "index.html");
    if (!index) {
      http::Response r;
      r.status = 501;
      r.content_type = "text/plain; charset=utf-8";
      r.body =
          "The memgpt web interface is not in this build: Node.js or the npm packages that "
          "scripts/setup.sh installs were missing when it was built (run scripts/setup.sh, then "
          "make build). The API is served at /v1.\n";
      return r;
    }
    std::string name = req.path.size() > 1 ? req.path.substr(1) : std::string();
    if (const EmbeddedFile* f = name.empty() ? index : find_file(files, name)) return file_response(*f);
    // A missing file (its name has an extension) is a 404; any other path is one of the page's
    // own routes, which index.html renders.
    if (!segments.empty() && segments.back().find('.') != std::string::npos) {
      http::Response r;
      r.status = 404;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "not found\n";
      return r;
    }
    return file_response(*index);
  });
}

}  // namespace memgpt::server
