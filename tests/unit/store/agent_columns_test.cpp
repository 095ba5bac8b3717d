// The saved agent state is written by hand (it is saved on every step): it must be the same
// text nlohmann's dump writes for the same value, and read back to the same state.
#include "store/agent_columns.h"

#include <gtest/gtest.h>

namespace memgpt::store::columns {
namespace {

// The state as a Json value, the way it was written before the hand-written writer.
std::string state_text_through_json(const AgentSavedState& s) {
  Json memory = Json::array();
  for (const auto& b : s.memory) memory.push_back({{"label", b.label}, {"value", b.value}, {"limit", b.limit}});
  Json st = {{"system", s.system_prompt},
             {"memory", std::move(memory)},
             {"functions", s.functions},
             {"message_ids", s.message_ids},
             {"memory_edited_at", s.memory_edited_at},
             {"alerted_memory_pressure", s.alerted_memory_pressure},
             {"first_message_verified", s.first_message_verified}};
  if (s.inner_thoughts_in_args) st["inner_thoughts_in_args"] = *s.inner_thoughts_in_args;
  return st.dump();
}

AgentSavedState varied_state() {
  AgentSavedState s;
  s.system_prompt = "You are MemGPT.\n\tQuote \" backslash \\ bell \x07 caf\xc3\xa9 \xf0\x9f\x98\x80 del \x7f";
  s.memory = {{"persona", "I am Sam. \"Hi\"", 2000}, {"human", "", 5}, {"notes\n", "\x01", -1}};
  s.functions = {"send_message", "core_memory_append", ""};
  s.message_ids = {"3f2b9c1e-0d4a-4b8e-9f1a-2c3d4e5f6a7b", "id with \"quote\"", "\xe2\x82\xac"};
  s.memory_edited_at = -1234567890123;
  s.alerted_memory_pressure = true;
  s.first_message_verified = false;
  return s;
}

TEST(AgentStateColumn, IsWrittenExactlyAsJsonDumpWritesIt) {
  AgentSavedState s = varied_state();
  EXPECT_EQ(state_text(s), state_text_through_json(s));
  s.inner_thoughts_in_args = false;
  EXPECT_EQ(state_text(s), state_text_through_json(s));
  s.inner_thoughts_in_args = true;
  EXPECT_EQ(state_text(s), state_text_through_json(s));
  EXPECT_EQ(state_text(AgentSavedState{}), state_text_through_json(AgentSavedState{}));
}

TEST(AgentStateColumn, ReadsBackWhatItWrote) {
  AgentSavedState s = varied_state();
  s.inner_thoughts_in_args = true;
  auto back = state_of(state_text(s));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->system_prompt, s.system_prompt);
  ASSERT_EQ(back->memory.size(), s.memory.size());
  for (size_t i = 0; i < s.memory.size(); ++i) {
    EXPECT_EQ(back->memory[i].label, s.memory[i].label);
    EXPECT_EQ(back->memory[i].value, s.memory[i].value);
    EXPECT_EQ(back->memory[i].limit, s.memory[i].limit);
  }
  EXPECT_EQ(back->functions, s.functions);
  EXPECT_EQ(back->message_ids, s.message_ids);
  EXPECT_EQ(back->memory_edited_at, s.memory_edited_at);
  EXPECT_EQ(back->alerted_memory_pressure, s.alerted_memory_pressure);
  EXPECT_EQ(back->first_message_verified, s.first_message_verified);
  EXPECT_EQ(back->inner_thoughts_in_args, s.inner_thoughts_in_args);
}

}  // namespace
}  // namespace memgpt::store::columns
