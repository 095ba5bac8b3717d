// The GBNF grammar and JSON schema that constrain local models to one well-formed call. The
// grammar is run through a GBNF interpreter, so these tests check what it accepts.
#include "llm/function_grammar.h"

#include <gtest/gtest.h>

#include "gbnf_matcher.h"
#include "local_fixtures.h"

namespace memgpt::llm {
namespace {

using testing::agent_tools;
using testing::GbnfMatcher;

TEST(FunctionGrammar, NamesEveryFunctionAndStartsAtRoot) {
  std::string g = function_call_gbnf(agent_tools());
  EXPECT_NE(g.find("root ::= \"{\" ws \"\\\"function\\\"\" ws \":\" ws call ws \"}\""),
            std::string::npos)
      << g;
  for (const char* name : {"send_message", "conversation_search", "core_memory_append"}) {
    EXPECT_NE(g.find(std::string("\"\\\"") + name + "\\\"\""), std::string::npos) << name;
  }
  EXPECT_NE(g.find("call ::= call-0 | call-1 | call-2"), std::string::npos);
  EXPECT_TRUE(function_call_gbnf(Json::array()).empty());
}

TEST(FunctionGrammar, AcceptsExactlyTheCallsTheProtocolAllows) {
  GbnfMatcher m(function_call_gbnf(agent_tools()));
  const char* accepted[] = {
      R"({"function": "send_message", "params": {"inner_thoughts": "Greet them.", "message": "Hello \"friend\" \u263a"}})",
      "{\n  \"function\": \"send_message\",\n  \"params\": {\n    \"inner_thoughts\": \"a\",\n    "
      "\"message\": \"b\"\n  }\n}",
      R"({"function":"conversation_search","params":{"inner_thoughts":"","query":"cats","request_heartbeat":true}})",
      R"({"function": "conversation_search", "params": {"inner_thoughts": "x", "query": "cats", "request_heartbeat": false, "page": 2}})",
      R"({"function": "core_memory_append", "params": {"inner_thoughts": "x", "name": "human", "content": "Likes tea.", "request_heartbeat": true}})",
  };
  for (const char* text : accepted) EXPECT_TRUE(m.matches(text)) << text;
  const char* rejected[] = {
      R"({"function": "delete_everything", "params": {"inner_thoughts": "x"}})",  // unknown
                                                                                  // function
      R"({"function": "send_message", "params": {"message": "b"}})",  // no inner thoughts
      R"({"function": "send_message", "params": {"message": "b", "inner_thoughts": "a"}})",  // thoughts
                                                                                             // not
                                                                                             // first
      R"({"function": "send_message", "params": {"inner_thoughts": "a", "message": 5}})",  // wrong
                                                                                           // type
      R"({"function": "send_message", "params": {"inner_thoughts": "a"}})",  // missing argument
      R"({"function": "send_message", "params": {"inner_thoughts": "a", "message": "b", "extra": 1}})",
      R"({"function": "conversation_search", "params": {"inner_thoughts": "x", "query": "q", "request_heartbeat": "yes"}})",
      R"({"function": "core_memory_append", "params": {"inner_thoughts": "x", "name": "system", "content": "c", "request_heartbeat": true}})",
      R"({"function": "send_message", "params": {"inner_thoughts": "a", "message": "b"}} Done!)",  // trailing prose
      "```json\n{\"function\": \"send_message\", \"params\": {\"inner_thoughts\": \"a\", "
      "\"message\": \"b\"}}",
      R"({"function": "send_message"})",
      "{\"function\": \"send_message\", \"params\": {\"inner_thoughts\": \"raw\nnewline\", "
      "\"message\": \"b\"}}",
  };
  for (const char* text : rejected) EXPECT_FALSE(m.matches(text)) << text;
  // Whitespace: a newline with up to 8 spaces or tabs of indentation, nothing unbounded.
  auto indented = [](const std::string& indent) {
    return "{\"function\": \"send_message\", \"params\": {\n" + indent +
           "\"inner_thoughts\": \"a\", \"message\": \"b\"}}";
  };
  EXPECT_TRUE(m.matches(indented("        ")));
  EXPECT_TRUE(m.matches(indented("\t\t")));
  EXPECT_FALSE(m.matches(indented("         ")));
  EXPECT_FALSE(m.matches(indented("\n")));
}

TEST(FunctionGrammar, InnerThoughtsAreBoundedSoTheArgumentsKeepTheirTokens) {
  GbnfMatcher m(function_call_gbnf(agent_tools()));
  auto call = [](size_t thought_chars) {
    return R"({"function": "send_message", "params": {"inner_thoughts": ")" + std::string(thought_chars, 'a') +
           R"(", "message": "hi"}})";
  };
  EXPECT_TRUE(m.matches(call(0)));
  EXPECT_TRUE(m.matches(call(300)));  // MemGPT's "at most 50 words"
  EXPECT_FALSE(m.matches(call(301)));
}

TEST(FunctionGrammar, IntegersHaveAtMostFifteenDigits) {
  // The packaged 135M model once wrote a page of 155 digits, which JSON reads as 1.1e154.
  GbnfMatcher m(function_call_gbnf(agent_tools()));
  auto call = [](const std::string& page) {
    return R"({"function": "conversation_search", "params": {"inner_thoughts": "x", "query": "q", "request_heartbeat": true, "page": )" + page +
           R"(}})";
  };
  EXPECT_TRUE(m.matches(call("0")));
  EXPECT_TRUE(m.matches(call("1" + std::string(14, '0'))));
  EXPECT_FALSE(m.matches(call("1" + std::string(15, '0'))));
  EXPECT_FALSE(m.matches(call("1" + std::string(154, '3'))));
}

TEST(FunctionGrammar, ToolsWithoutInnerThoughtsStillThinkFirst) {
  Json tools =
      Json::array({testing::tool("archival_memory_search", "Search.",
                                 {{"query", {{"type", "string"}}},
                                  {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}},
                                 {"query"})});
  GbnfMatcher m(function_call_gbnf(tools));
  EXPECT_TRUE(m.matches(
      R"({"function": "archival_memory_search", "params": {"inner_thoughts": "t", "query": "q"}})"));
  EXPECT_TRUE(m.matches(
      R"({"function": "archival_memory_search", "params": {"inner_thoughts": "t", "query": "q", "tags": ["a", "b"]}})"));
  EXPECT_FALSE(m.matches(
      R"({"function": "archival_memory_search", "params": {"inner_thoughts": "t", "query": "q", "tags": [1]}})"));
  EXPECT_FALSE(m.matches(R"({"function": "archival_memory_search", "params": {"query": "q"}})"));
}

TEST(FunctionGrammar, ParamsOrderThoughtsRequiredOptional) {
  auto params = function_params(agent_tools()[1]["function"]);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].name, "inner_thoughts");
  EXPECT_EQ(params[1].name, "query");
  EXPECT_EQ(params[2].name, "request_heartbeat");
  EXPECT_EQ(params[3].name, "page");
  EXPECT_TRUE(params[2].required);
  EXPECT_FALSE(params[3].required);
}

TEST(FunctionSchema, AnyOfOneObjectPerFunctionWithThoughtsFirst) {
  OrderedJson s = function_call_json_schema(agent_tools());
  ASSERT_TRUE(s.contains("anyOf"));
  ASSERT_EQ(s["anyOf"].size(), 3u);
  const char* names[] = {"send_message", "conversation_search", "core_memory_append"};
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(names[i]);
    const OrderedJson& branch = s["anyOf"][i];
    EXPECT_EQ(branch["type"], "object");
    EXPECT_EQ(branch["required"], OrderedJson::array({"function", "params"}));
    EXPECT_EQ(branch["additionalProperties"], false);
    EXPECT_EQ(branch["properties"]["function"]["enum"], OrderedJson::array({names[i]}));
    const OrderedJson& params = branch["properties"]["params"];
    EXPECT_EQ(params["additionalProperties"], false);
    EXPECT_EQ(params["properties"].begin().key(), "inner_thoughts");  // converters keep this order
    EXPECT_EQ(params["required"][0], "inner_thoughts");
  }
  const OrderedJson& search = s["anyOf"][1]["properties"]["params"];
  EXPECT_EQ(search["required"],
            OrderedJson::array({"inner_thoughts", "query", "request_heartbeat"}));
  EXPECT_EQ(search["properties"]["page"]["type"], "integer");
  EXPECT_EQ(s["anyOf"][2]["properties"]["params"]["properties"]["name"]["enum"],
            OrderedJson::array({"persona", "human"}));
  // Serialised in that order too (the request body is written from this object).
  std::string text = search.dump();
  EXPECT_LT(text.find("inner_thoughts"), text.find("\"query\""));
  EXPECT_LT(text.find("\"query\""), text.find("\"page\""));
}

}  // namespace
}  // namespace memgpt::llm
