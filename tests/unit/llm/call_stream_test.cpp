// A local model's function call streamed as it is generated: the inner thoughts arrive decoded
// as content, the function name once, the other parameters as argument pieces; whatever the
// pieces, no delta ends inside a UTF-8 character, and what the deltas add up to is what the
// wrappers' reader makes of the whole completion.
#include "llm/call_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "llm/prompt_wrapper.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

struct Collected {
  std::vector<StreamDelta> deltas;
  std::string content, arguments;
  std::vector<std::string> names;
};

// Feeds `text` in pieces of `size` bytes (cutting anywhere, as a tokeniser may).
Collected stream(const std::string& text, size_t size, bool function_call = true) {
  Collected c;
  FunctionCallStream s(function_call, [&](const StreamDelta& d) {
    c.deltas.push_back(d);
    c.content += d.content;
    c.arguments += d.tool_arguments;
    if (!d.tool_name.empty()) c.names.push_back(d.tool_name);
  });
  for (size_t i = 0; i < text.size(); i += size) s.feed(std::string_view(text).substr(i, size));
  return c;
}

bool whole_characters(const std::string& s) {
  if (s.empty()) return true;
  if ((static_cast<unsigned char>(s[0]) & 0xC0) == 0x80) return false;  // starts inside one
  return utf8_complete_prefix(s) == s.size();
}

const std::string kCall =
    R"({"function": "archival_memory_search", "params": {"inner_thoughts": "Sam asked about cats \u2014 let me \"search\".\nOK", )"
    R"("query": "cats sleep", "request_heartbeat": true}})";

TEST(FunctionCallStream, ThoughtsNameAndArgumentsAddUpToWhatTheReaderParses) {
  ChatMessage whole = parse_function_call_output(kCall, "");
  ASSERT_EQ(whole.tool_calls.size(), 1u);
  for (size_t size : {1u, 2u, 3u, 7u, 500u}) {
    Collected c = stream(kCall, size);
    EXPECT_EQ(c.content, whole.content) << "pieces of " << size;
    ASSERT_EQ(c.names.size(), 1u) << "pieces of " << size;
    EXPECT_EQ(c.names[0], whole.tool_calls[0].name);
    EXPECT_EQ(parse_json_or_discarded(c.arguments), parse_json_or_discarded(whole.tool_calls[0].arguments))
        << c.arguments;
  }
}

TEST(FunctionCallStream, ThoughtsArriveBeforeTheCallEnds) {
  Collected c = stream(kCall, 1);
  // The first delta with content comes long before the last byte: streamed, not collected.
  size_t first_content = 0;
  while (first_content < c.deltas.size() && c.deltas[first_content].content.empty()) ++first_content;
  EXPECT_LT(first_content, c.deltas.size() / 2);
  EXPECT_GT(c.deltas.size(), 20u);
}

TEST(FunctionCallStream, NoDeltaEndsInsideAUtf8Character) {
  // Raw multi-byte characters and escapes (one a surrogate pair) cut at every byte.
  const std::string call = R"({"function": "send_message", "params": {"inner_thoughts": "Café — 猫 😀 \ud83d\ude00 \u00e9", )"
                           R"("message": "Très bien 🐱"}})";
  ChatMessage whole = parse_function_call_output(call, "");
  Collected c = stream(call, 1);
  for (const auto& d : c.deltas) {
    EXPECT_TRUE(whole_characters(d.content)) << d.content;
    EXPECT_TRUE(whole_characters(d.tool_arguments)) << d.tool_arguments;
  }
  EXPECT_EQ(c.content, "Café — 猫 😀 😀 é");
  EXPECT_EQ(c.content, whole.content);
  EXPECT_EQ(parse_json_or_discarded(c.arguments)["message"], "Très bien 🐱");
}

TEST(FunctionCallStream, ACallWithoutArgumentsStreamsAnEmptyObject) {
  Collected c = stream(R"({"function": "pause_heartbeats", "params": {"inner_thoughts": "Rest."}})", 4);
  EXPECT_EQ(c.content, "Rest.");
  EXPECT_EQ(c.arguments, "{}");
  ASSERT_EQ(c.names.size(), 1u);
  EXPECT_EQ(c.names[0], "pause_heartbeats");
}

TEST(FunctionCallStream, NestedArgumentValuesPassThroughWhole) {
  const std::string call =
      R"({"function": "f", "params": {"inner_thoughts": "x", "list": [1, {"a": "}"}], "o": {"inner_thoughts": "not mine"}}})";
  Collected c = stream(call, 3);
  EXPECT_EQ(c.content, "x");
  Json args = parse_json_or_discarded(c.arguments);
  ASSERT_TRUE(args.is_object()) << c.arguments;
  EXPECT_EQ(args["list"][1]["a"], "}");
  EXPECT_EQ(args["o"]["inner_thoughts"], "not mine");
}

TEST(FunctionCallStream, ProseInsteadOfACallStreamsNothing) {
  Collected c = stream("Sure! I'd love to chat {\"function\": \"x\"}", 2);
  EXPECT_TRUE(c.deltas.empty());
}

TEST(FunctionCallStream, PlainTextIsContentCutOnlyBetweenCharacters) {
  const std::string text = "Hello, 世界! 😀";
  Collected c = stream(text, 1, /*function_call=*/false);
  for (const auto& d : c.deltas) EXPECT_TRUE(whole_characters(d.content)) << d.content;
  EXPECT_EQ(c.content, text);
  EXPECT_TRUE(c.names.empty());
}

}  // namespace
}  // namespace memgpt::llm
