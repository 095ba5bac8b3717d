#include "server/api_result.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "llm/chat_model.h"
#include "vector/milvus_errors.h"

namespace memgpt::server {
namespace {

constexpr const char* kBackends = "a backend of this server (model, embedder or archival storage)";

// The one table of HTTP statuses. A failure of our own (validation, not found, a taken name, a
// limit) keeps its message; a failure of a backend gets a fixed reason: its own words (a remote
// body, a URL, a file path) go to the operator's log only.
struct LlmRow {
  llm::LlmError kind;
  int status;
  const char* reason;
};
constexpr LlmRow kLlmRows[] = {
    {llm::LlmError::kContextWindowExceeded, 413,
     "the model backend refused the request: the conversation does not fit its context window"},
    {llm::LlmError::kAuthentication, 502,
     "the model backend refused the server's credentials (the operator must check the key)"},
    {llm::LlmError::kModelNotFound, 502, "the model backend does not serve this model"},
    {llm::LlmError::kRateLimited, 503, "the model backend is rate limiting requests; try again later"},
    {llm::LlmError::kBadResponse, 502, "the model backend sent a reply that could not be used"},
    {llm::LlmError::kOutputTruncated, 502, "the model's reply was cut off before it was usable"},
    {llm::LlmError::kUnreachable, 502, "the model backend could not be reached"},
    {llm::LlmError::kTimedOut, 504, "the model backend did not answer in time"},
};

struct MilvusRow {
  vector::MilvusCode code;
  int status;
  const char* reason;
};
constexpr MilvusRow kMilvusRows[] = {
    {vector::MilvusCode::kRateLimited, 503, "archival storage is rate limiting requests; try again later"},
    {vector::MilvusCode::kUnauthenticated, 502,
     "archival storage refused the server's credentials (the operator must check the token)"},
    {vector::MilvusCode::kRequestTimeout, 504, "archival storage did not answer in time"},
};

struct CodeRow {
  ErrorCode code;
  int status;
  const char* reason;  // null: the failure is our own and its message is shown
};
// Failures without a domain's code, by their ErrorCode. A code not here (permission denied: a
// backend's or a file's) is a backend's failure: 502.
constexpr CodeRow kCodeRows[] = {
    {ErrorCode::kInvalidArgument, 400, nullptr},
    {ErrorCode::kNotFound, 404, nullptr},
    {ErrorCode::kAlreadyExists, 409, nullptr},
    {ErrorCode::kFailedPrecondition, 409, nullptr},
    {ErrorCode::kResourceExhausted, 413, nullptr},
    {ErrorCode::kUnimplemented, 501, nullptr},
    {ErrorCode::kCancelled, 500, nullptr},
    {ErrorCode::kTimeout, 504, "a backend of this server (model, embedder or archival storage) did not answer in time"},
    {ErrorCode::kUnavailable, 503,
     "a backend of this server (model, embedder or archival storage) is unavailable; try again later"},
    {ErrorCode::kInternal, 500, "internal error (the server log has the details)"},
    {ErrorCode::kIo, 500, "internal error (the server log has the details)"},
    {ErrorCode::kCorrupt, 500, "internal error (the server log has the details)"},
};

const CodeRow* code_row(ErrorCode code) {
  for (const auto& row : kCodeRows) {
    if (row.code == code) return &row;
  }
  return nullptr;
}

ApiError upstream(const Status& s, int status, std::string reason) {
  fmt::print(stderr, "backend error ({}): {}\n", error_code_name(s.code()), log_line(s.message()));
  ApiError e{status, std::move(reason), ""};
  if (status == 503) e.retry_after_seconds = s.retry_after_seconds();
  return e;
}

}  // namespace

std::string log_line(const std::string& text) {
  std::string out = text.substr(0, 2000);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

int http_status_of(ErrorCode code) {
  const CodeRow* row = code_row(code);
  return row ? row->status : 502;
}

bool is_own_failure(const Status& s) {
  const CodeRow* row = code_row(s.code());
  // A domain's code or a URL means an upstream's words.
  return !s.ok() && s.detail_domain() == DetailDomain::kUntagged && row && !row->reason &&
         s.message().find("://") == std::string::npos;
}

ApiError public_error(const Status& s) {
  if (is_own_failure(s)) return {http_status_of(s.code()), s.message(), ""};
  if (llm::LlmError kind = llm::llm_error_of(s); kind != llm::LlmError::kNone) {
    for (const auto& row : kLlmRows) {
      if (row.kind == kind) return upstream(s, row.status, row.reason);
    }
  }
  if (vector::MilvusCode code = vector::milvus_code_of(s); code != vector::MilvusCode::kSuccess) {
    for (const auto& row : kMilvusRows) {
      if (row.code == code) return upstream(s, row.status, row.reason);
    }
  }
  const CodeRow* row = code_row(s.code());
  if (row && row->reason) return upstream(s, row->status, row->reason);
  return upstream(s, 502, fmt::format("{} failed ({})", kBackends, error_code_name(s.code())));
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
  http::Response r = json_response(body, e.status);
  if (e.retry_after_seconds) r.headers.emplace("Retry-After", std::to_string(*e.retry_after_seconds));
  return r;
}

}  // namespace memgpt::server
