// memgpt configured for Anthropic, through the binary only, against the scripted server's
// /v1/messages on loopback: the configured key and endpoint reach the backend, replies print,
// every request follows Anthropic's rules, and a missing key is one line naming what to set.
#include <gtest/gtest.h>

#include <algorithm>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class AnthropicRunTest : public ::testing::Test {
 protected:
  void start(Json replies, const std::string& key) {
    server_ = std::make_unique<testing::ScriptedLlmServer>(
        Json{{"model", "claude-3-5-sonnet-20241022"}, {"replies", replies}});
    ASSERT_GT(server_->start(), 0);
    std::vector<std::string> args = {"configure",
                                     "--llm-provider",
                                     "anthropic",
                                     "--model",
                                     "claude-3-5-sonnet-20241022",
                                     "--model-endpoint",
                                     server_->base_url(),
                                     "--archival-storage",
                                     "milvus",
                                     "--archival-uri",
                                     home_.file("milvus.db")};
    if (!key.empty()) {
      args.push_back("--anthropic-key");
      args.push_back(key);
    }
    auto c = run(args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    testing::RunOptions o = testing::with_input(input);
    o.unset_env = {"ANTHROPIC_API_KEY"};
    return testing::run_memgpt(home_.path(), args, o);
  }
  static Json say(const std::string& message, const std::string& thoughts) {
    return {{"content", thoughts}, {"tool", "send_message"}, {"arguments", {{"message", message}}}};
  }
  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> server_;
};

TEST_F(AnthropicRunTest, ChatsThroughTheMessagesApi) {
  start(Json::array({say("Hello! I'm here.", "The user logged in; greeting."),
                     say("Tea it is.", "Answering.")}),
        "sk-ant-test");
  auto r = run({"run", "-y", "--no-verify", "--stream", "--agent", "Claudia"},
               "I like tea\n");  // the agent speaks first
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("🤖 Hello! I'm here."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("🤖 Tea it is."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Answering."), std::string::npos) << r.out;
  auto v = server_->violations();
  ASSERT_TRUE(v.empty()) << v[0];
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0]["model"], "claude-3-5-sonnet-20241022");
  EXPECT_TRUE(reqs[0]["system"].is_string());
  EXPECT_EQ(reqs[1]["stream"], true);
  EXPECT_NE(
      reqs[1]["messages"].back()["content"].back()["text"].get<std::string>().find("I like tea"),
      std::string::npos);
}

TEST_F(AnthropicRunTest, MissingKeyIsOneLineNamingWhatToSet) {
  start(Json::array({say("never", "never")}), "");
  server_->allow_violations();  // the request without a key is the point
  auto r = run({"run", "-y", "--first", "--no-verify", "--agent", "Keyless"}, "hi\n");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("ANTHROPIC_API_KEY"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(server_->replies_left(), 1u);
  for (const auto& v : server_->violations()) EXPECT_EQ(v, "x-api-key header is required");
}

}  // namespace
}  // namespace memgpt
