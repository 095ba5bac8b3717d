// A scripted OpenAI-compatible chat server for tests (a hosted LLM cannot run here). It plays
// the replies of a scenario in order, records every request, and checks each request against
// the Chat Completions rules the real API enforces, answering 400 like the real API on a
// violation so tests fail loudly.
//
// Scenario JSON: {"model": "gpt-4o-mini", "replies": [reply, ...]} where a reply is
//   {"content": "inner thoughts", "tool": "send_message", "arguments": {...} | "raw json text",
//    "finish_reason": "stop", "status": 200, "error": {...}, "retry_after": 1,
//    "delay_ms": 0, "cut_stream": false, "drop_connection": false,
//    "tool_calls": [{"tool": ..., "arguments": ...}, ...]   (more calls after "tool"),
//    "stream_error": {"type": "overloaded_error", "message": ...}   (Anthropic: an error event)}
// After the script runs out, every request gets a 500 "scenario exhausted" error.
//
// The same server speaks the Anthropic Messages API at POST /v1/messages (same scenario format,
// same request log), checking Anthropic's rules instead (see validate_anthropic_request).
// The same replies also answer the local backends' native APIs (/api/generate, /completion,
// /api/v1/generate, /v1/completions), written as the prompt wrappers' JSON answer; see
// scripted_local.cpp for the extra reply field "raw_text" and the scenario field "system".
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "util/json.h"

namespace httplib {
class Server;
struct Response;
}

namespace memgpt::testing {

class ScriptedLlmServer {
 public:
  explicit ScriptedLlmServer(Json scenario);
  ~ScriptedLlmServer();
  // Listens on 127.0.0.1 (port 0 = any free port); returns the port.
  int start(int port = 0);
  void stop();
  std::string base_url() const;  // http://127.0.0.1:<port>/v1
  std::vector<Json> requests() const;  // a copy of every request so far
  size_t request_count() const;
  // Problems found in requests (empty when every request followed the rules).
  std::vector<std::string> violations() const;
  size_t replies_left() const;

  // Checks a Chat Completions request body; empty when valid.
  static std::string validate_request(const Json& body);
  // Checks a Messages API body (model, max_tokens, top-level system, alternating roles starting
  // with user, tool_use answered by tool_result in the next message, known tool names).
  static std::string validate_anthropic_request(const Json& body);
  // The calls a scripted reply makes: "tool" then "tool_calls", as (name, arguments JSON text).
  static std::vector<std::pair<std::string, std::string>> reply_tool_calls(const Json& reply);

 private:
  Json next_reply();
  void add_anthropic_routes(const std::string& model);  // scripted_anthropic.cpp
  void record_request(const Json& body);
  void record_violation(const std::string& problem);
  // Closes the connection without a complete reply (headers promise a body that never comes).
  static void drop_connection(httplib::Response& res);
  // The native APIs of the local backends (scripted_local.cpp).
  void add_local_routes(httplib::Server& server);
  Json scenario_;
  size_t next_ = 0;
  int port_ = 0;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<Json> requests_;
  std::vector<std::string> violations_;
};

}  // namespace memgpt::testing
