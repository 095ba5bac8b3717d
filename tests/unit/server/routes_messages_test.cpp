// Messages through the routes: a turn answered as Letta messages, the same turn streamed as SSE
// frames (no sockets: the stream is written to a string), summarize, the command route, and a
// failing model answered with a short reason instead of its body.
#include "server_fixture.h"

namespace memgpt::server {
namespace {

class MessageRoutes : public RoutesTest {};

class StringWriter final : public http::BodyWriter {
 public:
  bool write(std::string_view data) override {
    text.append(data);
    return true;
  }
  std::string text;
};

std::vector<Json> sse_data(const std::string& text) {
  std::vector<Json> out;
  size_t pos = 0;
  while ((pos = text.find("data: ", pos)) != std::string::npos) {
    size_t end = text.find("\n\n", pos);
    std::string payload = text.substr(pos + 6, end - pos - 6);
    out.push_back(payload == "[DONE]" ? Json("[DONE]") : parse_json_or_discarded(payload));
    pos = end;
  }
  return out;
}

TEST_F(MessageRoutes, ATurnComesBackAsLettaMessages) {
  start(Json::array({say("Hello Ada!")}));
  std::string id = new_agent("ada");
  auto r = call("POST", "/v1/agents/" + id + "/messages", {{"messages", {{{"role", "user"}, {"content", "hi"}}}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["messages"].back()["message_type"], "assistant_message");
  EXPECT_EQ(r.body["messages"].back()["content"], "Hello Ada!");
  EXPECT_EQ(r.body["stop_reason"]["stop_reason"], "end_turn");
  EXPECT_EQ(r.body["usage"]["step_count"], 1);
  auto listed = call("GET", "/v1/agents/" + id + "/messages?order=asc&limit=1000");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.back()["content"], "Hello Ada!");
}

TEST_F(MessageRoutes, StreamingWritesOneFramePerMessageThenDone) {
  start(Json::array({say("Streaming works.")}));
  std::string id = new_agent("ada");
  auto r = call("POST", "/v1/agents/" + id + "/messages/stream", {{"input", "stream please"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.raw.content_type, "text/event-stream");
  ASSERT_TRUE(r.raw.stream);
  StringWriter out;
  r.raw.stream(out);
  auto frames = sse_data(out.text);
  ASSERT_GE(frames.size(), 4u) << out.text;
  EXPECT_EQ(frames[0]["message_type"], "reasoning_message");
  EXPECT_EQ(frames[1]["message_type"], "assistant_message");
  EXPECT_EQ(frames[1]["content"], "Streaming works.");
  EXPECT_EQ(frames[frames.size() - 3]["message_type"], "stop_reason");
  EXPECT_EQ(frames[frames.size() - 2]["message_type"], "usage_statistics");
  EXPECT_EQ(frames.back(), "[DONE]");
  // The agent's lock went with the stream: the next request is served.
  r.raw = http::Response();
  EXPECT_EQ(call("GET", "/v1/agents/" + id + "/messages").status, 200);
}

TEST_F(MessageRoutes, SummarizeReplacesOlderMessagesWithASummary) {
  start(Json::array({say("one"), say("two"), {{"content", "A short summary of the chat."}}}));
  std::string id = new_agent("ada");
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", {{"input", "first"}}).status, 200);
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", {{"input", "second"}}).status, 200);
  size_t before = call("GET", "/v1/agents/" + id).body["message_ids"].size();
  auto r = call("POST", "/v1/agents/" + id + "/summarize", Json::object());
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_TRUE(r.body.is_null());
  size_t after = call("GET", "/v1/agents/" + id).body["message_ids"].size();
  EXPECT_LT(after, before);
  auto requests = llm_->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_TRUE(requests.back()["tools"].is_null());  // the summary call offers no tools
  // Recall memory keeps every message; the context now starts with the summary.
  auto history = call("GET", "/v1/agents/" + id + "/messages?order=asc&limit=1000").body;
  bool summary = false;
  for (const auto& m : history) summary = summary || m.dump().find("A short summary of the chat.") != std::string::npos;
  EXPECT_TRUE(summary) << history.dump();
  // Too little to summarise is a conflict with the agent's state, not a server error.
  auto fresh = new_agent("grace");
  EXPECT_EQ(call("POST", "/v1/agents/" + fresh + "/summarize", Json::object()).status, 409);
}

TEST_F(MessageRoutes, CommandsRunOnTheAgent) {
  start(Json::array({say("one")}));
  std::string id = new_agent("ada");
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", {{"input", "first"}}).status, 200);
  size_t before = call("GET", "/v1/agents/" + id).body["message_ids"].size();
  auto r = call("POST", "/api/agents/" + id + "/command", {{"command", "/pop 2"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["command"], "pop");
  EXPECT_EQ(call("GET", "/v1/agents/" + id).body["message_ids"].size(), before - 2);
  for (const char* bad : {"/dance", "/pop -1", "/rethink"}) {
    auto e = call("POST", "/v1/agents/" + id + "/command", {{"command", bad}});
    EXPECT_EQ(e.status, 422) << bad;
    EXPECT_EQ(e.body["detail"][0]["loc"][1], "command");
  }
}

TEST_F(MessageRoutes, AFailingModelIsAShortReasonWithoutItsBody) {
  Json refusal = {{"status", 401}, {"error", {{"message", "UPSTREAM-PRIVATE-BODY"}}}};
  start(Json::array({refusal, refusal}));
  std::string id = new_agent("ada");
  auto r = call("POST", "/v1/agents/" + id + "/messages", {{"input", "hi"}});
  EXPECT_EQ(r.status, 502) << r.body.dump();
  EXPECT_EQ(r.body.dump().find("UPSTREAM-PRIVATE-BODY"), std::string::npos) << r.body.dump();
  EXPECT_EQ(r.body.dump().find(llm_->base_url()), std::string::npos) << r.body.dump();
  EXPECT_NE(r.body["message"].get<std::string>().find("credentials"), std::string::npos);
  // The same failure in a stream is an error frame with the same short reason.
  auto streamed = call("POST", "/v1/agents/" + id + "/messages", {{"input", "again"}, {"streaming", true}});
  ASSERT_TRUE(streamed.raw.stream);
  StringWriter out;
  streamed.raw.stream(out);
  EXPECT_NE(out.text.find("event: error"), std::string::npos) << out.text;
  EXPECT_EQ(out.text.find("UPSTREAM-PRIVATE-BODY"), std::string::npos) << out.text;
  EXPECT_EQ(llm_->replies_left(), 0u);  // both calls reached the model
}

}  // namespace
}  // namespace memgpt::server
