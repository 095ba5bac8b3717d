// The agent use-cases shared by the CLI and the server: one open at a time per agent (a second
// waits, then reports the agent busy), the cache kept only after success, delete in one go, and
// the slash-command parser.
#include "runtime/agent_service.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "support/runtime_home.h"
#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

class AgentServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MemgptConfig config = *load_config_or_default();
    config.model_endpoint_type = "openai";
    config.model_endpoint = "http://127.0.0.1:9/v1";  // never called: no step runs here
    opened_.open(config, home_.path());
  }
  std::unique_ptr<AgentService> service(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    AgentServiceOptions o;
    o.lock_wait = wait;
    return std::make_unique<AgentService>(*opened_.ctx, *opened_.archival, o);
  }
  NewAgent request(const std::string& name) {
    NewAgent n;
    n.user_id = opened_.ctx->user_id;
    n.name = name;
    n.llm_config = {.model = "gpt-4o-mini", .model_endpoint_type = "openai",
                    .model_endpoint = "http://127.0.0.1:9/v1", .context_window = 8192};
    return n;
  }

  testing::ScopedHome home_;
  testing::RuntimeHome opened_;
};

TEST_F(AgentServiceTest, ASecondOpenOfTheSameAgentWaitsThenReportsItBusy) {
  auto agents = service();
  auto rec = agents->create(request("ada"));
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  auto first = agents->open(rec->id, false);
  ASSERT_TRUE(first.ok()) << first.status().message();
  bool waited = false;
  auto second = agents->open(rec->id, false, [&] { waited = true; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("busy"), std::string::npos);
  EXPECT_FALSE(waited);  // told not to wait: no "waiting" notice either
  // A service that waits says so, and gets the agent once the first open is released.
  auto patient = service(std::chrono::milliseconds(60000));
  std::promise<void> waiting;
  bool notified = false;
  std::thread release([&] {
    notified = waiting.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
    first = Result<OpenAgent>(OpenAgent());  // releases the lock
  });
  auto third = patient->open(rec->id, false, [&] { waiting.set_value(); });
  release.join();
  EXPECT_TRUE(notified);
  EXPECT_TRUE(third.ok()) << third.status().message();
}

TEST_F(AgentServiceTest, TheLoadedAgentIsKeptOnlyAfterSuccess) {
  auto agents = service();
  auto rec = agents->create(request("ada"));
  ASSERT_TRUE(rec.ok());
  // An in-memory mark that the store does not have (the service sets it off on every load).
  {
    auto open = agents->open(rec->id, false);
    ASSERT_TRUE(open.ok());
    open->agent().set_verify_first_message(true);
    open->keep_cached();
  }
  {
    auto open = agents->open(rec->id, false);
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open->agent().verify_first_message());  // the same loaded agent
    // Not kept: a failed or cancelled operation leaves nothing of itself in memory.
  }
  auto open = agents->open(rec->id, false);
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->agent().verify_first_message());  // loaded again from the store
}

TEST_F(AgentServiceTest, CreateRefusesATakenNameAndDeleteRemovesEverything) {
  auto agents = service();
  auto rec = agents->create(request("ada"));
  ASSERT_TRUE(rec.ok());
  auto again = agents->create(request("ada"));
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  ASSERT_TRUE(opened_.archival->passages->insert_archival(opened_.ctx->user_id, rec->id, "A fact.", 300).ok());
  ASSERT_TRUE(agents->remove(rec->id).ok());
  EXPECT_EQ(opened_.ctx->store->get_agent(rec->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*opened_.archival->passages->count_archival(rec->id), 0);
  EXPECT_EQ(*agents->recall().count(rec->id), 0);
}

TEST_F(AgentServiceTest, UpdateRenamesAndRefusesATakenName) {
  auto agents = service();
  auto ada = agents->create(request("ada"));
  auto grace = agents->create(request("grace"));
  ASSERT_TRUE(ada.ok() && grace.ok());
  AgentUpdate u;
  u.name = "grace";
  EXPECT_EQ(agents->update(ada->id, u).status().code(), ErrorCode::kAlreadyExists);
  u.name = "lovelace";
  u.description.description = "the first programmer";
  auto renamed = agents->update(ada->id, u);
  ASSERT_TRUE(renamed.ok()) << renamed.status().message();
  EXPECT_EQ(renamed->name, "lovelace");
  EXPECT_EQ(renamed->description, "the first programmer");
}

TEST_F(AgentServiceTest, AnAgentWithAnUnreadableStateRefusesToOpenButCanBeDeleted) {
  auto agents = service();
  auto rec = agents->create(request("ada"));
  ASSERT_TRUE(rec.ok()) << rec.status().message();
  std::vector<SqlValue> p{std::string("{\"memory\": 7}"), rec->id};
  ASSERT_TRUE(opened_.ctx->store->db().exec("UPDATE agents SET state = ? WHERE id = ?", p).ok());
  auto opened = agents->open(rec->id, false);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(opened.status().message().find("agent 'ada' has an unreadable saved state"), std::string::npos);
  AgentUpdate u;
  u.name = "lovelace";
  EXPECT_EQ(agents->update(rec->id, u).status().code(), ErrorCode::kCorrupt);
  EXPECT_TRUE(agents->remove(rec->id).ok());
  EXPECT_EQ(opened_.ctx->store->get_agent(rec->id).status().code(), ErrorCode::kNotFound);
}

TEST(AgentCommands, ParseKnownVerbsAndRefuseBadArguments) {
  auto pop = parse_agent_command("/pop 3");
  ASSERT_TRUE(pop.ok());
  EXPECT_EQ(pop->verb, "pop");
  EXPECT_EQ(pop->arg, "3");
  EXPECT_FALSE(command_needs_model(*pop));
  auto retry = parse_agent_command("retry");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(command_needs_model(*retry));
  auto rethink = parse_agent_command("/rethink   new thoughts  ");
  ASSERT_TRUE(rethink.ok());
  EXPECT_EQ(rethink->arg, "new thoughts");
  EXPECT_EQ(parse_agent_command("/rethink").status().message(), "/rethink needs the new inner monologue");
  EXPECT_FALSE(parse_agent_command("/pop 0").ok());
  EXPECT_FALSE(parse_agent_command("/pop x").ok());
  auto unknown = parse_agent_command("/dance");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("known: pop, retry"), std::string::npos);
  EXPECT_TRUE(is_agent_command("systemswap"));
  EXPECT_FALSE(is_agent_command("exit"));
}

}  // namespace
}  // namespace memgpt::runtime
