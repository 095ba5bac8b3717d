#include "llm/json_repair.h"

#include <gtest/gtest.h>

namespace memgpt::llm {
namespace {

struct Case {
  const char* input;
  const char* expected;  // JSON, or nullptr for "cannot be repaired"
};

TEST(JsonRepair, TableOfWhatModelsWrite) {
  const Case cases[] = {
      {R"({"message": "hi"})", R"({"message":"hi"})"},
      {"```json\n{\"message\": \"hi\"}\n```", R"({"message":"hi"})"},
      {"Sure! Here is the call: {\"message\": \"hi\"} Hope it helps.", R"({"message":"hi"})"},
      {R"({"message": "hi",})", R"({"message":"hi"})"},
      {R"({'message': 'it\'s fine'})", R"({"message":"it's fine"})"},
      {R"({message: "hi", request_heartbeat: True})", R"({"message":"hi","request_heartbeat":true})"},
      {R"({"a": None, "b": False})", R"({"a":null,"b":false})"},
      {"{\"message\": \"line one\nline two\"}", R"({"message":"line one\nline two"})"},
      {R"({"message": "cut off in the midd)", R"({"message":"cut off in the midd"})"},
      {R"({"query": "x", "page": 1, "tags": ["a", "b",)", R"({"query":"x","page":1,"tags":["a","b"]})"},
      {R"({"content": "she said \"yes\""})", R"({"content":"she said \"yes\""})"},
      {R"({"name": "human", "content":)", R"({"name":"human","content":null})"},
      {"no json here at all", nullptr},
      {"[1, 2, 3]", nullptr},
  };
  for (const auto& c : cases) {
    auto got = parse_json_leniently(c.input);
    if (!c.expected) {
      EXPECT_FALSE(got.has_value()) << c.input;
      continue;
    }
    ASSERT_TRUE(got.has_value()) << c.input;
    EXPECT_EQ(*got, Json::parse(c.expected)) << c.input << " -> " << got->dump();
  }
}

}  // namespace
}  // namespace memgpt::llm
