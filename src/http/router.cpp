#include "http/router.h"

#include <cctype>
#include <cstdio>
#include <exception>
#include <strings.h>

#include <fmt/format.h>

#include "util/json.h"

namespace memgpt::http {

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return ::strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string Request::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Request::query_value(const std::string& key) const {
  auto it = query.find(key);
  return it == query.end() ? std::string() : it->second;
}

const FilePart* Request::file(const std::string& field) const {
  for (const auto& f : files) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

bool Request::is_multipart() const {
  return header("Content-Type").rfind("multipart/form-data", 0) == 0;
}

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t next = path.find('/', i);
    if (next == std::string::npos) next = path.size();
    if (next > i) out.push_back(path.substr(i, next - i));
    i = next + 1;
  }
  return out;
}

namespace {

bool is_id(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != ':' && c != '-') return false;
  }
  return true;
}

// One line for a log: control characters (from a request or an exception) flattened.
std::string loggable(std::string text) {
  if (text.size() > 500) text.resize(500);
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

}  // namespace

Router::Router() {
  render_error_ = [](int status, const std::string& message) {
    return Response::json_text(status, Json{{"message", message}}.dump(-1, ' ', false, Json::error_handler_t::replace));
  };
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, path_segments(pattern), std::move(handler)});
}

Response Router::dispatch(Request& request) const {
  // A path with "//" or a trailing "/" matches as its segments; an empty segment in the middle
  // would make "/a//b" equal "/a/b", which is harmless for these APIs.
  std::vector<std::string> segments = path_segments(request.path);
  for (const auto& route : routes_) {
    if (route.method != request.method || route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (route.segments[i] == "*") {
        match = is_id(segments[i]);
        if (match) params.push_back(segments[i]);
      } else {
        match = route.segments[i] == segments[i];
      }
    }
    if (!match) continue;
    request.params = std::move(params);
    return run(route.handler, request);
  }
  if (fallback_) return run(fallback_, request);
  return error(404, fmt::format("no such endpoint: {} {}", request.method, loggable(request.path)));
}

Response Router::run(const Handler& handler, Request& request) const {
  try {
    return handler(request);
  } catch (const std::exception& e) {
    fmt::print(stderr, "internal error in {} {}: {}\n", request.method, loggable(request.path), loggable(e.what()));
  } catch (...) {
    fmt::print(stderr, "internal error in {} {}: unknown exception\n", request.method, loggable(request.path));
  }
  return error(500, "internal error (the server log has the details)");
}

}  // namespace memgpt::http
