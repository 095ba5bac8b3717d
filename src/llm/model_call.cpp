#include "llm/model_call.h"

#include <fmt/format.h>

#include <algorithm>

namespace memgpt::llm {

ModelCall::ModelCall(const LlmConfig& config, const ChatRequest& request)
    : config_(config),
      request_(request),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::milliseconds(std::max(1, config.timeout_ms))) {}

Result<HttpResponse> ModelCall::send(HttpClient& client, HttpRequest http_request) {
  http_request.timeout_ms = std::max(1, config_.timeout_ms);
  http_request.cancel = request_.cancel;
  RetryPolicy policy;
  policy.max_attempts = std::max(1, config_.max_attempts);
  policy.deadline = deadline_;
  policy.on_retry = [this](int attempt, const std::string& reason) {
    if (request_.on_retry) request_.on_retry(attempt, reason);
  };
  // Counts the attempts actually made (the client below sees each one).
  struct CountingClient final : HttpClient {
    CountingClient(HttpClient& inner, int& count) : inner_(inner), count_(count) {}
    Result<HttpResponse> send(const HttpRequest& r) override {
      ++count_;
      return inner_.send(r);
    }
    HttpClient& inner_;
    int& count_;
  } counting(client, attempts_);
  auto r = send_with_retry(counting, http_request, policy);
  if (!r.ok() && r.status().code() == ErrorCode::kTimeout) {
    return llm_failure(ErrorCode::kTimeout,
                       fmt::format("{} did not answer within {} ({})", http_request.url,
                                   format_duration_ms(config_.timeout_ms), attempts_text()),
                       LlmError::kTimedOut);
  }
  return r;
}

std::string ModelCall::attempts_text() const {
  return fmt::format("{} attempt{}", attempts_, attempts_ == 1 ? "" : "s");
}

Status transport_failure(const Status& failure, const std::string& hint) {
  switch (failure.code()) {
    case ErrorCode::kCancelled:
      return failure;
    case ErrorCode::kTimeout:
      return llm_failure(failure.code(),
                         failure.message() + "; a slower model needs a longer [model] timeout (seconds)",
                         LlmError::kTimedOut);
    default:
      return llm_failure(failure.code(), fmt::format("{} ({})", failure.message(), hint),
                         LlmError::kUnreachable);
  }
}

std::string format_duration_ms(int64_t ms) {
  if (ms < 1000) return fmt::format("{} ms", ms);
  if (ms % 1000 == 0) return fmt::format("{} s", ms / 1000);
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
}

}  // namespace memgpt::llm
