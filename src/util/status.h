// The one error model of memgpt: functions that can fail for expected reasons (bad input,
// network, not found, limits) return Status or Result<T>. Exceptions are for bugs only and are
// caught at the app boundary. A message is one line a user can act on.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace memgpt {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,     // bad input from the user or a caller
  kNotFound,            // a named thing does not exist
  kAlreadyExists,       // a unique name or id is taken
  kFailedPrecondition,  // state does not allow the operation (e.g. newer schema, in use)
  kUnavailable,         // a server or file could not be reached; retrying may help
  kTimeout,             // a deadline passed
  kPermissionDenied,    // auth failed or a file is not writable
  kResourceExhausted,   // a limit was hit (size, rate, context window)
  kCorrupt,             // stored data could not be read back
  kIo,                  // the operating system refused (disk full, read error)
  kCancelled,           // the user interrupted
  kUnimplemented,       // a capability this build does not have
  kInternal,            // a bug: should not happen
};

const char* error_code_name(ErrorCode code);

// Whose code detail() carries, so one domain's codes are never read as another's (each domain
// reads its own through a typed helper, e.g. llm::llm_error_of).
enum class DetailDomain : unsigned char {
  kUntagged = 0,  // no detail
  kLlm,           // llm::LlmError (llm/chat_model.h)
  kMilvus,        // vector::MilvusCode (vector/milvus_errors.h)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message, int detail = 0,
         DetailDomain domain = DetailDomain::kUntagged)
      : code_(code), message_(std::move(message)), detail_(detail), domain_(domain) {}

  static Status ok_status() { return {}; }
  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // A domain's code carried along (a Milvus code, an LLM error class). Read it only through
  // the domain's typed helper (vector::milvus_code_of, llm::llm_error_of), never as a number.
  int detail() const { return detail_; }
  DetailDomain detail_domain() const { return domain_; }
  // When the failing service said to try again (its Retry-After), in seconds.
  std::optional<int> retry_after_seconds() const {
    return retry_after_ < 0 ? std::nullopt : std::optional<int>(retry_after_);
  }
  Status with_retry_after(int seconds) const {
    Status s = *this;
    s.retry_after_ = seconds < 0 ? -1 : seconds;
    return s;
  }

  // Returns a copy whose message is "<prefix>: <message>".
  Status with_context(const std::string& prefix) const {
    Status s = *this;
    s.message_ = prefix + ": " + message_;
    return s;
  }
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  int detail_ = 0;
  DetailDomain domain_ = DetailDomain::kUntagged;
  int retry_after_ = -1;
};

inline Status invalid_argument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
inline Status not_found(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
inline Status failed_precondition(std::string m) {
  return {ErrorCode::kFailedPrecondition, std::move(m)};
}
inline Status unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
inline Status io_error(std::string m) { return {ErrorCode::kIo, std::move(m)}; }
inline Status corrupt(std::string m) { return {ErrorCode::kCorrupt, std::move(m)}; }
inline Status internal_error(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
inline Status unimplemented(std::string m) { return {ErrorCode::kUnimplemented, std::move(m)}; }

// Result<T> holds a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // By value, so `for (auto& x : *make_result())` owns what it iterates.
  T operator*() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T value_or(T fallback) const { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace memgpt

#define MEMGPT_CONCAT_INNER(a, b) a##b
#define MEMGPT_CONCAT(a, b) MEMGPT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not ok.
#define MEMGPT_RETURN_IF_ERROR(expr)                \
  do {                                              \
    ::memgpt::Status memgpt_status_ = (expr);       \
    if (!memgpt_status_.ok()) return memgpt_status_; \
  } while (0)

// `MEMGPT_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define MEMGPT_ASSIGN_OR_RETURN(lhs, expr) \
  MEMGPT_ASSIGN_OR_RETURN_IMPL(MEMGPT_CONCAT(memgpt_result_, __LINE__), lhs, expr)
#define MEMGPT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
