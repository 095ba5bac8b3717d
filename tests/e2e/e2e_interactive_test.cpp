// A real terminal (tmux) drives `memgpt run`: agent selection, the /attach picker, a message,
// /memory, Ctrl-C during a step, /exit. Skipped only when tmux is missing (setup.sh installs it).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class Tmux {
 public:
  Tmux(const std::string& session, const std::string& command) : session_(session) {
    testing::run_process({"/usr/bin/tmux", "kill-session", "-t", session_});
    auto r = testing::run_process({"/usr/bin/tmux", "new-session", "-d", "-s", session_, "-x", "220", "-y", "60", command});
    started_ = r.exit_code == 0;
  }
  ~Tmux() { testing::run_process({"/usr/bin/tmux", "kill-session", "-t", session_}); }
  bool started() const { return started_; }
  void keys(const std::vector<std::string>& keys) {
    std::vector<std::string> argv{"/usr/bin/tmux", "send-keys", "-t", session_};
    argv.insert(argv.end(), keys.begin(), keys.end());
    testing::run_process(argv);
  }
  void type(const std::string& text) {
    testing::run_process({"/usr/bin/tmux", "send-keys", "-t", session_, "-l", text});
    keys({"Enter"});
  }
  std::string screen() {
    return testing::run_process({"/usr/bin/tmux", "capture-pane", "-p", "-t", session_, "-S", "-200"}).out;
  }
  // Waits until `text` appears `count` times on the screen.
  bool wait_for(const std::string& text, int count = 1, int timeout_ms = 15000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string s = screen();
      int n = 0;
      for (size_t pos = s.find(text); pos != std::string::npos; pos = s.find(text, pos + 1)) ++n;
      if (n >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  std::string session_;
  bool started_ = false;
};

TEST(Interactive, TerminalSessionThroughTmux) {
  if (!std::filesystem::exists("/usr/bin/tmux")) MEMGPT_SKIP_OR_FAIL("tmux is not installed (scripts/setup.sh installs it)");
  testing::TempDir home;
  auto say = [](const std::string& m) {
    return Json{{"content", "Replying."}, {"tool", "send_message"}, {"arguments", {{"message", m}}}};
  };
  Json replies = Json::array({say("first agent reply"), say("Hello from the terminal!"),
                              {{"content", "slow"}, {"tool", "send_message"}, {"arguments", {{"message", "too late"}}}, {"delay_ms", 4000}},
                              say("after the cancel")});
  testing::ScriptedLlmServer llm({{"model", "gpt-4o-mini"}, {"replies", replies}});
  llm.start();
  auto run = [&](const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home.path(), args, testing::with_input(input));
  };
  ASSERT_EQ(run({"configure", "--llm-provider", "openai", "--model-endpoint", llm.base_url(),
                 "--openai-key", "sk-test"}).exit_code, 0);
  testing::write_text(home.file("notes.txt"), "The secret ingredient of the soup is saffron.");
  ASSERT_EQ(run({"load", "directory", "--name", "notes", "--input-files", home.file("notes.txt")}).exit_code, 0);
  auto created = run({"run", "-y", "--first", "--agent", "Existing"}, "hi\n");
  ASSERT_EQ(created.exit_code, 0) << created.err;

  std::string command = "env MEMGPT_HOME=" + home.path() + " TERM=xterm " + testing::memgpt_binary() +
                        " run --first --no-verify; sleep 30";
  Tmux t("memgpt_e2e_" + std::to_string(::getpid()), command);
  ASSERT_TRUE(t.started());
  ASSERT_TRUE(t.wait_for("Would you like to select an existing agent?")) << t.screen();
  t.type("y");
  ASSERT_TRUE(t.wait_for("Select agent:")) << t.screen();
  t.type("1");
  ASSERT_TRUE(t.wait_for("Using existing agent Existing")) << t.screen();
  ASSERT_TRUE(t.wait_for("> Enter your message:")) << t.screen();
  t.type("/attach");
  ASSERT_TRUE(t.wait_for("Select data source:")) << t.screen();
  t.type("1");
  ASSERT_TRUE(t.wait_for("Attached data source notes to agent Existing")) << t.screen();
  t.type("What is in the soup?");
  ASSERT_TRUE(t.wait_for("Hello from the terminal!")) << t.screen();
  t.type("/memory");
  ASSERT_TRUE(t.wait_for("### CORE MEMORY ###")) << t.screen();
  t.type("this one will be cancelled");
  // Ctrl-C while the step runs: once its request reached the model (which answers in 4 s).
  ASSERT_TRUE(llm.wait_for_requests(3)) << t.screen();
  ASSERT_TRUE(t.wait_for("waiting for the model")) << t.screen();  // not a silent terminal
  t.keys({"C-c"});
  ASSERT_TRUE(t.wait_for("Step cancelled: your message is kept")) << t.screen();
  EXPECT_EQ(t.screen().find("too late"), std::string::npos);
  t.type("and now?");
  ASSERT_TRUE(t.wait_for("after the cancel")) << t.screen();
  t.type("/exit");
  // The cancelled call left only the user's message behind (stored, unanswered, as after a
  // failed call): the last request holds it, then "and now?".
  auto reqs = llm.requests();
  ASSERT_GE(reqs.size(), 4u);
  const Json& messages = reqs.back()["messages"];
  std::string last_user = messages.back()["content"];
  EXPECT_NE(last_user.find("and now?"), std::string::npos);
  std::string before_last = messages[messages.size() - 2]["content"];
  EXPECT_NE(before_last.find("this one will be cancelled"), std::string::npos);
  EXPECT_TRUE(llm.violations().empty());
}

}  // namespace
}  // namespace memgpt
