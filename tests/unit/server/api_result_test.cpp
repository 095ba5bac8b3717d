// What a client may see of a failure (public_error): our own messages as written, anything from
// an upstream (a detail code, a URL, an infrastructure failure) as a short fixed reason.
#include "server/api_result.h"

#include <gtest/gtest.h>

#include "llm/chat_model.h"

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
  Status auth(ErrorCode::kPermissionDenied, "http://10.0.0.5/v1 refused the API key (HTTP 401): SECRET BODY",
              static_cast<int>(llm::LlmError::kAuthentication));
  ApiError e = public_error(auth);
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(e.message.find("SECRET"), std::string::npos);
  EXPECT_EQ(e.message.find("10.0.0.5"), std::string::npos);
  for (const Status& s : {unavailable("the embedding endpoint http://e/v1 answered HTTP 500: SECRET"),
                          not_found("embedding model 'm' or endpoint https://e/v1 not found"),
                          Status(ErrorCode::kInvalidArgument, "filter parse error near SECRET", 1100),
                          Status(ErrorCode::kTimeout, "SECRET timed out"),
                          internal_error("SECRET /home/op/.memgpt/sqlite.db")}) {
    ApiError pub = public_error(s);
    EXPECT_EQ(pub.message.find("SECRET"), std::string::npos) << s.message();
    EXPECT_EQ(pub.message.find("://"), std::string::npos) << s.message();
    EXPECT_GE(pub.status, 500) << s.message();
  }
  EXPECT_EQ(public_error(Status(ErrorCode::kTimeout, "x")).status, 504);
  EXPECT_EQ(public_error(unavailable("x")).status, 503);
  EXPECT_EQ(public_error(Status(ErrorCode::kResourceExhausted, "429", static_cast<int>(llm::LlmError::kRateLimited))).status,
            503);
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
