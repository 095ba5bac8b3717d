#include "store/recall_store.h"

#include <gtest/gtest.h>

#include "store/metadata_store.h"
#include "store_backend.h"
#include "support/test_env.h"

namespace memgpt::store {
namespace {

class RecallStoreTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    recall_ = std::make_unique<RecallStore>(meta_->shared_db());
  }
  MessageRecord msg(const std::string& id, const std::string& role, const std::string& search,
                    int64_t at, const std::string& agent = "a1") {
    MessageRecord m;
    m.id = id;
    m.user_id = "u";
    m.agent_id = agent;
    m.role = role;
    m.text = "{\"type\":\"user_message\",\"message\":\"" + search + "\"}";
    m.search_text = search;
    m.created_at = at;
    return m;
  }
  std::unique_ptr<RecallStore> recall_;
};
INSTANTIATE_TEST_SUITE_P(Backends, RecallStoreTest, ::testing::Values("sqlite", "postgres"),
                         backend_name);

TEST_P(RecallStoreTest, AppendAssignsOrderAndGetKeepsRequestedOrder) {
  std::vector<MessageRecord> batch{msg("m1", "system", "sys", 1), msg("m2", "user", "hi", 2),
                                   msg("m3", "assistant", "hello", 3)};
  ASSERT_TRUE(recall_->append(batch).ok());
  EXPECT_EQ(batch[2].seq, 3);
  std::vector<MessageRecord> more{msg("m4", "user", "again", 4)};
  ASSERT_TRUE(recall_->append(more).ok());
  EXPECT_EQ(more[0].seq, 4);
  auto got = recall_->get({"m3", "m1"});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)[0].id, "m3");
  EXPECT_EQ((*got)[1].role, "system");
  auto missing = recall_->get({"m1", "nope"});
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*recall_->count("a1"), 4);
  auto newest = recall_->list("a1", 0, 0, 2, true);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 2u);
  EXPECT_EQ((*newest)[0].id, "m4");
  auto before = recall_->list("a1", 0, 3, -1, false);
  EXPECT_EQ(before->size(), 2u);
}

TEST_P(RecallStoreTest, AppendIsAllOrNothing) {
  std::vector<MessageRecord> ok{msg("m1", "user", "x", 1)};
  ASSERT_TRUE(recall_->append(ok).ok());
  std::vector<MessageRecord> dup{msg("m2", "user", "y", 2), msg("m1", "user", "z", 3)};
  EXPECT_FALSE(recall_->append(dup).ok());
  EXPECT_EQ(*recall_->count("a1"), 1);
}

TEST_P(RecallStoreTest, TextSearchIsCaseInsensitiveSubstringWithTotals) {
  std::vector<MessageRecord> batch;
  for (int i = 0; i < 12; ++i) {
    batch.push_back(msg("m" + std::to_string(i), i % 2 ? "user" : "assistant",
                        "Talking about Pineapple pizza number " + std::to_string(i), 100 + i));
  }
  batch.push_back(msg("sys", "system", "pineapple in the system prompt", 50));
  batch.push_back(msg("other", "user", "pineapple from another agent", 60, "a2"));
  batch.push_back(msg("pct", "user", "100% sure_thing", 70));
  ASSERT_TRUE(recall_->append(batch).ok());
  auto page = recall_->search_text("a1", "PINEAPPLE", 5, 5);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->total, 12);  // not the system message, not the other agent
  ASSERT_EQ(page->rows.size(), 5u);
  EXPECT_EQ(page->rows[0].id, "m5");
  // Short queries take the scan path; wildcards match literally.
  EXPECT_EQ(recall_->search_text("a1", "0%", 0, 5)->total, 1);
  EXPECT_EQ(recall_->search_text("a1", "e_t", 0, 5)->total, 1);
  EXPECT_EQ(recall_->search_text("a1", "\"quoted\"", 0, 5)->total, 0);
  EXPECT_EQ(recall_->search_text("a1", "nothing like this", 0, 5)->total, 0);
}

TEST_P(RecallStoreTest, DateSearchAndRemoval) {
  std::vector<MessageRecord> batch{msg("m1", "user", "a", 1000), msg("m2", "user", "b", 2000),
                                   msg("m3", "assistant", "c", 3000)};
  ASSERT_TRUE(recall_->append(batch).ok());
  auto page = recall_->search_date("a1", 1500, 3500, 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 2);
  ASSERT_TRUE(recall_->update_text("m2", "new", "brand new words", Json::array()).ok());
  EXPECT_EQ(recall_->search_text("a1", "brand new", 0, 5)->total, 1);
  EXPECT_EQ(recall_->search_text("a1", "b", 0, 5)->total, 1);
  ASSERT_TRUE(recall_->remove({"m1"}).ok());
  EXPECT_EQ(*recall_->count("a1"), 2);
  EXPECT_EQ(*recall_->remove_agent("a1"), 2);
  EXPECT_EQ(recall_->search_text("a1", "brand new", 0, 5)->total, 0);
}

}  // namespace
}  // namespace memgpt::store
