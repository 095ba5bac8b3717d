// The agent against a misbehaving OpenAI-compatible server (the scripted one, on loopback):
// truncated and empty replies, several calls at once, broken streams and connections, slow
// replies and rate limits. After every failure the agent is consistent (what is stored is what
// is in context, reloading gives the same), the error is one line, and the user's message is
// kept so /retry can send it again. Every request the agent makes must pass the server's checks.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "support/agent/agent_fixtures.h"

namespace memgpt::agent {
namespace {

using memgpt::testing::ScriptedLlmServer;

class AgentFaults : public ::testing::Test {
 protected:
  // Starts the server with `replies` and creates the agent talking to it.
  void start(Json replies, int attempts = 1, int timeout_ms = 5000) {
    server_ =
        std::make_unique<ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    ASSERT_GT(server_->start(), 0);
    llm::LlmConfig c = memgpt::testing::scripted_llm_config(*server_, "openai", "gpt-4o-mini");
    c.max_attempts = attempts;
    c.timeout_ms = timeout_ms;
    model_ = memgpt::testing::connect_model(c);
    deps_ = stores_.deps(model_.get());
    agent_ = memgpt::testing::create_agent(
        deps_, memgpt::testing::sam_and_ann("Faulty", {.model = "gpt-4o-mini",
                                                       .model_endpoint_type = "openai",
                                                       .context_window = 8192}));
  }
  std::vector<std::string> context_ids() {
    std::vector<std::string> ids;
    for (const auto& m : *agent_->context_messages()) ids.push_back(m.id);
    return ids;
  }
  std::vector<std::string> said() const { return log_.said(); }
  // A failed turn leaves the context as before plus the user's message (stored in recall too),
  // the same after a reload; the error is one line.
  void expect_failed_turn_kept_message(const Result<TurnResult>& turn,
                                       const std::vector<std::string>& before,
                                       int64_t recall_before, const std::string& text) {
    ASSERT_FALSE(turn.ok());
    EXPECT_EQ(turn.status().message().find('\n'), std::string::npos) << turn.status().message();
    auto ctx = *agent_->context_messages();
    ASSERT_EQ(ctx.size(), before.size() + 1);
    for (size_t i = 1; i < before.size(); ++i) EXPECT_EQ(ctx[i].id, before[i]);
    EXPECT_EQ(ctx.back().role, "user");
    EXPECT_EQ(unpack_user_message(ctx.back().text).value_or(""), text);
    EXPECT_EQ(*agent_->recall_count(), recall_before + 1);
    auto reloaded = Agent::load(deps_, agent_->id());
    ASSERT_TRUE(reloaded.ok());
    std::vector<std::string> again;
    for (const auto& m : *(*reloaded)->context_messages()) again.push_back(m.id);
    EXPECT_EQ(again, context_ids());
  }
  // /retry sends the kept message once (not twice) and the turn completes.
  void expect_retry_answers(const std::string& text, const std::string& answer) {
    size_t before = agent_->context_messages()->size();
    auto turn = agent_->retry(sink_);
    ASSERT_TRUE(turn.ok()) << turn.status().message();
    EXPECT_EQ(said().back(), answer);
    auto ctx = *agent_->context_messages();
    EXPECT_EQ(ctx.size(), before + 2);  // the same user message, the call, its result
    int copies = 0;
    for (const auto& m : ctx) copies += unpack_user_message(m.text).value_or("") == text;
    EXPECT_EQ(copies, 1);
  }

  memgpt::testing::AgentStores stores_;
  std::unique_ptr<ScriptedLlmServer> server_;  // reports invalid requests as failures
  std::unique_ptr<llm::ChatModel> model_;
  AgentDeps deps_;
  std::unique_ptr<Agent> agent_;
  memgpt::testing::EventLog log_;
  EventSink sink_ = log_.sink();
};

Json say(const std::string& thoughts, const std::string& message) {
  return {{"content", thoughts}, {"tool", "send_message"}, {"arguments", {{"message", message}}}};
}

TEST_F(AgentFaults, TruncatedToolCallAtTheTokenLimitIsNotRunButReportedToTheModel) {
  start(Json::array(
      {{{"content", "Long answer."},
        {"tool", "send_message"},
        {"arguments", R"({"message": "Here is the first half of a very long answer that was cu)"},
        {"finish_reason", "length"}},
       say("Shorter this time.", "Short answer.")}));
  auto turn = agent_->send_user_message("tell me everything", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  // The cut-off text never reached the user; the model was told and answered again.
  EXPECT_EQ(said(), std::vector<std::string>{"Short answer."});
  EXPECT_EQ(turn->steps, 2);
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  const Json& msgs = reqs[1]["messages"];
  std::string result = msgs[msgs.size() - 2]["content"];
  EXPECT_NE(result.find("\"status\":\"Failed\""), std::string::npos) << result;
  EXPECT_NE(result.find("output token limit"), std::string::npos) << result;
  EXPECT_EQ(packed_type(msgs.back()["content"]), "heartbeat");
}

TEST_F(AgentFaults, LengthWithNothingUsableIsAClearErrorAndKeepsTheMessage) {
  start(Json::array({{{"content", ""}, {"finish_reason", "length"}}, say("", "Now complete.")}));
  auto before = context_ids();
  int64_t recall_before = *agent_->recall_count();
  auto turn = agent_->send_user_message("hello", sink_);
  expect_failed_turn_kept_message(turn, before, recall_before, "hello");
  EXPECT_EQ(llm::llm_error_of(turn.status()), llm::LlmError::kOutputTruncated);
  EXPECT_NE(turn.status().message().find("output token limit"), std::string::npos);
  expect_retry_answers("hello", "Now complete.");
}

TEST_F(AgentFaults, EmptyReplyWithoutACallEndsTheTurnQuietlyAndTheNextTurnWorks) {
  start(Json::array({{{"content", ""}}, say("", "Sorry, here I am.")}));
  size_t before = agent_->context_messages()->size();
  auto turn = agent_->send_user_message("hello?", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 1);
  EXPECT_TRUE(said().empty());
  auto ctx = *agent_->context_messages();
  EXPECT_EQ(ctx.size(), before + 2);  // the user's message and the (empty) reply
  EXPECT_EQ(unpack_user_message(ctx[ctx.size() - 2].text).value_or(""), "hello?");
  ASSERT_TRUE(agent_->send_user_message("still there?", sink_).ok());
  EXPECT_EQ(said(), std::vector<std::string>{"Sorry, here I am."});
}

TEST_F(AgentFaults, OnlyTheFirstOfSeveralToolCallsRunsAndTheNextRequestIsValid) {
  Json two = say("Two at once.", "first");
  two["tool_calls"] = Json::array(
      {{{"tool", "send_message"}, {"arguments", {{"message", "second"}}}},
       {{"tool", "core_memory_append"},
        {"arguments", {{"name", "human"}, {"content", "x"}, {"request_heartbeat", false}}}}});
  start(Json::array({two, say("", "next")}));
  ASSERT_TRUE(agent_->send_user_message("hi", sink_).ok());
  ASSERT_TRUE(agent_->send_user_message("again", sink_).ok());
  EXPECT_EQ(said(), (std::vector<std::string>{"first", "next"}));
  EXPECT_EQ(agent_->memory().block("human")->value, "Name: Ann");  // the third call never ran
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  // The stored reply keeps only the call that ran, answered right after it.
  const Json& msgs = reqs[1]["messages"];
  const Json& assistant = msgs[msgs.size() - 3];
  ASSERT_EQ(assistant["tool_calls"].size(), 1u);
  EXPECT_EQ(msgs[msgs.size() - 2]["tool_call_id"], assistant["tool_calls"][0]["id"]);
}

TEST_F(AgentFaults, StreamCutMidwayFailsTheTurnWithoutReplayingIt) {
  start(Json::array({{{"content", "A long inner monologue that will be cut."},
                      {"tool", "send_message"},
                      {"arguments", {{"message", "never complete"}}},
                      {"cut_stream", true}},
                     say("Second try.", "Complete now.")}),
        3);
  auto before = context_ids();
  int64_t recall_before = *agent_->recall_count();
  TurnOptions stream;
  stream.stream = true;
  auto turn = agent_->send_user_message("stream please", sink_, stream);
  expect_failed_turn_kept_message(turn, before, recall_before, "stream please");
  EXPECT_NE(turn.status().message().find("cut off"), std::string::npos) << turn.status().message();
  EXPECT_EQ(server_->requests().size(), 1u);  // the part already shown is not streamed again
  EXPECT_TRUE(said().empty());
  expect_retry_answers("stream please", "Complete now.");
}

TEST_F(AgentFaults, DroppedConnectionIsRetriedThenReportedClearly) {
  start(Json::array({{{"drop_connection", true}}, say("", "Made it.")}), 2);
  ASSERT_TRUE(agent_->send_user_message("first", sink_).ok());
  EXPECT_EQ(said(), std::vector<std::string>{"Made it."});
  EXPECT_EQ(server_->requests().size(), 2u);
}

TEST_F(AgentFaults, DroppedConnectionWithoutRetriesKeepsTheMessage) {
  start(Json::array({{{"drop_connection", true}}, say("", "Back.")}), 1);
  auto before = context_ids();
  int64_t recall_before = *agent_->recall_count();
  auto turn = agent_->send_user_message("are you there", sink_);
  expect_failed_turn_kept_message(turn, before, recall_before, "are you there");
  EXPECT_EQ(turn.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(turn.status().message().find("model_endpoint"), std::string::npos)
      << turn.status().message();
  expect_retry_answers("are you there", "Back.");
}

TEST_F(AgentFaults, SlowReplyPastTheTimeoutKeepsTheMessage) {
  start(Json::array({{{"content", "late"}, {"delay_ms", 1500}}, say("", "On time.")}), 1, 500);
  auto before = context_ids();
  int64_t recall_before = *agent_->recall_count();
  auto turn = agent_->send_user_message("quick question", sink_);
  expect_failed_turn_kept_message(turn, before, recall_before, "quick question");
  EXPECT_EQ(turn.status().code(), ErrorCode::kTimeout);
  EXPECT_NE(turn.status().message().find("500 ms"), std::string::npos) << turn.status().message();
  expect_retry_answers("quick question", "On time.");
}

TEST_F(AgentFaults, RateLimitWithRetryAfterThenSuccess) {
  start(Json::array(
            {{{"status", 429}, {"retry_after", 1}, {"error", {{"message", "Rate limit reached"}}}},
             say("", "Thanks for waiting.")}),
        3);
  auto turn = agent_->send_user_message("hi", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(said(), std::vector<std::string>{"Thanks for waiting."});
  EXPECT_EQ(server_->requests().size(), 2u);
  // The retried request is the same request.
  EXPECT_EQ(server_->requests()[0], server_->requests()[1]);
}

TEST_F(AgentFaults, AFailureInALaterStepKeepsTheEarlierSteps) {
  start(Json::array(
      {{{"content", "Saving."},
        {"tool", "core_memory_append"},
        {"arguments", {{"name", "human"}, {"content", "Likes tea"}, {"request_heartbeat", true}}}},
       {{"status", 401}, {"error", {{"message", "Incorrect API key provided"}}}}}));
  size_t before = agent_->context_messages()->size();
  auto turn = agent_->send_user_message("I like tea", sink_);
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(llm::llm_error_of(turn.status()), llm::LlmError::kAuthentication);
  // The first step (user message, call, result) stays; the heartbeat that failed is not stored.
  EXPECT_EQ(agent_->context_messages()->size(), before + 3);
  EXPECT_EQ(agent_->memory().block("human")->value, "Name: Ann\nLikes tea");
  EXPECT_EQ((*Agent::load(deps_, agent_->id()))->memory().block("human")->value,
            "Name: Ann\nLikes tea");
}

}  // namespace
}  // namespace memgpt::agent
