// How handlers fail: an ApiError is what the client sees (HTTP status, a one-line message and,
// for 422, the body field at fault). Handlers return ApiResult<T>; nothing is thrown. A Status
// from below becomes an ApiError in one place, public_error(), which also decides what of the
// message a client may see (nothing of a remote body, a URL, a file path).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "http/http.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::server {

struct ApiError {
  int status = 500;
  std::string message;
  std::string field;  // 422: the body field at fault
  std::optional<int> retry_after_seconds;  // 503: when the client may try again (Retry-After)
};

// A failure of the request's input: 422 naming the field (FastAPI's shape), or 400.
inline ApiError invalid(std::string field, std::string message) { return {422, std::move(message), std::move(field)}; }
inline ApiError bad_request(std::string message) { return {400, std::move(message), ""}; }
inline ApiError not_found_error(std::string message) { return {404, std::move(message), ""}; }
inline ApiError conflict(std::string message) { return {409, std::move(message), ""}; }

// One line for the operator's log: control characters (a remote body's newlines) flattened,
// at most 2,000 bytes.
std::string log_line(const std::string& text);

// The HTTP status of a failure without a domain's code, by its ErrorCode (the table in
// api_result.cpp, which also maps LLM error classes and Milvus codes).
int http_status_of(ErrorCode code);

// Whether `status` is our own failure (validation, not found, a taken name, a limit), whose
// message a client may read; anything carrying a domain's code or a URL is a backend's.
bool is_own_failure(const Status& status);

// What a client may see of a Status: our own failures (validation, not found, taken names,
// limits) as written; failures of the model, the embedder or archival storage (an upstream's
// text, a URL, a Milvus code) as a short fixed reason, the whole message going to stderr.
ApiError public_error(const Status& status);

struct Ok {};

template <class T = Ok>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT: implicit by design
  ApiResult(const Status& status) : v_(public_error(status)) {}  // NOLINT: a failure from below

  bool ok() const { return std::holds_alternative<T>(v_); }
  const ApiError& error() const { return std::get<ApiError>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, ApiError> v_;
};

// The error of a failed result of either kind.
inline ApiError error_of(const Status& s) { return public_error(s); }
template <class T>
ApiError error_of(const Result<T>& r) { return public_error(r.status()); }
template <class T>
ApiError error_of(const ApiResult<T>& r) { return r.error(); }

// The body of a JSON response / of an error in Letta's shape.
http::Response json_response(const Json& body, int status = 200);
http::Response error_response(const ApiError& error);

}  // namespace memgpt::server

#define MEMGPT_API_CONCAT_INNER(a, b) a##b
#define MEMGPT_API_CONCAT(a, b) MEMGPT_API_CONCAT_INNER(a, b)

// Returns the error from the enclosing handler when `expr` (Status, Result or ApiResult) failed.
#define API_CHECK(expr)                                           \
  do {                                                            \
    auto&& api_check_ = (expr);                                   \
    if (!api_check_.ok()) return ::memgpt::server::error_of(api_check_); \
  } while (0)

// `API_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define API_ASSIGN_OR_RETURN(lhs, expr) API_ASSIGN_OR_RETURN_IMPL(MEMGPT_API_CONCAT(api_result_, __LINE__), lhs, expr)
#define API_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)         \
  auto tmp = (expr);                                      \
  if (!tmp.ok()) return ::memgpt::server::error_of(tmp);  \
  lhs = std::move(tmp).value()
