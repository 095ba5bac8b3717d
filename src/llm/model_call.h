// One model call over HTTP, the same for every backend (OpenAI-compatible, Anthropic, local):
// one deadline for the whole call (LlmConfig::timeout_ms, every attempt and wait included),
// retries only for transient failures (connection errors, 429, 5xx) and only while they can
// still finish before the deadline, Ctrl-C honoured at once (ChatRequest::cancel), and each
// retry told to the caller (ChatRequest::on_retry) so a user is not left staring at nothing.
#pragma once

#include <chrono>
#include <string>

#include "llm/chat_model.h"
#include "llm/llm_config.h"
#include "util/http_client.h"

namespace memgpt::llm {

class ModelCall {
 public:
  // The deadline starts now.
  ModelCall(const LlmConfig& config, const ChatRequest& request);

  // Sends `http_request` (its timeout becomes the time left), retrying within the deadline.
  // Several sends share one deadline (a backend that falls back to a second request). A
  // timeout comes back as kTimeout saying how long the model had ("did not answer within
  // 120 s"); a cancel as kCancelled.
  Result<HttpResponse> send(HttpClient& client, HttpRequest http_request);

  int attempts() const { return attempts_; }
  // "1 attempt", "3 attempts": for messages about a failure that was retried.
  std::string attempts_text() const;

 private:
  const LlmConfig& config_;
  const ChatRequest& request_;
  std::chrono::steady_clock::time_point deadline_;
  int attempts_ = 0;
};

// A failed send as the user reads it, classified (kTimedOut, kUnreachable): a cancel as it is;
// a timeout says how to allow more time; anything else gets `hint` (where to look), e.g.
// "is the LLM server running? ...".
Status transport_failure(const Status& failure, const std::string& hint);

// "500 ms", "2 s", "1.5 s", "120 s".
std::string format_duration_ms(int64_t ms);

}  // namespace memgpt::llm
