// Every outside JSON text goes through parse_json*: nesting is bounded so that no dump() or
// recursive walk of a parsed value can exhaust the stack.
#include "util/json.h"

#include <gtest/gtest.h>

namespace memgpt {
namespace {

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepth, CountsArraysAndObjectsButNotBracketsInStrings) {
  EXPECT_EQ(json_nesting_depth("1"), 0);
  EXPECT_EQ(json_nesting_depth(R"({"a":[1,{"b":[]}]})"), 4);
  EXPECT_EQ(json_nesting_depth(R"(["[[[[", "\"[[[", {}])"), 2);
}

TEST(JsonDepth, StopsCountingPastTheLimit) {
  EXPECT_EQ(json_nesting_depth(nested_arrays(100000), 10), 11);
}

TEST(ParseJson, AcceptsNestingUpToTheLimit) {
  auto ok = parse_json(nested_arrays(kMaxJsonDepth));
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_FALSE(ok->dump().empty());
}

TEST(ParseJson, RefusesADepthBombWithAOneLineError) {
  auto bomb = parse_json(nested_arrays(100000), "request body");
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bomb.status().message(), "invalid request body: nested deeper than 256 levels");
}

TEST(ParseJson, DiscardedVariantsRefuseDepthBombsAndSyntaxErrors) {
  EXPECT_TRUE(parse_json_or_discarded(nested_arrays(100000)).is_discarded());
  EXPECT_TRUE(parse_json_or_discarded("{\"a\":").is_discarded());
  EXPECT_TRUE(parse_ordered_json_or_discarded(nested_arrays(300)).is_discarded());
  EXPECT_EQ(parse_json_or_discarded(R"({"a":1})")["a"], 1);
}

// Found by fuzz/json: nlohmann throws out_of_range (not parse_error) for a number past
// double's range, which escaped parse_json's contract of returning a Status.
TEST(ParseJson, RefusesANumberPastDoublesRangeWithAStatus) {
  auto r = parse_json(R"({"limit": 1e309})", "request body");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "invalid request body: a number is out of range");
  EXPECT_TRUE(parse_json_or_discarded("[-1e400]").is_discarded());
}

}  // namespace
}  // namespace memgpt
