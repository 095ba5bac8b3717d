// LLM failures carry a typed class (LlmError) tagged with its domain, so a Milvus code or an
// HTTP status in another Status is never read as one, and a context note keeps the class.
#include <gtest/gtest.h>

#include "llm/chat_model.h"

namespace memgpt::llm {
namespace {

TEST(LlmErrorClass, IsReadBackOnlyFromAnLlmFailure) {
  Status overflow = llm_failure(ErrorCode::kResourceExhausted, "too long", LlmError::kContextWindowExceeded);
  EXPECT_EQ(llm_error_of(overflow), LlmError::kContextWindowExceeded);
  EXPECT_TRUE(is_context_overflow(overflow));
  EXPECT_EQ(llm_error_of(overflow.with_context("step")), LlmError::kContextWindowExceeded);
  // The same number from another domain (an untyped protocol code) is not an LLM class.
  Status other(ErrorCode::kResourceExhausted, "milvus said so",
               static_cast<int>(LlmError::kContextWindowExceeded));
  EXPECT_EQ(llm_error_of(other), LlmError::kNone);
  EXPECT_FALSE(is_context_overflow(other));
  EXPECT_EQ(llm_error_of(Status()), LlmError::kNone);
}

TEST(LlmErrorClass, EveryClassHasAName) {
  for (LlmError e : {LlmError::kContextWindowExceeded, LlmError::kAuthentication, LlmError::kModelNotFound,
                     LlmError::kRateLimited, LlmError::kBadResponse, LlmError::kOutputTruncated,
                     LlmError::kUnreachable, LlmError::kTimedOut}) {
    EXPECT_STRNE(llm_error_name(e), "");
  }
  EXPECT_STREQ(llm_error_name(LlmError::kTimedOut), "timed_out");
}

}  // namespace
}  // namespace memgpt::llm
