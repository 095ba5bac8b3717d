// Routes of a server: (method, path pattern) -> handler. Patterns are literal segments and "*"
// for one id segment ([A-Za-z0-9_.:-]+, captured into Request::params); a trailing slash in the
// request path is ignored. Matching is linear in the path (no regular expressions).
// Thread-safety: add() before serving; dispatch() from any number of threads.
#pragma once

#include <string>
#include <vector>

#include "http/http.h"

namespace memgpt::http {

// The body of an error the server itself produces (no route, a transport limit, a bug), in the
// server's own error shape (Letta JSON, the Milvus envelope...).
using ErrorRenderer = std::function<Response(int status, const std::string& message)>;

class Router {
 public:
  Router();
  void add(const std::string& method, const std::string& pattern, Handler handler);
  void set_error_renderer(ErrorRenderer renderer) { render_error_ = std::move(renderer); }
  // Answers requests no route matches (e.g. a web page's client-side routes) instead of the
  // 404; it may itself answer error(404, ...).
  void set_fallback(Handler fallback) { fallback_ = std::move(fallback); }

  // Runs the matching handler (404 when none). An exception escaping a handler is a bug: it is
  // logged to stderr and answered 500 without its text.
  Response dispatch(Request& request) const;
  Response error(int status, const std::string& message) const { return render_error_(status, message); }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "*" = capture
    Handler handler;
  };
  Response run(const Handler& handler, Request& request) const;
  std::vector<Route> routes_;
  ErrorRenderer render_error_;
  Handler fallback_;
};

// The segments of a path ("/v1/agents/x/" -> v1, agents, x); empty ones are dropped.
std::vector<std::string> path_segments(const std::string& path);

}  // namespace memgpt::http
