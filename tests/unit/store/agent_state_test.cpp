// An agent record's typed parts survive the JSON columns they are stored in, and records written
// by earlier versions (missing keys) or damaged ones (wrong types) load or fail clearly.
#include "store/agent_state.h"

#include <gtest/gtest.h>

namespace memgpt::store {
namespace {

TEST(AgentState, RoundTripsThroughJson) {
  AgentState s;
  s.system = "You are MemGPT.";
  s.memory = {{"persona", "I am Sam.", 2000}, {"human", "Chad", 500}};
  s.functions = {"send_message", "archival_memory_search"};
  s.message_ids = {"m1", "m2", "m3"};
  s.memory_edited_at = 1700000000000;
  s.alerted_memory_pressure = true;
  s.first_message_verified = true;
  s.inner_thoughts_in_args = false;
  auto back = agent_state_from_json(to_json(s));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, s);
}

TEST(AgentState, MissingKeysTakeTheirDefaults) {
  auto s = agent_state_from_json(Json::parse(R"({"system":"x","memory":[{"label":"human"}]})"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->memory.at(0).limit, kDefaultBlockLimit);
  EXPECT_TRUE(s->message_ids.empty());
  EXPECT_FALSE(s->inner_thoughts_in_args.has_value());
}

TEST(AgentState, WrongTypesAreCorruptNotExceptions) {
  for (const char* text : {R"([])", R"({"message_ids":"m1"})", R"({"memory":{}})", R"({"memory":[{"value":"x"}]})",
                           R"({"memory":[{"label":"h","limit":"big"}]})", R"({"inner_thoughts_in_args":"yes"})"}) {
    auto s = agent_state_from_json(Json::parse(text));
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt) << text;
  }
}

TEST(LlmSettings, RoundTripAndDefaults) {
  LlmSettings l{"gpt-4o-mini", "https://api.openai.com/v1", "openai", "", 128000};
  EXPECT_EQ(*llm_settings_from_json(to_json(l)), l);
  auto old = llm_settings_from_json(Json::parse(R"({"model":"m","context_window":0})"));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->model_endpoint_type, "openai");
  EXPECT_EQ(old->context_window, 8192);
  EXPECT_EQ(llm_settings_from_json(Json::parse(R"({"context_window":"big"})")).status().code(), ErrorCode::kCorrupt);
}

TEST(EmbeddingSettings, RoundTrip) {
  EmbeddingSettings e{"local", "", "memgpt-builtin-384", 384, 300};
  EXPECT_EQ(*embedding_settings_from_json(to_json(e)), e);
}

}  // namespace
}  // namespace memgpt::store
