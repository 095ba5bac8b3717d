// ChatModel: one interface over every LLM backend (OpenAI-compatible servers, Anthropic, the
// local backends with prompt wrappers). Backends translate these types to their wire format.
// Errors are classified (see LlmError) so the agent can react: summarise on context overflow,
// report bad keys, retry later on rate limits.
// Thread-safety: a ChatModel may be used from several threads at once.
#pragma once

#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::llm {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text as the model wrote it (may be invalid: the agent checks)
};

struct ChatMessage {
  std::string role;  // system | user | assistant | tool
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant
  std::string tool_call_id;          // tool
  std::string name;                  // tool: the function name
};

// What a streaming backend reports while a reply arrives.
struct StreamDelta {
  std::string content;         // a piece of the assistant's text
  std::string tool_name;       // set when a tool call starts
  std::string tool_arguments;  // a piece of a tool call's arguments
};

struct ChatRequest {
  std::vector<ChatMessage> messages;
  Json tools = Json::array();   // OpenAI tool definitions
  std::string tool_choice = "auto";  // auto | required | none | <function name>
  std::optional<double> temperature;
  std::optional<int> max_tokens;
  // Streaming: called for each delta when set (backends that cannot stream ignore it).
  std::function<void(const StreamDelta&)> on_delta;
  // Set to true from another thread to abandon the request (kCancelled), even mid-wait.
  const std::atomic<bool>* cancel = nullptr;
  // Told before each retry of a transient failure: the attempt about to start and why the last
  // one failed (the call is still within its deadline).
  std::function<void(int attempt, const std::string& reason)> on_retry;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t total_tokens = 0;

  Usage& operator+=(const Usage& other) {
    prompt_tokens += other.prompt_tokens;
    completion_tokens += other.completion_tokens;
    total_tokens += other.total_tokens;
    return *this;
  }
  friend Usage operator+(Usage a, const Usage& b) { return a += b; }
  friend bool operator==(const Usage&, const Usage&) = default;
};

struct ChatResponse {
  ChatMessage message;        // role assistant
  std::string finish_reason;  // stop | tool_calls | length | content_filter | ...
  Usage usage;
  std::string model;
};

// The class of a failed model call, so callers can react without reading messages: summarise
// on context overflow, report a bad key, wait on rate limits, and answer an HTTP client with
// the right status (the server's table maps these classes; see llm_error_of). Only this header
// puts a class into a Status or reads it back: use llm_failure() and llm_error_of(), never
// Status::detail() directly.
enum class LlmError : int {
  kNone = 0,                      // not a classified failure of a model call
  kContextWindowExceeded = 1001,  // the prompt is too long for the model
  kAuthentication = 1002,         // bad or missing key (the operator's, not the client's)
  kModelNotFound = 1003,          // no such model or endpoint at the configured server
  kRateLimited = 1004,            // still rate limited after the retries the deadline allowed
  kBadResponse = 1005,            // the reply could not be understood, or the server failed
  kOutputTruncated = 1006,        // finish_reason "length" before a usable reply
  kUnreachable = 1007,            // the server could not be reached or the connection broke
  kTimedOut = 1008,               // no answer within the call's deadline ([model] timeout)
};

inline Status llm_failure(ErrorCode code, std::string message, LlmError kind) {
  return Status(code, std::move(message), static_cast<int>(kind), DetailDomain::kLlm);
}

// A streamed reply that ended before the model finished (`transport_error`: what the
// connection reported, if anything).
inline Status stream_cut_off(const std::string& transport_error) {
  std::string message = "the LLM stream was cut off before the reply was complete";
  if (!transport_error.empty()) message += " (" + transport_error + ")";
  return llm_failure(ErrorCode::kUnavailable, std::move(message), LlmError::kBadResponse);
}

// The class of `s` (kNone for success and for failures that are not a model call's).
inline LlmError llm_error_of(const Status& s) {
  if (s.ok() || s.detail_domain() != DetailDomain::kLlm) return LlmError::kNone;
  return static_cast<LlmError>(s.detail());
}

// A rate-limited failure with the wait the server asked for (its Retry-After; < 0: none), so a
// server of ours can pass it on to its client.
inline Status with_retry_hint(Status s, double retry_after_seconds) {
  if (llm_error_of(s) != LlmError::kRateLimited || retry_after_seconds < 0) return s;
  return s.with_retry_after(static_cast<int>(std::ceil(retry_after_seconds)));
}

// "context_window_exceeded", "authentication", ... ("" for kNone): for logs and error bodies.
inline const char* llm_error_name(LlmError kind) {
  switch (kind) {
    case LlmError::kNone: return "";
    case LlmError::kContextWindowExceeded: return "context_window_exceeded";
    case LlmError::kAuthentication: return "authentication";
    case LlmError::kModelNotFound: return "model_not_found";
    case LlmError::kRateLimited: return "rate_limited";
    case LlmError::kBadResponse: return "bad_response";
    case LlmError::kOutputTruncated: return "output_truncated";
    case LlmError::kUnreachable: return "unreachable";
    case LlmError::kTimedOut: return "timed_out";
  }
  return "";
}

inline bool is_context_overflow(const Status& s) {
  return llm_error_of(s) == LlmError::kContextWindowExceeded;
}

// Every backend bounds a call by LlmConfig::timeout_ms in total (all attempts included) and
// retries only transient failures within it (see llm/model_call.h).
class ChatModel {
 public:
  virtual ~ChatModel() = default;
  virtual Result<ChatResponse> complete(const ChatRequest& request) = 0;
  virtual std::string model_name() const = 0;
  // "openai", "anthropic", "ollama", ...
  virtual std::string endpoint_type() const = 0;
  // The context window the model really has when it knows better than the configuration (an
  // in-process model clamps a window larger than the one it was trained on); 0: as configured.
  virtual int context_window() const { return 0; }
};

}  // namespace memgpt::llm
