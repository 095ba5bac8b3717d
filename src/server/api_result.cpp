#include "server/api_result.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "llm/chat_model.h"

namespace memgpt::server {
namespace {

// One line for the operator's log: control characters (a remote body's newlines) flattened.
std::string log_line(const std::string& text) {
  std::string out = text.substr(0, 2000);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

constexpr const char* kBackends = "a backend of this server (model, embedder or archival storage)";

}  // namespace

int http_status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kResourceExhausted: return 413;
    case ErrorCode::kUnimplemented: return 501;
    case ErrorCode::kTimeout: return 504;
    case ErrorCode::kUnavailable: return 503;
    default: return 500;
  }
}

ApiError public_error(const Status& s) {
  static const ErrorCode kOurs[] = {ErrorCode::kInvalidArgument,   ErrorCode::kNotFound,
                                    ErrorCode::kAlreadyExists,     ErrorCode::kFailedPrecondition,
                                    ErrorCode::kResourceExhausted, ErrorCode::kUnimplemented,
                                    ErrorCode::kCancelled};
  // A detail code (an LLM error class, a Milvus code) or a URL means an upstream's words.
  bool ours = s.detail() == 0 && s.message().find("://") == std::string::npos &&
              std::find(std::begin(kOurs), std::end(kOurs), s.code()) != std::end(kOurs);
  if (ours) return {http_status_of(s.code()), s.message(), ""};
  fmt::print(stderr, "backend error ({}): {}\n", error_code_name(s.code()), log_line(s.message()));
  switch (static_cast<llm::LlmError>(s.detail())) {
    case llm::LlmError::kContextWindowExceeded:
      return {502, "the model backend refused the request: the conversation does not fit its context window", ""};
    case llm::LlmError::kAuthentication:
      return {502, "the model backend refused the server's credentials (the operator must check the key)", ""};
    case llm::LlmError::kModelNotFound: return {502, "the model backend does not serve this model", ""};
    case llm::LlmError::kRateLimited: return {503, "the model backend is rate limiting requests; try again later", ""};
    case llm::LlmError::kBadResponse: return {502, "the model backend sent a reply that could not be used", ""};
    case llm::LlmError::kOutputTruncated: return {502, "the model's reply was cut off before it was usable", ""};
    default: break;
  }
  switch (s.code()) {
    case ErrorCode::kTimeout: return {504, fmt::format("{} did not answer in time", kBackends), ""};
    case ErrorCode::kUnavailable: return {503, fmt::format("{} is unavailable; try again later", kBackends), ""};
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kCorrupt: return {500, "internal error (the server log has the details)", ""};
    default: return {502, fmt::format("{} failed ({})", kBackends, error_code_name(s.code())), ""};
  }
}

http::Response json_response(const Json& body, int status) {
  return http::Response::json_text(status, body.dump(-1, ' ', false, Json::error_handler_t::replace));
}

http::Response error_response(const ApiError& e) {
  Json body;
  if (e.status == 422) {
    body = {{"detail", Json::array({{{"loc", Json::array({"body", e.field.empty() ? "body" : e.field})},
                                     {"msg", e.message},
                                     {"type", "value_error"}}})},
            {"message", e.message}};
  } else {
    body = {{"detail", e.message}, {"message", e.message}};
  }
  return json_response(body, e.status);
}

}  // namespace memgpt::server
