// Issue 11, defect 7, through the agent: a model server that accepts the request and never
// answers. The turn fails once, at the configured deadline (one attempt, not four), or at once
// when cancelled; either way the user's message is kept, unanswered, and /retry sends it again.
// The agent tells its caller when it waits for the model (the CLI shows "waiting for the
// model…" from these events). Tests count attempts and look at the store, never at the clock.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "agent/agent.h"
#include "agent/protocol.h"
#include "llm/llm_config.h"
#include "scripted_llm.h"
#include "support/hanging_server.h"
#include "support/agent/agent_fixtures.h"
#include "support/test_env.h"

namespace memgpt::agent {
namespace {

using memgpt::testing::HangingServer;
using memgpt::testing::ScriptedLlmServer;

class AgentHungModel : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"));
    ASSERT_TRUE(s.ok());
    meta_ = std::move(*s);
    ASSERT_TRUE(meta_->ensure_user("u").ok());
    recall_ = std::make_unique<store::RecallStore>(meta_->shared_db());
    ASSERT_GT(hung_.start(), 0);
  }
  std::unique_ptr<llm::ChatModel> model_at(const std::string& url, int timeout_ms) {
    llm::LlmConfig c;
    c.model = "gpt-4o-mini";
    c.model_endpoint = url;
    c.model_endpoint_type = "openai";
    c.api_key = "sk-test";
    c.timeout_ms = timeout_ms;
    c.max_attempts = 4;
    auto m = llm::make_chat_model(c);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return std::move(*m);
  }
  AgentDeps deps(llm::ChatModel* model) { return {meta_.get(), recall_.get(), nullptr, model}; }
  std::unique_ptr<Agent> create(llm::ChatModel* model) {
    AgentCreateOptions o = testing::sam_and_ann(
        "Patient", {.model = "gpt-4o-mini", .model_endpoint_type = "openai", .context_window = 8192});
    auto a = Agent::create(deps(model), o);
    EXPECT_TRUE(a.ok()) << a.status().message();
    (*a)->set_verify_first_message(false);
    return std::move(*a);
  }
  // The message is the last one in context, stored once, and a reload sees the same.
  void expect_kept_unanswered(Agent& agent, const std::string& text, size_t context_before,
                              int64_t recall_before, llm::ChatModel* model) {
    auto ctx = *agent.context_messages();
    ASSERT_EQ(ctx.size(), context_before + 1);
    EXPECT_EQ(unpack_user_message(ctx.back().text).value_or(""), text);
    EXPECT_EQ(*agent.recall_count(), recall_before + 1);
    auto reloaded = Agent::load(deps(model), agent.id());
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ((*reloaded)->context_messages()->size(), ctx.size());
  }
  std::vector<AgentEvent::Kind> model_events() const {
    std::vector<AgentEvent::Kind> out;
    for (const auto& e : events_) {
      if (e.kind == AgentEvent::Kind::kModelCallStarted || e.kind == AgentEvent::Kind::kModelRetry ||
          e.kind == AgentEvent::Kind::kModelCallEnded) {
        out.push_back(e.kind);
      }
    }
    return out;
  }

  memgpt::testing::TempDir dir_;
  std::unique_ptr<store::MetadataStore> meta_;
  std::unique_ptr<store::RecallStore> recall_;
  HangingServer hung_;
  std::vector<AgentEvent> events_;
  EventSink sink_ = [this](const AgentEvent& e) { events_.push_back(e); };
};

TEST_F(AgentHungModel, TheTurnFailsAfterOneAttemptAtTheDeadlineAndKeepsTheMessage) {
  auto model = model_at(hung_.base_url(), 400);
  auto agent = create(model.get());
  size_t before = agent->context_messages()->size();
  int64_t recall_before = *agent->recall_count();
  auto turn = agent->send_user_message("are you there?", sink_);
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(turn.status().code(), ErrorCode::kTimeout) << turn.status().message();
  EXPECT_EQ(hung_.requests(), 1);  // the configured 4 attempts are not 4 waits of the deadline
  EXPECT_EQ(turn.status().message().find('\n'), std::string::npos);
  expect_kept_unanswered(*agent, "are you there?", before, recall_before, model.get());
  using K = AgentEvent::Kind;
  EXPECT_EQ(model_events(), (std::vector<K>{K::kModelCallStarted, K::kModelCallEnded}));
  EXPECT_FALSE(events_.back().ok);
}

TEST_F(AgentHungModel, CancelEndsTheWaitKeepsTheMessageAndRetrySendsItOnce) {
  auto hung_model = model_at(hung_.base_url(), 600000);  // only the cancel can end this wait
  auto agent = create(hung_model.get());
  size_t before = agent->context_messages()->size();
  int64_t recall_before = *agent->recall_count();
  std::atomic<bool> cancel{false};
  std::thread ctrl_c([&] {
    if (hung_.wait_for_requests(1)) cancel = true;
  });
  TurnOptions options;
  options.cancel = &cancel;
  auto turn = agent->send_user_message("a question for later", sink_, options);
  ctrl_c.join();
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(turn.status().code(), ErrorCode::kCancelled);
  EXPECT_NE(turn.status().message().find("your message is kept"), std::string::npos)
      << turn.status().message();
  EXPECT_EQ(hung_.requests(), 1);
  expect_kept_unanswered(*agent, "a question for later", before, recall_before, hung_model.get());

  // The model is back: /retry sends the kept message once and the turn completes.
  ScriptedLlmServer llm({{"model", "gpt-4o-mini"},
                         {"replies", Json::array({{{"content", "Back now."},
                                                   {"tool", "send_message"},
                                                   {"arguments", {{"message", "Here is my answer."}}}}})}});
  ASSERT_GT(llm.start(), 0);
  auto working = model_at(llm.base_url(), 5000);
  auto again = Agent::load(deps(working.get()), agent->id());
  ASSERT_TRUE(again.ok());
  (*again)->set_verify_first_message(false);
  auto retried = (*again)->retry(sink_);
  ASSERT_TRUE(retried.ok()) << retried.status().message();
  ASSERT_EQ(llm.request_count(), 1u);
  int copies = 0;
  const Json sent = llm.requests()[0]["messages"];
  for (const auto& m : sent) {
    copies += unpack_user_message(m.value("content", "")).value_or("") == "a question for later";
  }
  EXPECT_EQ(copies, 1) << sent.dump(1);
  EXPECT_TRUE(llm.violations().empty());
}

TEST_F(AgentHungModel, ACancelledHeartbeatLeavesTheAgentAsItWas) {
  auto model = model_at(hung_.base_url(), 600000);
  auto agent = create(model.get());
  size_t before = agent->context_messages()->size();
  std::atomic<bool> cancel{false};
  std::thread ctrl_c([&] {
    if (hung_.wait_for_requests(1)) cancel = true;
  });
  TurnOptions options;
  options.cancel = &cancel;
  auto turn = agent->send_heartbeat(kHeartbeatRequested, sink_, options);
  ctrl_c.join();
  ASSERT_FALSE(turn.ok());
  EXPECT_EQ(turn.status().code(), ErrorCode::kCancelled);
  EXPECT_EQ(agent->context_messages()->size(), before);  // no user message to keep
}

}  // namespace
}  // namespace memgpt::agent
