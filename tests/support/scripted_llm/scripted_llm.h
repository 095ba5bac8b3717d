// A scripted LLM server for tests (a hosted LLM cannot run here). It plays the replies of a
// scenario in order, records every request, and checks each request against the rules the real
// API enforces, answering like the real API (status and error shape) on a violation. A
// violation is also a test failure: stop() (and so the destructor) reports every recorded
// violation to gtest, unless the test called allow_violations() because it sends invalid
// requests on purpose.
//
// Scenario JSON: {"model": "gpt-4o-mini", "replies": [reply, ...],
//                 "require_auth": true, "api_key": "sk-..."}   (OpenAI route, see below)
// A reply is either the short form
//   {"content": "inner thoughts", "tool": "send_message", "arguments": {...} | "raw json text",
//    "tool_calls": [{"tool": ..., "arguments": ...}, ...]   (more calls after "tool"),
//    "finish_reason": "stop"}
// or an assistant message as the Chat Completions API returns it
//   {"message": {"role": "assistant", "content": "...", "tool_calls": [{"id": "call_1",
//     "type": "function", "function": {"name": ..., "arguments": "json text" | {...}}}]},
//    "finish_reason": "tool_calls"}
// plus, in either form, what the transport does: "status": 200, "error": {...},
// "retry_after": 1, "delay_ms": 0, "cut_stream": false, "drop_connection": false,
// "truncate_body": false, "stream_error": {"type": "overloaded_error", "message": ...}
// (Anthropic: an error event). After the script runs out, every request gets a 500 "scenario
// exhausted" error.
//
// Routes: POST /v1/chat/completions (OpenAI Chat Completions: scripted_openai.cpp), POST
// /openai/deployments/{deployment}/chat/completions?api-version=... (Azure OpenAI: the same
// body, the key in an `api-key` header, a Bearer header refused; the deployment is the
// scenario's "deployment", else its "model"), POST
// /v1/messages (Anthropic Messages: scripted_anthropic.cpp), and the local backends' native
// APIs /api/generate, /completion, /api/v1/generate, /v1/completions (scripted_local.cpp, with
// the extra reply field "raw_text" and the scenario field "system"). GET /v1/models lists the
// scenario's model; GET /_requests and /_violations return the logs (for tests in other
// languages).
//
// The OpenAI route requires "Authorization: Bearer <key>" (the key must equal "api_key" when
// the scenario names one); a scenario with "require_auth": false plays a keyless local server.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/json.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace memgpt::testing {

// One tool call of a scripted reply; an empty id is assigned by the route.
struct ScriptedCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text as the model wrote it (may be invalid on purpose)
};

// What a scripted reply says, whichever form it was written in.
struct ScriptedAnswer {
  std::string content;
  std::vector<ScriptedCall> calls;
  std::string finish_reason;  // "stop", "tool_calls", "length", ...
};

// A request the real API would refuse: the HTTP status and the error's fields.
struct ApiError {
  int status = 400;
  std::string message;
  std::string param;  // the offending parameter ("" = none)
  std::string code;   // e.g. "invalid_type" ("" = null)
};

class ScriptedLlmServer {
 public:
  explicit ScriptedLlmServer(Json scenario);
  ~ScriptedLlmServer();
  ScriptedLlmServer(const ScriptedLlmServer&) = delete;
  ScriptedLlmServer& operator=(const ScriptedLlmServer&) = delete;

  // Listens on 127.0.0.1 (port 0 = any free port); returns the port.
  int start(int port = 0);
  // Stops listening and reports recorded violations as test failures (once).
  void stop();
  std::string base_url() const;  // http://127.0.0.1:<port>/v1
  std::string origin() const;    // http://127.0.0.1:<port> (an Azure resource endpoint)
  std::vector<Json> requests() const;  // a copy of every request so far
  size_t request_count() const;
  // Waits until at least `n` requests have arrived; false after `timeout_ms`. A readiness
  // signal: e.g. a step is running once its model request has arrived.
  bool wait_for_requests(size_t n, int timeout_ms = 30000) const;
  // Problems found in requests (empty when every request followed the rules).
  std::vector<std::string> violations() const;
  // The test sends invalid requests on purpose and checks violations() itself.
  void allow_violations() { report_violations_ = false; }
  size_t replies_left() const;
  // Appends replies to the script (the server may be running).
  void add_replies(const Json& replies);

  // Checks a Chat Completions request body; empty when valid.
  static std::string validate_request(const Json& body);
  // The same with the status, parameter and code the real API would answer with.
  static std::optional<ApiError> check_openai_request(const Json& body);
  // Checks a Messages API body (model, max_tokens, top-level system, alternating roles starting
  // with user, tool_use answered by tool_result in the next message, known tool names).
  static std::string validate_anthropic_request(const Json& body);
  // What a reply says, in either form.
  static ScriptedAnswer answer_of(const Json& reply);

 private:
  // Writes an error response in the route's API shape: (status, scripted error object).
  using ErrorWriter = std::function<void(int status, const Json& error)>;
  // The next reply for a request, after the transport behaviour every route shares: an
  // exhausted script (500), a delay, a dropped connection, a scripted error status. Null when
  // the response has been written already.
  std::optional<Json> take_reply(httplib::Response& res, const ErrorWriter& write_error);
  void add_openai_routes();     // scripted_openai.cpp
  void add_anthropic_routes();  // scripted_anthropic.cpp
  void add_local_routes();      // scripted_local.cpp
  void record_request(const Json& body);
  void record_violation(const std::string& problem);
  // Closes the connection without a complete reply (headers promise a body that never comes).
  static void drop_connection(httplib::Response& res);
  // Pieces of at most `n` bytes that never split a UTF-8 sequence (each must dump as JSON).
  static std::vector<std::string> utf8_pieces(const std::string& s, size_t n);
  // Serves pre-built events as a stream; a cut stream stops after half of them, mid-way.
  static void send_events(httplib::Response& res, const char* content_type,
                          std::vector<std::string> events, bool cut);

  Json scenario_;
  std::string model_;
  size_t next_ = 0;
  int port_ = 0;
  bool report_violations_ = true;
  bool reported_ = false;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable arrived_;
  std::vector<Json> requests_;
  std::vector<std::string> violations_;
};

}  // namespace memgpt::testing
