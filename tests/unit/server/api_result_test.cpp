// What a client may see of a failure (public_error): our own messages as written, anything from
// an upstream (a detail code, a URL, an infrastructure failure) as a short fixed reason.
#include "server/api_result.h"

#include <gtest/gtest.h>

#include "llm/chat_model.h"
#include "vector/milvus_errors.h"

namespace memgpt::server {
namespace {

TEST(PublicError, OurOwnFailuresPassThroughWithTheirStatus) {
  EXPECT_EQ(public_error(not_found("agent 'x' not found")).status, 404);
  EXPECT_EQ(public_error(not_found("agent 'x' not found")).message, "agent 'x' not found");
  EXPECT_EQ(public_error(already_exists("taken")).status, 409);
  EXPECT_EQ(public_error(failed_precondition("busy")).status, 409);
  EXPECT_EQ(public_error(invalid_argument("bad")).status, 400);
  EXPECT_EQ(public_error(Status(ErrorCode::kResourceExhausted, "over the limit")).status, 413);
}

TEST(PublicError, UpstreamWordsNeverReachTheClient) {
  Status auth = llm::llm_failure(ErrorCode::kPermissionDenied,
                                 "http://10.0.0.5/v1 refused the API key (HTTP 401): SECRET BODY",
                                 llm::LlmError::kAuthentication);
  ApiError e = public_error(auth);
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.message.find("SECRET"), std::string::npos);
  EXPECT_EQ(e.message.find("10.0.0.5"), std::string::npos);
  for (const Status& s : {unavailable("the embedding endpoint http://e/v1 answered HTTP 500: SECRET"),
                          not_found("embedding model 'm' or endpoint https://e/v1 not found"),
                          vector::invalid_parameter("filter parse error near SECRET"),
                          Status(ErrorCode::kTimeout, "SECRET timed out"),
                          internal_error("SECRET /home/op/.memgpt/sqlite.db")}) {
    ApiError pub = public_error(s);
    EXPECT_EQ(pub.message.find("SECRET"), std::string::npos) << s.message();
    EXPECT_EQ(pub.message.find("://"), std::string::npos) << s.message();
    EXPECT_GE(pub.status, 500) << s.message();
  }
  EXPECT_EQ(public_error(Status(ErrorCode::kTimeout, "x")).status, 504);
  EXPECT_EQ(public_error(unavailable("x")).status, 503);
}

// The wanted statuses of a failed model call, one per LLM error class; each message is the
// table's fixed reason, never the backend's words.
TEST(PublicError, ModelFailuresMapToTheirStatusByErrorClass) {
  struct Case {
    llm::LlmError kind;
    ErrorCode code;
    int status;
  };
  const Case cases[] = {
      {llm::LlmError::kAuthentication, ErrorCode::kPermissionDenied, 502},
      {llm::LlmError::kModelNotFound, ErrorCode::kNotFound, 502},
      {llm::LlmError::kBadResponse, ErrorCode::kUnavailable, 502},
      {llm::LlmError::kOutputTruncated, ErrorCode::kResourceExhausted, 502},
      {llm::LlmError::kUnreachable, ErrorCode::kUnavailable, 502},
      {llm::LlmError::kRateLimited, ErrorCode::kResourceExhausted, 503},
      {llm::LlmError::kTimedOut, ErrorCode::kTimeout, 504},
      {llm::LlmError::kContextWindowExceeded, ErrorCode::kResourceExhausted, 413},
  };
  for (const auto& c : cases) {
    ApiError e = public_error(llm::llm_failure(c.code, "http://10.0.0.5/v1 said SECRET", c.kind));
    EXPECT_EQ(e.status, c.status) << llm::llm_error_name(c.kind);
    EXPECT_EQ(e.message.find("SECRET"), std::string::npos) << llm::llm_error_name(c.kind);
    EXPECT_FALSE(e.message.empty()) << llm::llm_error_name(c.kind);
  }
}

TEST(PublicError, RateLimitedModelAnswersWithTheBackendsRetryAfter) {
  Status limited = llm::llm_failure(ErrorCode::kResourceExhausted, "429 from upstream", llm::LlmError::kRateLimited);
  http::Response with_hint = error_response(public_error(limited.with_retry_after(7)));
  EXPECT_EQ(with_hint.status, 503);
  auto header = with_hint.headers.find("Retry-After");
  ASSERT_NE(header, with_hint.headers.end());
  EXPECT_EQ(header->second, "7");
  http::Response without = error_response(public_error(limited));
  EXPECT_EQ(without.status, 503);
  EXPECT_EQ(without.headers.count("Retry-After"), 0u) << "no hint from the backend, none invented";
}

// Milvus codes are read as Milvus codes only: an untagged detail number means nothing, and a
// Milvus code equal to an LLM class's number is not that class.
TEST(PublicError, ArchivalStorageFailuresMapByMilvusCode) {
  EXPECT_EQ(public_error(vector::milvus_error(ErrorCode::kResourceExhausted, vector::MilvusCode::kRateLimited,
                                              "rate limit exceeded"))
                .status,
            503);
  EXPECT_EQ(public_error(vector::milvus_error(ErrorCode::kPermissionDenied, vector::MilvusCode::kUnauthenticated,
                                              "user hasn't authenticated"))
                .status,
            502);
  EXPECT_EQ(public_error(vector::milvus_error(ErrorCode::kTimeout, vector::MilvusCode::kRequestTimeout, "timeout"))
                .status,
            504);
  ApiError lost = public_error(vector::collection_not_found("SECRET_passages"));
  EXPECT_EQ(lost.status, 502);
  EXPECT_EQ(lost.message.find("SECRET"), std::string::npos);
}

TEST(PublicError, AnUntaggedOwnFailureKeepsItsMessageWhateverItsCodes) {
  EXPECT_TRUE(is_own_failure(invalid_argument("block 'human' is over its limit")));
  EXPECT_FALSE(is_own_failure(vector::invalid_parameter("invalid filter")));
  EXPECT_FALSE(is_own_failure(
      llm::llm_failure(ErrorCode::kResourceExhausted, "too long", llm::LlmError::kContextWindowExceeded)));
  EXPECT_FALSE(is_own_failure(not_found("model 'm' or endpoint https://e/v1 not found")));
  EXPECT_FALSE(is_own_failure(Status::ok_status()));
}

TEST(PublicError, ErrorBodiesHaveLettasShape) {
  http::Response r = error_response(invalid("name", "'name' must be a string"));
  EXPECT_EQ(r.status, 422);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["detail"][0]["loc"], Json::array({"body", "name"}));
  EXPECT_EQ(body["message"], "'name' must be a string");
  Json plain = Json::parse(error_response(not_found_error("gone")).body);
  EXPECT_EQ(plain["detail"], "gone");
}

}  // namespace
}  // namespace memgpt::server
