// commit_agent: an agent's record and the recall messages a change added, rewrote or removed
// are saved together — one transaction when recall shares the metadata database, in a safe
// order when it does not (the agent no longer opens transactions of its own).
#include "store/agent_commit.h"

#include <gtest/gtest.h>

#include "store_backend.h"
#include "support/test_env.h"

namespace memgpt::store {
namespace {

class AgentCommitTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(meta_->ensure_user("u").ok());
    recall_ = std::make_unique<RecallStore>(meta_->shared_db());
    AgentRecord a;
    a.user_id = "u";
    a.name = "Committer";
    a.state = {{"message_ids", Json::array()}};
    auto created = meta_->create_agent(a);
    ASSERT_TRUE(created.ok()) << created.status().message();
    agent_ = *created;
  }
  MessageRecord msg(const std::string& id, const std::string& text) {
    MessageRecord m;
    m.id = id;
    m.user_id = "u";
    m.agent_id = agent_.id;
    m.role = "user";
    m.text = text;
    m.search_text = text;
    return m;
  }
  std::vector<std::string> stored_texts(RecallStore& recall) {
    std::vector<std::string> out;
    for (const auto& m : *recall.list(agent_.id, 0, 0, -1, false)) out.push_back(m.text);
    return out;
  }

  std::unique_ptr<RecallStore> recall_;
  AgentRecord agent_;
};
INSTANTIATE_TEST_SUITE_P(Backends, AgentCommitTest, ::testing::Values("sqlite", "postgres"), backend_name);

TEST_P(AgentCommitTest, SavesTheRecordWithAddedRewrittenAndRemovedMessages) {
  MessageChanges first;
  first.added = {msg("m1", "one"), msg("m2", "two"), msg("m3", "three")};
  agent_.state["message_ids"] = {"m1", "m2", "m3"};
  ASSERT_TRUE(commit_agent(*meta_, *recall_, agent_, first).ok());
  EXPECT_GT(first.added[2].seq, first.added[0].seq);  // order assigned on insert

  MessageChanges second;
  second.updated = {msg("m2", "two, rewritten")};
  second.removed = {"m3"};
  second.added = {msg("m4", "four")};
  agent_.state["message_ids"] = {"m1", "m2", "m4"};
  ASSERT_TRUE(commit_agent(*meta_, *recall_, agent_, second).ok());
  EXPECT_EQ(stored_texts(*recall_), (std::vector<std::string>{"one", "two, rewritten", "four"}));
  EXPECT_EQ(meta_->get_agent(agent_.id)->state["message_ids"], Json({"m1", "m2", "m4"}));
}

TEST_P(AgentCommitTest, WhenTheRecordCannotBeSavedNoMessageIsWritten) {
  MessageChanges first;
  first.added = {msg("m1", "one")};
  ASSERT_TRUE(commit_agent(*meta_, *recall_, agent_, first).ok());
  AgentRecord gone = agent_;
  gone.id = "no-such-agent";
  MessageChanges changes;
  changes.added = {msg("m2", "two")};
  changes.updated = {msg("m1", "one, rewritten")};
  changes.removed = {"m1"};
  Status s = commit_agent(*meta_, *recall_, gone, changes);
  EXPECT_EQ(s.code(), ErrorCode::kNotFound) << s.message();
  EXPECT_EQ(stored_texts(*recall_), std::vector<std::string>{"one"});
}

TEST_P(AgentCommitTest, RecallInItsOwnDatabaseIsWrittenToo) {
  auto other = backend_.open("recall");
  ASSERT_TRUE(other);
  ASSERT_TRUE(MetadataStore::open(other).ok());  // the schema of the recall database
  RecallStore separate(other);
  MessageChanges changes;
  changes.added = {msg("m1", "one"), msg("m2", "two")};
  agent_.state["message_ids"] = {"m1", "m2"};
  ASSERT_TRUE(commit_agent(*meta_, separate, agent_, changes).ok());
  MessageChanges pop;
  pop.removed = {"m2"};
  agent_.state["message_ids"] = {"m1"};
  ASSERT_TRUE(commit_agent(*meta_, separate, agent_, pop).ok());
  EXPECT_EQ(stored_texts(separate), std::vector<std::string>{"one"});
  EXPECT_TRUE(stored_texts(*recall_).empty());
  EXPECT_EQ(meta_->get_agent(agent_.id)->state["message_ids"], Json({"m1"}));
}

}  // namespace
}  // namespace memgpt::store
