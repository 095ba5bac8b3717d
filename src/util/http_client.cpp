#include "util/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>

namespace memgpt {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  bool aborted = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (t->request->on_body_chunk) {
    if (!t->request->on_body_chunk(std::string_view(data, n))) {
      t->aborted = true;
      return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
  } else {
    t->response->body.append(data, n);
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string line(data, n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string value = line.substr(colon + 1);
    auto b = value.find_first_not_of(" \t");
    auto e = value.find_last_not_of(" \t\r\n");
    value = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    t->response->headers[name] = value;
  }
  return n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->cancel && t->request->cancel->load()) {
    t->aborted = true;
    return 1;  // abort
  }
  return 0;
}

class CurlHttpClient final : public HttpClient {
 public:
  Result<HttpResponse> send(const HttpRequest& request) override {
    global_init();
    CURL* curl = curl_easy_init();
    if (!curl) return internal_error("cannot create an HTTP handle");
    HttpResponse response;
    Transfer transfer{&request, &response};
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : request.headers) {
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    // Endpoints come from configuration (and, for admins, from requests): libcurl would also
    // read file:// URLs or speak gopher://, dict://... to any port. Only HTTP(S), and a URL
    // without a scheme is http:// (not guessed from the host name, as ftp.example.com would be).
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_DEFAULT_PROTOCOL, "http");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    if (request.cancel) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    }
    if (request.method == "GET") {
      curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      if (request.method != "DELETE" || !request.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size()));
      }
    }
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    response.status = static_cast<int>(status);
    if (rc == CURLE_OK) return response;
    if (transfer.aborted) return Status(ErrorCode::kCancelled, "the request was cancelled");
    std::string what = curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_UNSUPPORTED_PROTOCOL:
        return invalid_argument(fmt::format("{} is not an http:// or https:// URL", request.url));
      case CURLE_URL_MALFORMAT:
        return invalid_argument(fmt::format("{} is not a valid URL", request.url));
      case CURLE_OPERATION_TIMEDOUT:
        return Status(ErrorCode::kTimeout,
                      fmt::format("{} did not answer within {} ms", request.url, request.timeout_ms));
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return unavailable(fmt::format("cannot reach {}: {}", request.url, what));
      case CURLE_GOT_NOTHING:
      case CURLE_RECV_ERROR:
      case CURLE_SEND_ERROR:
      case CURLE_PARTIAL_FILE:
        return unavailable(fmt::format("the connection to {} broke: {}", request.url, what));
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_PEER_FAILED_VERIFICATION:
        return unavailable(fmt::format("TLS to {} failed: {}", request.url, what));
      default:
        return unavailable(fmt::format("request to {} failed: {}", request.url, what));
    }
  }
};

}  // namespace

double retry_after_seconds(const HttpResponse& r) {
  auto it = r.headers.find("retry-after");
  if (it == r.headers.end()) return -1;
  const std::string& v = it->second;
  char* end = nullptr;
  double secs = std::strtod(v.c_str(), &end);
  if (end && end != v.c_str() && *end == '\0') return secs >= 0 ? secs : -1;
  std::tm tm{};
  if (::strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
    std::time_t when = ::timegm(&tm);
    double delta = std::difftime(when, std::time(nullptr));
    return delta > 0 ? delta : 0;
  }
  return -1;
}

std::unique_ptr<HttpClient> make_curl_http_client() { return std::make_unique<CurlHttpClient>(); }

namespace {

using Steady = std::chrono::steady_clock;

bool cancelled(const HttpRequest& request) { return request.cancel && request.cancel->load(); }

// Sleeps `ms`, waking early when the request is cancelled. False when cancelled.
bool wait_unless_cancelled(const HttpRequest& request, double ms) {
  auto until = Steady::now() + std::chrono::microseconds(static_cast<int64_t>(ms * 1000));
  while (Steady::now() < until) {
    if (cancelled(request)) return false;
    auto slice = std::min<Steady::duration>(until - Steady::now(), std::chrono::milliseconds(50));
    std::this_thread::sleep_for(slice);
  }
  return !cancelled(request);
}

std::string failure_reason(const Result<HttpResponse>& r) {
  if (!r.ok()) return r.status().message();
  return fmt::format("HTTP {}", r->status);
}

}  // namespace

Result<HttpResponse> send_with_retry(HttpClient& client, const HttpRequest& request,
                                     const RetryPolicy& policy,
                                     const std::function<bool(const HttpResponse&)>& is_retryable) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto ms_left = [&]() -> int64_t {
    if (!policy.deadline) return INT64_MAX;
    return std::chrono::duration_cast<std::chrono::milliseconds>(*policy.deadline - Steady::now()).count();
  };
  double backoff = policy.initial_backoff_ms;
  HttpRequest attempt_request = request;
  for (int attempt = 1;; ++attempt) {
    int64_t left = ms_left();
    if (left <= 0) {
      return Status(ErrorCode::kTimeout, fmt::format("{} did not answer before the deadline", request.url));
    }
    attempt_request.timeout_ms = static_cast<int>(std::min<int64_t>(request.timeout_ms, left));
    auto r = client.send(attempt_request);
    bool retry = false;
    double wait_ms = 0;
    if (!r.ok()) {
      ErrorCode c = r.status().code();
      retry = c == ErrorCode::kUnavailable || c == ErrorCode::kTimeout;
    } else {
      int s = r->status;
      retry = s == 429 || s >= 500 || (is_retryable && is_retryable(*r));
      if (retry && policy.honour_retry_after) {
        double ra = retry_after_seconds(*r);
        if (ra >= 0) wait_ms = std::min<double>(ra * 1000, policy.max_backoff_ms);
      }
    }
    if (!retry || attempt >= policy.max_attempts) return r;
    if (cancelled(request)) return Status(ErrorCode::kCancelled, "the request was cancelled");
    if (wait_ms <= 0) {
      double cap = std::min<double>(backoff, policy.max_backoff_ms);
      wait_ms = policy.jitter ? std::uniform_real_distribution<double>(0, cap)(rng) : cap;
      backoff *= policy.multiplier;
    }
    // A retry that could not even start before the deadline is not made: the caller gets the
    // real failure, not a timeout of our own.
    if (static_cast<double>(ms_left()) <= wait_ms) return r;
    if (policy.on_retry) policy.on_retry(attempt + 1, failure_reason(r));
    if (!wait_unless_cancelled(request, wait_ms)) {
      return Status(ErrorCode::kCancelled, "the request was cancelled");
    }
  }
}

}  // namespace memgpt
