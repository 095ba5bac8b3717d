#include "agent/functions.h"

#include <gtest/gtest.h>

#include "agent/protocol.h"
#include "store/metadata_store.h"
#include "support/agent/agent_fixtures.h"

namespace memgpt::agent {
namespace {

using memgpt::testing::ListArchival;

class FunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"));
    ASSERT_TRUE(s.ok());
    meta_ = std::move(*s);
    recall_ = std::make_unique<store::RecallStore>(meta_->shared_db());
    ASSERT_TRUE(memory_.add_block({"persona", "I am Sam.", 100}).ok());
    ASSERT_TRUE(memory_.add_block({"human", "Name: Ann", 100}).ok());
    ctx_.memory = &memory_;
    ctx_.recall = recall_.get();
    ctx_.archival = &archival_;
    ctx_.agent_id = "agent";
    ctx_.clock = &SystemClock::instance();
  }
  testing::TempDir dir_;
  std::unique_ptr<store::MetadataStore> meta_;
  std::unique_ptr<store::RecallStore> recall_;
  CoreMemory memory_;
  ListArchival archival_;
  FunctionContext ctx_;
};

TEST_F(FunctionsTest, ToolSchemasFollowOpenAIShape) {
  Json tools = function_tools(builtin_function_names(), false);
  ASSERT_EQ(tools.size(), 8u);
  for (const auto& t : tools) {
    EXPECT_EQ(t["type"], "function");
    const auto& params = t["function"]["parameters"];
    EXPECT_EQ(params["type"], "object");
    std::string name = t["function"]["name"];
    bool has_heartbeat = params["properties"].contains("request_heartbeat");
    EXPECT_EQ(has_heartbeat, name != "send_message" && name != "pause_heartbeats") << name;
    for (const auto& r : params["required"]) EXPECT_TRUE(params["properties"].contains(r));
  }
  Json with_thoughts = function_tools({"send_message"}, true);
  EXPECT_EQ(with_thoughts[0]["function"]["parameters"]["required"][0], "inner_thoughts");
}

TEST_F(FunctionsTest, CoreMemoryEditsMarkTheSystemMessageDirty) {
  auto r = call_function("core_memory_append", {{"name", "human"}, {"content", "Likes tea"}}, ctx_);
  EXPECT_TRUE(r.ok);
  EXPECT_FALSE(r.message.has_value());
  EXPECT_TRUE(ctx_.memory_changed);
  EXPECT_EQ(memory_.block("human")->value, "Name: Ann\nLikes tea");
  auto over = call_function("core_memory_append",
                            {{"name", "human"}, {"content", std::string(200, 'x')}}, ctx_);
  EXPECT_FALSE(over.ok);
  EXPECT_NE(over.message->find("limit of 100"), std::string::npos);
}

TEST_F(FunctionsTest, BadArgumentsFailWithAReadableMessage) {
  auto missing = call_function("core_memory_append", {{"name", "human"}}, ctx_);
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(*missing.message, "core_memory_append() is missing the required argument 'content'");
  auto extra = call_function("send_message", {{"message", "hi"}, {"mood", "happy"}}, ctx_);
  EXPECT_FALSE(extra.ok);
  EXPECT_NE(extra.message->find("unexpected argument 'mood'"), std::string::npos);
  auto type = call_function("archival_memory_search", {{"query", 5}}, ctx_);
  EXPECT_FALSE(type.ok);
  auto huge = call_function("archival_memory_search", Json::parse(R"({"query": "q", "page": 1)" + std::string(154, '3') + "}"), ctx_);
  EXPECT_FALSE(huge.ok);  // parsed as a double past int64: refused, not cast
  EXPECT_EQ(*huge.message, "argument 'page' of archival_memory_search() must be an integer");
  auto unknown = call_function("launch_rocket", Json::object(), ctx_);
  EXPECT_EQ(*unknown.message, "No function named 'launch_rocket'.");
  auto not_object = call_function("send_message", Json::array(), ctx_);
  EXPECT_FALSE(not_object.ok);
  // Integers given as strings are accepted (local models write them).
  EXPECT_TRUE(call_function("archival_memory_search", {{"query", "x"}, {"page", "1"}}, ctx_).ok);
}

TEST_F(FunctionsTest, ArchivalPagingReportsRealTotals) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(call_function("archival_memory_insert",
                              {{"content", "fact number " + std::to_string(i)}}, ctx_)
                    .ok);
  }
  auto first = call_function("archival_memory_search", {{"query", "fact"}, {"page", 0}}, ctx_);
  ASSERT_TRUE(first.ok);
  EXPECT_EQ(first.message->rfind("Showing 5 of 12 results (page 0/2): [", 0), 0u) << *first.message;
  auto last = call_function("archival_memory_search", {{"query", "fact"}, {"page", 2}}, ctx_);
  EXPECT_EQ(last.message->rfind("Showing 2 of 12 results (page 2/2)", 0), 0u);
  auto beyond = call_function("archival_memory_search", {{"query", "fact"}, {"page", 9}}, ctx_);
  EXPECT_EQ(*beyond.message, "No results on page 9 (there are 12 results on pages 0 to 2).");
  // Each result carries its own creation time, not the time of the search.
  EXPECT_NE(first.message->find(format_memgpt_time(0)), std::string::npos);
}

TEST_F(FunctionsTest, ConversationSearchFindsUserAndAssistantMessages) {
  std::vector<store::MessageRecord> msgs;
  for (int i = 0; i < 7; ++i) {
    store::MessageRecord m;
    m.id = "m" + std::to_string(i);
    m.agent_id = "agent";
    m.role = i % 2 ? "user" : "assistant";
    m.search_text = "we talked about Jazz records " + std::to_string(i);
    m.text = m.search_text;
    m.created_at = 1700000000000 + i;
    msgs.push_back(m);
  }
  ASSERT_TRUE(recall_->append(msgs).ok());
  auto r = call_function("conversation_search", {{"query", "jazz"}}, ctx_);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.message->rfind("Showing 5 of 7 results (page 0/1)", 0), 0u) << *r.message;
  auto none = call_function("conversation_search", {{"query", "opera"}}, ctx_);
  EXPECT_EQ(*none.message, "No results found.");
  auto bad_date =
      call_function("conversation_search_date", {{"start_date", "yesterday"}, {"end_date", "x"}}, ctx_);
  EXPECT_FALSE(bad_date.ok);
  auto day = call_function("conversation_search_date",
                           {{"start_date", "2023-11-14"}, {"end_date", "2023-11-15"}}, ctx_);
  ASSERT_TRUE(day.ok) << *day.message;
  EXPECT_NE(day.message->find("of 7 results"), std::string::npos) << *day.message;
}

TEST_F(FunctionsTest, PauseHeartbeatsIsBounded) {
  auto ok = call_function("pause_heartbeats", {{"minutes", 10}}, ctx_);
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(*ctx_.pause_minutes, 10);
  EXPECT_FALSE(call_function("pause_heartbeats", {{"minutes", 361}}, ctx_).ok);
}

TEST(Protocol, PackedMessagesMatchMemGPT) {
  EXPECT_EQ(package_user_message("hi ✨", "T"), R"({"type":"user_message","message":"hi ✨","time":"T"})");
  EXPECT_EQ(package_function_result(true, std::nullopt, "T"),
            R"({"status":"OK","message":null,"time":"T"})");
  EXPECT_EQ(package_heartbeat(kHeartbeatRequested, "T").find(R"({"type":"heartbeat","reason":"[This)"), 0u);
  EXPECT_EQ(unpack_user_message(package_user_message("x", "T")), "x");
  EXPECT_EQ(packed_type(package_login("Never (first login)", "T")), "login");
}

}  // namespace
}  // namespace memgpt::agent
