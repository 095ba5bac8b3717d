// A scripted OpenAI-compatible chat server for tests (a hosted LLM cannot run here). It plays
// the replies of a scenario in order, records every request, and checks each request against
// the Chat Completions rules the real API enforces, answering 400 like the real API on a
// violation so tests fail loudly.
//
// Scenario JSON: {"model": "gpt-4o-mini", "replies": [reply, ...]} where a reply is
//   {"content": "inner thoughts", "tool": "send_message", "arguments": {...} | "raw json text",
//    "finish_reason": "stop", "status": 200, "error": {...}, "retry_after": 1,
//    "delay_ms": 0, "cut_stream": false, "drop_connection": false}
// After the script runs out, every request gets a 500 "scenario exhausted" error.
// The same replies also answer the local backends' native APIs (/api/generate, /completion,
// /api/v1/generate, /v1/completions), written as the prompt wrappers' JSON answer; see
// scripted_local.cpp for the extra reply field "raw_text" and the scenario field "system".
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/json.h"

namespace httplib {
class Server;
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
  std::vector<Json> requests() const;
  // Problems found in requests (empty when every request followed the rules).
  std::vector<std::string> violations() const;
  size_t replies_left() const;

  // Checks a Chat Completions request body; empty when valid.
  static std::string validate_request(const Json& body);

 private:
  Json next_reply();
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
