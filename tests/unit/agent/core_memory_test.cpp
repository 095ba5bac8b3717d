#include "agent/core_memory.h"

#include <gtest/gtest.h>

namespace memgpt::agent {
namespace {

CoreMemory two_blocks(int limit = 50) {
  CoreMemory m;
  EXPECT_TRUE(m.add_block({"persona", "I am Sam.", limit}).ok());
  EXPECT_TRUE(m.add_block({"human", "Name: Ann", limit}).ok());
  return m;
}

TEST(CoreMemory, AppendAddsALine) {
  CoreMemory m = two_blocks();
  ASSERT_TRUE(m.append("human", "Likes tea").ok());
  EXPECT_EQ(m.block("human")->value, "Name: Ann\nLikes tea");
}

TEST(CoreMemory, ReplaceEveryOccurrenceAndDelete) {
  CoreMemory m = two_blocks();
  ASSERT_TRUE(m.set_value("human", "tea, tea and more tea").ok());
  ASSERT_TRUE(m.replace("human", "tea", "coffee").ok());
  EXPECT_EQ(m.block("human")->value, "coffee, coffee and more coffee");
  ASSERT_TRUE(m.replace("human", " and more coffee", "").ok());
  EXPECT_EQ(m.block("human")->value, "coffee, coffee");
  Status missing = m.replace("human", "juice", "x");
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.message().find("must match exactly"), std::string::npos);
  EXPECT_FALSE(m.replace("human", "", "x").ok());
}

TEST(CoreMemory, LimitsAreCharactersNotBytes) {
  CoreMemory m = two_blocks(10);
  EXPECT_TRUE(m.set_value("persona", "ééééééééé").ok());  // 9 characters, 18 bytes
  Status over = m.append("persona", "x");                 // 9 + "\n" + 1 = 11
  EXPECT_EQ(over.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(over.message().find("over its limit of 10"), std::string::npos);
  EXPECT_NE(over.message().find("archival_memory_insert"), std::string::npos);
  EXPECT_EQ(m.block("persona")->value, "ééééééééé");  // unchanged after a failed edit
}

TEST(CoreMemory, UnknownBlockListsTheKnownOnes) {
  CoreMemory m = two_blocks();
  Status s = m.append("friend", "x");
  EXPECT_EQ(s.message(), "No memory block named 'friend' (the blocks are 'persona', 'human')");
}

TEST(CoreMemory, CompileShowsCountsAndLimits) {
  CoreMemory m = two_blocks(2000);
  EXPECT_EQ(m.compile(),
            "<persona characters=\"9/2000\">\nI am Sam.\n</persona>\n"
            "<human characters=\"9/2000\">\nName: Ann\n</human>\n");
}

}  // namespace
}  // namespace memgpt::agent
