// Blocking HTTP client over libcurl, shared by the Milvus REST client, the LLM backends and the
// embedding backends. Knows nothing about the protocols spoken over it.
// Thread-safety: an HttpClient may be used from several threads at once.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace memgpt {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_ms = 30000;          // whole request
  int connect_timeout_ms = 5000;
  // Streaming: when set, called with each chunk of the body as it arrives (the body is then not
  // accumulated in HttpResponse::body). Return false to abort the transfer (kCancelled).
  std::function<bool(std::string_view chunk)> on_body_chunk;
  // When set and true, the transfer stops as soon as possible (kCancelled), even mid-wait.
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  int status = 0;  // HTTP status code
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Seconds from a Retry-After header: delta-seconds or an HTTP date. -1 when absent/unusable.
double retry_after_seconds(const HttpResponse& response);

// Retry policy for transient failures: connection errors, timeouts, HTTP 429 and 5xx.
struct RetryPolicy {
  int max_attempts = 1;  // 1 = no retry
  int initial_backoff_ms = 500;
  int max_backoff_ms = 20000;
  double multiplier = 2.0;
  bool jitter = true;            // full jitter, so many clients do not retry in lockstep
  bool honour_retry_after = true;
  // One deadline for the whole call: every attempt's timeout is cut to the time left, and no
  // wait starts that would end past it (so a timed-out attempt is never followed by another).
  // Unset: each attempt has the request's own timeout and only max_attempts bounds the call.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Told before each retry: the attempt about to start (2, 3, ...) and why the last one failed.
  std::function<void(int attempt, const std::string& reason)> on_retry;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Transport failures are errors (kUnavailable: refused/DNS; kTimeout); any HTTP status,
  // including 4xx/5xx, is a successful Result carrying that status.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

// The libcurl implementation.
std::unique_ptr<HttpClient> make_curl_http_client();

// Sends with retries per `policy`: retries transport errors, 429 and 5xx (and what
// `is_retryable` adds, e.g. Milvus code 1807 in a 200 body); sleeps per backoff or Retry-After,
// waking for `request.cancel`. Past the policy's deadline: kTimeout, or the last failure.
Result<HttpResponse> send_with_retry(HttpClient& client, const HttpRequest& request,
                                     const RetryPolicy& policy,
                                     const std::function<bool(const HttpResponse&)>& is_retryable =
                                         nullptr);

}  // namespace memgpt
