// The agent driven by a prompt-wrapped local backend (llama.cpp's /completion on the scripted
// server): a completion that is not a function call becomes a Failed result the model sees in
// its next prompt, and the conversation goes on.
#include <gtest/gtest.h>

#include "agent/agent.h"
#include "llm/llm_config.h"
#include "scripted_llm.h"
#include "support/test_env.h"

namespace memgpt::agent {
namespace {

class NoArchival : public ArchivalMemory {
 public:
  Result<std::string> insert(const std::string&) override { return std::string("p0"); }
  Result<ArchivalPage> search(const std::string&, int64_t, int64_t) override {
    return ArchivalPage{};
  }
  Result<int64_t> count() override { return int64_t{0}; }
};

TEST(LocalLlmAgent, UnparseableOutputIsAFailedCallTheModelCanCorrect) {
  testing::ScriptedLlmServer server(
      {{"model", "local"},
       {"system", "You are MemGPT."},
       {"replies", Json::array({{{"raw_text", "Hello! How can I help you today?"}},
                                {{"content", "My last answer was not JSON."},
                                 {"tool", "send_message"},
                                 {"arguments", {{"message", "Hello Ann!"}}}}})}});
  server.start();
  llm::LlmConfig lc;
  lc.model = "local";
  lc.model_endpoint = server.base_url();
  lc.model_endpoint_type = "llamacpp";
  lc.model_wrapper = "chatml";
  lc.max_attempts = 1;
  lc.timeout_ms = 5000;
  auto model = llm::make_chat_model(lc);
  ASSERT_TRUE(model.ok()) << model.status().message();

  testing::TempDir dir;
  auto meta = store::MetadataStore::open_sqlite_file(dir.file("sqlite.db"));
  ASSERT_TRUE(meta.ok());
  ASSERT_TRUE((*meta)->ensure_user("u").ok());
  store::RecallStore recall((*meta)->shared_db());
  NoArchival archival;
  AgentDeps deps;
  deps.meta = meta->get();
  deps.recall = &recall;
  deps.archival = &archival;
  deps.model = model->get();
  AgentCreateOptions o;
  o.user_id = "u";
  o.name = "LocalAgent";
  o.persona_text = "I am Sam.";
  o.human_text = "Name: Ann";
  o.system_prompt = "You are MemGPT.";
  o.llm_config = {
      {"model", "local"}, {"model_endpoint_type", "llamacpp"}, {"context_window", 8192}};
  auto agent = Agent::create(deps, o);
  ASSERT_TRUE(agent.ok()) << agent.status().message();
  (*agent)->set_verify_first_message(false);

  std::vector<AgentEvent> events;
  auto turn = (*agent)->send_user_message("hi", [&](const AgentEvent& e) { events.push_back(e); });
  ASSERT_TRUE(turn.ok()) << turn.status().message();
  EXPECT_EQ(turn->steps, 2);
  std::vector<std::string> failures, said;
  for (const auto& e : events) {
    if (e.kind == AgentEvent::Kind::kFunctionResult && !e.ok) failures.push_back(e.text);
    if (e.kind == AgentEvent::Kind::kAssistantMessage) said.push_back(e.text);
  }
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures[0].find("not a JSON object"), std::string::npos) << failures[0];
  EXPECT_NE(failures[0].find("Hello! How can I help you today?"), std::string::npos) << failures[0];
  EXPECT_EQ(said, std::vector<std::string>{"Hello Ann!"});
  // The second prompt shows the model its broken answer and the Failed result.
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  std::string prompt = requests[1]["prompt"];
  EXPECT_NE(prompt.find("<|im_start|>assistant\nHello! How can I help you today?<|im_end|>"),
            std::string::npos);
  EXPECT_NE(prompt.find("\"status\": \"Failed\""), std::string::npos);
  EXPECT_NE(prompt.find("Function call failed, returning control"), std::string::npos);
  EXPECT_TRUE(server.violations().empty());
}

}  // namespace
}  // namespace memgpt::agent
