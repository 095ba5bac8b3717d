// The memgpt binary with a local backend (llama.cpp's native /completion API, played by the
// scripted server): configure with a prompt wrapper, chat, and see the reply.
#include <gtest/gtest.h>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class LocalLlmRunTest : public ::testing::Test {
 protected:
  void configure(const std::string& type, const std::string& wrapper, Json replies) {
    server_ = std::make_unique<testing::ScriptedLlmServer>(
        Json{{"model", "local"}, {"replies", replies}});
    server_->start();
    std::string endpoint = server_->base_url();
    endpoint.resize(endpoint.size() - 3);  // the native APIs live at the root, not under /v1
    auto c = run({"configure", "--llm-provider", type, "--model", "local", "--model-endpoint",
                  endpoint, "--model-wrapper", wrapper, "--archival-storage", "milvus",
                  "--archival-uri", home_.file("milvus.db")});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home_.path(), args, testing::with_input(input));
  }
  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> server_;
};

TEST_F(LocalLlmRunTest, ChatsThroughLlamaCppWithTheLlama3Wrapper) {
  configure("llamacpp", "llama3",
            Json::array({{{"raw_text", "Sure! I'd love to chat."}},
                         {{"content", "My answer must be a function call."},
                          {"tool", "send_message"},
                          {"arguments", {{"message", "Hello from a local model."}}}}}));
  auto r = run({"run", "-y", "--first", "--no-verify"}, "hello\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("💭 My answer must be a function call."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("🤖 Hello from a local model."), std::string::npos) << r.out;
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  std::string prompt = reqs[0]["prompt"];
  EXPECT_EQ(prompt.rfind("<|begin_of_text|><|start_header_id|>system<|end_header_id|>", 0), 0u);
  EXPECT_NE(prompt.find("\"message\": \"hello\""), std::string::npos);
  EXPECT_NE(reqs[0]["grammar"].get<std::string>().find("\\\"send_message\\\""), std::string::npos);
  // The prose answer came back to the model as a failed call.
  EXPECT_NE(reqs[1]["prompt"].get<std::string>().find("\"status\": \"Failed\""), std::string::npos);
  EXPECT_TRUE(server_->violations().empty());
}

TEST_F(LocalLlmRunTest, UnknownWrapperIsAOneLineError) {
  configure("ollama", "vicuna", Json::array());
  auto r = run({"run", "-y", "--first", "--no-verify"}, "hello\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("unknown model wrapper 'vicuna'"), std::string::npos) << r.err << r.out;
  EXPECT_NE(r.err.find("chatml"), std::string::npos);
  EXPECT_EQ(server_->requests().size(), 0u);
}

}  // namespace
}  // namespace memgpt
