// Agent loop tests with an in-process scripted model (a hosted LLM cannot run here). Each test
// scripts the model's replies and checks the function calls, memory and stored state.
#include "agent/agent.h"

#include <gtest/gtest.h>

#include "agent/protocol.h"
#include "support/agent/agent_fixtures.h"
#include "support/agent/scripted_model.h"

namespace memgpt::agent {
namespace {

using memgpt::testing::ListArchival;
using memgpt::testing::ScriptedModel;

class AgentTest : public ::testing::Test {
 protected:
  std::unique_ptr<Agent> make(int context_window = 8192, bool verify = false, int limit = 2000) {
    return memgpt::testing::create_agent(
        deps_, memgpt::testing::sam_and_ann("TestAgent", {.model = "gpt-4", .context_window = context_window}, limit),
        verify);
  }
  std::vector<std::string> said() const { return log_.said(); }
  memgpt::testing::AgentStores stores_;
  ListArchival archival_;
  ScriptedModel model_;
  AgentDeps deps_ = stores_.deps(&model_, &archival_);
  memgpt::testing::EventLog log_;
  EventSink sink_ = log_.sink();
};

TEST_F(AgentTest, NewAgentStartsWithTheBootSequence) {
  auto agent = make();
  auto ctx = agent->context_messages();
  ASSERT_TRUE(ctx.ok());
  ASSERT_EQ(ctx->size(), 4u);
  EXPECT_EQ((*ctx)[0].role, "system");
  EXPECT_NE((*ctx)[0].text.find("You are MemGPT.\n\n### Memory [last modified: "), std::string::npos);
  EXPECT_NE((*ctx)[0].text.find("<persona characters=\"9/2000\">\nI am Sam.\n</persona>"),
            std::string::npos);
  EXPECT_EQ((*ctx)[1].role, "assistant");
  EXPECT_EQ((*ctx)[1].text, kBootThought);
  EXPECT_EQ((*ctx)[1].tool_calls[0]["function"]["name"], "send_message");
  EXPECT_EQ((*ctx)[2].role, "tool");
  EXPECT_EQ((*ctx)[2].tool_call_id, (*ctx)[1].tool_calls[0]["id"]);
  EXPECT_EQ(packed_type((*ctx)[3].text), "login");
  // Reloading gives the same state.
  auto again = Agent::load(deps_, agent->id());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->context_messages()->size(), 4u);
}

TEST_F(AgentTest, SendMessageRepliesAndWaitsForTheUser) {
  auto agent = make();
  model_.say("The user greets me.", "Hello Ann!");
  auto turn = agent->send_user_message("hi", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 1);
  EXPECT_EQ(said(), std::vector<std::string>{"Hello Ann!"});
  // The request carried the user's message packed as MemGPT does, after the boot sequence.
  const auto& req = model_.requests[0];
  ASSERT_EQ(req.messages.size(), 5u);
  EXPECT_EQ(unpack_user_message(req.messages[4].content), "hi");
  EXPECT_EQ(req.tools.size(), 8u);
  // The step is stored: user message, assistant call, tool result.
  auto ctx = agent->context_messages();
  ASSERT_EQ(ctx->size(), 7u);
  EXPECT_EQ((*ctx)[6].role, "tool");
  EXPECT_EQ(Json::parse((*ctx)[6].text)["status"], "OK");
}

TEST_F(AgentTest, HeartbeatChainsUntilNoHeartbeatIsRequested) {
  auto agent = make();
  model_.call("Save that.", "core_memory_append",
              {{"name", "human"}, {"content", "Likes jazz"}, {"request_heartbeat", true}});
  model_.call("Also archive.", "archival_memory_insert",
              {{"content", "Ann likes jazz"}, {"request_heartbeat", true}});
  model_.say("Done.", "Noted, you like jazz!");
  auto turn = agent->send_user_message("I like jazz", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 3);
  EXPECT_EQ(agent->memory().block("human")->value, "Name: Ann\nLikes jazz");
  EXPECT_EQ(archival_.rows.size(), 1u);
  // The second request ends with a heartbeat in the user role.
  auto last = model_.requests[1].messages.back();
  EXPECT_EQ(last.role, "user");
  EXPECT_EQ(packed_type(last.content), "heartbeat");
  EXPECT_NE(last.content.find("request_heartbeat=true"), std::string::npos);
  // The system message was rebuilt with the new memory.
  EXPECT_NE(model_.requests[1].messages[0].content.find("Likes jazz"), std::string::npos);
}

TEST_F(AgentTest, FailuresBecomeFailedResultsAndForceAHeartbeat) {
  auto agent = make();
  model_.call("", "launch_rocket", {{"request_heartbeat", false}});
  model_.push({"Oops.", "send_message", "{not json"});
  model_.call("", "core_memory_replace",
              {{"name", "human"}, {"old_content", "nope"}, {"new_content", "x"},
               {"request_heartbeat", false}});
  model_.say("Sorry.", "Let me try again.");
  auto turn = agent->send_user_message("do things", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 4);
  auto failures = log_.failures();
  ASSERT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures[0], "No function named 'launch_rocket'.");
  EXPECT_NE(failures[1].find("not a JSON object"), std::string::npos);
  EXPECT_NE(failures[2].find("was not found"), std::string::npos);
  auto hb = model_.requests[1].messages.back();
  EXPECT_NE(hb.content.find("Function call failed, returning control"), std::string::npos);
  // Every tool call in every request is answered right after it.
  for (const auto& req : model_.requests) {
    for (size_t i = 0; i < req.messages.size(); ++i) {
      if (req.messages[i].tool_calls.empty()) continue;
      ASSERT_LT(i + 1, req.messages.size());
      EXPECT_EQ(req.messages[i + 1].role, "tool");
      EXPECT_EQ(req.messages[i + 1].tool_call_id, req.messages[i].tool_calls[0].id);
    }
  }
}

TEST_F(AgentTest, AlmostJsonArgumentsAreRepaired) {
  auto agent = make();
  model_.push({"", "send_message", "```json\n{'message': 'Repaired!', }\n```"});
  ASSERT_TRUE(agent->send_user_message("hi", sink_).ok());
  EXPECT_EQ(said(), std::vector<std::string>{"Repaired!"});
}

TEST_F(AgentTest, CoreMemoryOverItsLimitIsReportedToTheModel) {
  auto agent = make(8192, false, 20);
  model_.call("", "core_memory_append",
              {{"name", "human"}, {"content", "A very long fact that will not fit"},
               {"request_heartbeat", false}});
  model_.say("", "ok");
  ASSERT_TRUE(agent->send_user_message("remember", sink_).ok());
  EXPECT_EQ(agent->memory().block("human")->value, "Name: Ann");
  std::string result = model_.requests[1].messages[model_.requests[1].messages.size() - 2].content;
  EXPECT_NE(result.find("\"status\":\"Failed\""), std::string::npos);
  EXPECT_NE(result.find("over its limit of 20"), std::string::npos);
}

TEST_F(AgentTest, OnlyTheFirstOfSeveralToolCallsRuns) {
  auto agent = make();
  model_.push({"both", "send_message", R"({"message":"first"})", {}, "tool_calls",
               {{"c2", "send_message", R"({"message":"second"})"}}});
  model_.say("", "next");
  ASSERT_TRUE(agent->send_user_message("hi", sink_).ok());
  EXPECT_EQ(said(), std::vector<std::string>{"first"});
  auto ctx = agent->context_messages();
  EXPECT_EQ((*ctx)[ctx->size() - 2].tool_calls.size(), 1u);
  // The stored reply keeps only the call that ran, so the next request is valid (the model
  // refuses a call left without its result).
  ASSERT_TRUE(agent->send_user_message("again", sink_).ok());
  EXPECT_EQ(said(), (std::vector<std::string>{"first", "next"}));
}

TEST_F(AgentTest, ModelErrorsKeepOnlyTheUsersMessage) {
  auto agent = make();
  size_t before = agent->context_messages()->size();
  model_.push({"", "", "", unavailable("connection refused")});
  auto turn = agent->send_user_message("hello?", sink_);
  ASSERT_FALSE(turn.ok());
  // Nothing from the failed call is stored, but the user's message is (unanswered).
  EXPECT_EQ(agent->context_messages()->size(), before + 1);
  EXPECT_EQ(unpack_user_message(agent->context_messages()->back().text), "hello?");
  EXPECT_EQ(*agent->recall_count(), 4);
  auto reloaded = Agent::load(deps_, agent->id());
  EXPECT_EQ((*reloaded)->context_messages()->size(), before + 1);
  // /retry sends it once more instead of adding a second copy.
  model_.say("", "Hello!");
  ASSERT_TRUE(agent->retry(sink_).ok());
  EXPECT_EQ(unpack_user_message(model_.requests.back().messages.back().content), "hello?");
  EXPECT_EQ(agent->context_messages()->size(), before + 3);
  // A cancelled call (Ctrl-C) keeps the message the same way: nothing the user typed is lost.
  model_.push({"", "", "", Status(ErrorCode::kCancelled, "cancelled")});
  EXPECT_EQ(agent->send_user_message("never mind", sink_).status().code(), ErrorCode::kCancelled);
  EXPECT_EQ(agent->context_messages()->size(), before + 4);
  EXPECT_EQ(unpack_user_message(agent->context_messages()->back().text), "never mind");
}

TEST_F(AgentTest, FirstMessageVerificationRetries) {
  auto agent = make(8192, true);
  model_.push({"I will just talk", "", ""});                 // no function call: rejected
  model_.call("", "core_memory_append", {{"name", "human"}, {"content", "x"},
                                          {"request_heartbeat", false}});  // wrong function
  model_.say("Greeting the user.", "Hi!");
  auto turn = agent->send_user_message("hello", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(model_.requests.size(), 3u);
  EXPECT_EQ(said(), std::vector<std::string>{"Hi!"});
  EXPECT_EQ(agent->memory().block("human")->value, "Name: Ann");  // rejected replies ran nothing
  // Later messages are not verified again.
  model_.push({"plain text", "", ""});
  ASSERT_TRUE(agent->send_user_message("more", sink_).ok());
  EXPECT_EQ(model_.requests.size(), 4u);
}

TEST_F(AgentTest, FirstMessageVerificationGivesUpClearly) {
  auto agent = make(8192, true);
  for (int i = 0; i < 10; ++i) model_.push({"no call", "", ""});
  auto turn = agent->send_user_message("hello", sink_);
  ASSERT_FALSE(turn.ok());
  EXPECT_NE(turn.status().message().find("--no-verify"), std::string::npos);
}

TEST_F(AgentTest, MemoryWarningAtThreeQuartersOfTheWindowIsSentOnce) {
  // Size the window so the fresh agent is under 75% and one long message pushes it over.
  auto agent = make(100000);
  int64_t base = *agent->context_tokens();
  int window = static_cast<int>((base + 150) / 0.75);
  ASSERT_TRUE(agent->update_llm_config({.model = "gpt-4", .context_window = window}).ok());
  std::string long_message;
  for (int i = 0; i < 150; ++i) long_message += "apple banana ";
  model_.say("", "ok");
  model_.call("Saving.", "archival_memory_insert", {{"content", "important"}, {"request_heartbeat", false}});
  auto turn = agent->send_user_message(long_message, sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(log_.count(AgentEvent::Kind::kSystemAlert), 1u);
  EXPECT_EQ(turn->steps, 2);  // the warning came as the next input
  EXPECT_EQ(packed_type(model_.requests[1].messages.back().content), "system_alert");
  // Not again on the next turn.
  log_.clear();
  model_.say("", "ok");
  ASSERT_TRUE(agent->send_user_message("x", sink_).ok());
  EXPECT_EQ(log_.count(AgentEvent::Kind::kSystemAlert), 0u);
}

TEST_F(AgentTest, TheContextCountedAfterEachStepIsTheWholeContextCounted) {
  // The memory warning is decided from a count made from the step's request (not the whole
  // context again): it must agree with the full count whatever the step changed — core memory
  // and the archival count in the system message, a failed call, a reply without a call.
  // Checked after every step: at each heartbeat (between steps) and at the end of each turn.
  auto agent = make(100000);
  EXPECT_EQ(agent->tokens_after_last_step(), -1);
  int checked = 0;
  auto check = [&](const std::string& where) {
    auto full = agent->context_tokens();
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(agent->tokens_after_last_step(), *full) << "after: " << where;
    ++checked;
  };
  EventSink sink = [&](const AgentEvent& e) {
    if (e.kind == AgentEvent::Kind::kHeartbeat) check("a step before a heartbeat");
  };
  model_.call("Noting.", "core_memory_append",
              {{"name", "human"}, {"content", "Likes green tea, \"quoted\" \u00e9, and long walks."}, {"request_heartbeat", true}});
  model_.call("Saving.", "archival_memory_insert", {{"content", "the tea is green"}, {"request_heartbeat", true}});
  model_.call("Oops.", "no_such_function", {{"request_heartbeat", false}});  // fails: a heartbeat follows
  model_.say("Done.", "Tea noted.");
  model_.push({"Just thinking, no call.", "", ""});
  for (const char* text : {"I like tea", "and now?"}) {
    auto turn = agent->send_user_message(text, sink);
    ASSERT_TRUE(turn.ok()) << turn.status().message();
    check(text);
  }
  EXPECT_EQ(checked, 5);
  EXPECT_EQ(model_.remaining(), 0u);
}

TEST_F(AgentTest, SummarisationEvictsOldMessagesButKeepsThemInRecall) {
  auto agent = make(8192);
  for (int i = 0; i < 6; ++i) {
    model_.call("note", "conversation_search", {{"query", "x"}, {"request_heartbeat", false}});
    ASSERT_TRUE(agent->send_user_message("message " + std::to_string(i), sink_).ok());
  }
  size_t before = agent->context_messages()->size();
  int64_t recall_before = *agent->recall_count();
  model_.push({"We talked about six messages.", "", ""});  // the summary call
  ASSERT_TRUE(agent->summarize(sink_).ok());
  auto ctx = agent->context_messages();
  EXPECT_LT(ctx->size(), before);
  EXPECT_EQ(*agent->recall_count(), recall_before + 1);  // evicted stay; the note is added
  std::string note = (*ctx)[1].text;
  EXPECT_NE(note.find("have been hidden from view due to conversation memory constraints"),
            std::string::npos);
  EXPECT_NE(note.find("We talked about six messages."), std::string::npos);
  // The summary request had no tools and a transcript.
  const auto& sreq = model_.requests.back();
  EXPECT_TRUE(sreq.tools.empty());
  EXPECT_NE(sreq.messages[1].content.find("message 0"), std::string::npos);
  // No tool message lost its call.
  for (size_t i = 1; i < ctx->size(); ++i) {
    if ((*ctx)[i].role == "tool") {
      EXPECT_FALSE((*ctx)[i - 1].tool_calls.empty());
    }
  }
}

TEST_F(AgentTest, ContextOverflowErrorTriggersSummaryAndRetry) {
  auto agent = make(8192);
  for (int i = 0; i < 5; ++i) {
    model_.say("", "reply " + std::to_string(i));
    ASSERT_TRUE(agent->send_user_message("message " + std::to_string(i), sink_).ok());
  }
  int64_t recall_before = *agent->recall_count();
  size_t calls_before = model_.requests.size();
  model_.push({"", "", "", llm::llm_failure(ErrorCode::kResourceExhausted, "context_length_exceeded",
                                            llm::LlmError::kContextWindowExceeded)});
  model_.push({"We exchanged five messages.", "", ""});
  model_.say("", "after summary");
  log_.clear();
  auto turn = agent->send_user_message("go on", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(said(), std::vector<std::string>{"after summary"});

  // Three model calls: the refused request, the summary, the same turn sent again.
  ASSERT_EQ(model_.requests.size(), calls_before + 3);
  const auto& refused = model_.requests[calls_before];
  const auto& summary = model_.requests[calls_before + 1];
  const auto& retried = model_.requests[calls_before + 2];
  // The summary call has no tools and reads the evicted messages.
  EXPECT_TRUE(summary.tools.empty());
  ASSERT_EQ(summary.messages.size(), 2u);
  EXPECT_NE(summary.messages[1].content.find("message 0"), std::string::npos);
  // The summary alert (shown once) takes position 1 of the retried request, which is shorter
  // and still ends with the user's message.
  auto alerts = log_.texts(AgentEvent::Kind::kSystemAlert);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_NE(alerts[0].find("have been hidden from view due to conversation memory constraints"),
            std::string::npos);
  EXPECT_NE(alerts[0].find("We exchanged five messages."), std::string::npos);
  EXPECT_EQ(packed_type(retried.messages[1].content), "system_alert");
  EXPECT_NE(retried.messages[1].content.find("We exchanged five messages."), std::string::npos);
  EXPECT_LT(retried.messages.size(), refused.messages.size());
  EXPECT_EQ(unpack_user_message(retried.messages.back().content), "go on");
  EXPECT_EQ(unpack_user_message(refused.messages.back().content), "go on");

  // The evicted messages left the context but stay in recall (plus the note, the user's
  // message, the call and its result).
  bool in_context = false;
  for (const auto& m : *agent->context_messages()) in_context |= unpack_user_message(m.text) == "message 0";
  EXPECT_FALSE(in_context);
  auto recall = stores_.recall().list(agent->id(), 0, 0, -1, false);
  ASSERT_TRUE(recall.ok());
  bool in_recall = false;
  for (const auto& m : *recall) in_recall |= unpack_user_message(m.text) == "message 0";
  EXPECT_TRUE(in_recall);
  EXPECT_EQ(*agent->recall_count(), recall_before + 4);
}

TEST_F(AgentTest, HugeFunctionResultIsCutWithANote) {
  auto agent = make(8192);
  archival_.rows.push_back({"big", std::string(50000, 'z') + " needle", 0, 0});
  model_.call("", "archival_memory_search", {{"query", "needle"}, {"request_heartbeat", true}});
  model_.say("", "found it");
  auto turn = agent->send_user_message("search", sink_);
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  std::string result = model_.requests[1].messages[model_.requests[1].messages.size() - 2].content;
  EXPECT_LT(result.size(), 10000u);
  EXPECT_NE(result.find("function output was truncated"), std::string::npos);
}

TEST_F(AgentTest, PopRetryRethinkRewrite) {
  auto agent = make();
  model_.say("thinking one", "answer one");
  ASSERT_TRUE(agent->send_user_message("question", sink_).ok());
  ASSERT_TRUE(agent->rethink("better thoughts").ok());
  ASSERT_TRUE(agent->rewrite("better answer").ok());
  auto ctx = agent->context_messages();
  const auto& assistant = (*ctx)[ctx->size() - 2];
  EXPECT_EQ(assistant.text, "better thoughts");
  EXPECT_NE(assistant.tool_calls[0]["function"]["arguments"].get<std::string>().find("better answer"),
            std::string::npos);
  model_.say("again", "answer two");
  auto retried = agent->retry(sink_);
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  EXPECT_EQ(unpack_user_message(model_.requests.back().messages.back().content), "question");
  EXPECT_EQ(agent->context_messages()->size(), 7u);
  ASSERT_TRUE(agent->pop(3).ok());
  EXPECT_EQ(agent->context_messages()->size(), 4u);  // system, boot call, its result, login
  // Popping more than there is keeps the system message and the boot call with its result
  // (a call is never split from its result): only the login event goes.
  ASSERT_TRUE(agent->pop(999).ok());
  auto left = agent->context_messages();
  ASSERT_EQ(left->size(), 3u);
  EXPECT_EQ((*left)[0].role, "system");
  EXPECT_EQ((*left)[1].text, kBootThought);
  EXPECT_EQ((*left)[2].role, "tool");
  EXPECT_EQ((*left)[2].tool_call_id, (*left)[1].tool_calls[0]["id"]);
  // Then nothing can go without splitting the call from its result.
  Status nothing = agent->pop(1);
  EXPECT_EQ(nothing.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(agent->context_messages()->size(), 3u);
  EXPECT_EQ(agent->pop(0).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace memgpt::agent
