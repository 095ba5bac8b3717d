// `memgpt run` takes the same per-agent lock as `memgpt server`: while another process runs a
// step of the agent, a second `memgpt run` waits for it (saying so on stderr), and with
// --lock-wait 0 gives up at once with one line. "Another process" is played by this test
// holding the agent's lock file (an exclusive flock beside the SQLite file, the lock every
// memgpt process takes; see runtime/agent_lock.h).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class AgentLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Json replies = Json::array({{{"content", "Replying."}, {"tool", "send_message"}, {"arguments", {{"message", "waited answer"}}}}});
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    llm_->start();
    auto c = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint", llm_->base_url(),
                  "--openai-key", "sk-test"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto created = run({"run", "-y", "--first", "--no-verify", "--agent", "Shared"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    Json agents = Json::parse(run({"list", "agents", "--json"}).out);
    ASSERT_EQ(agents.size(), 1u);
    agent_id_ = agents[0]["id"];
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    testing::RunOptions o;
    o.stdin_data = input;
    return testing::run_memgpt(home_.path(), args, o);
  }
  // Takes the agent's lock as a step of another memgpt process would.
  int hold_lock() {
    std::filesystem::create_directories(home_.file("agent-locks"));
    int fd = ::open(home_.file("agent-locks/" + agent_id_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    return fd;
  }

  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> llm_;
  std::string agent_id_;
};

TEST_F(AgentLockTest, ARunOfABusyAgentGivesUpWithOneLineWhenTold) {
  int fd = hold_lock();
  auto r = run({"run", "--agent", "Shared", "--first", "--no-verify", "--lock-wait", "0"}, "hello\n");
  ::close(fd);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("error: agent ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("is busy with another request"), std::string::npos) << r.err;
  EXPECT_EQ(llm_->request_count(), 0u);  // nothing reached the model meanwhile
}

TEST_F(AgentLockTest, ARunOfABusyAgentWaitsForTheOtherStepThenGoesOn) {
  int fd = hold_lock();
  std::string err_file = home_.file("second.err");
  testing::ProcessResult second;
  std::thread waiting([&] {
    testing::RunOptions o;
    o.stdin_data = "my question\n";
    o.env = {{"MEMGPT_HOME", home_.path()}};
    second = testing::run_process({"/bin/sh", "-c",
                                   testing::memgpt_binary() + " run --agent Shared --first --no-verify 2>" + err_file},
                                  o);
  });
  bool said_so = false;
  for (int i = 0; i < 600 && !said_so; ++i) {  // a test-level deadline of 30 s
    said_so = testing::read_text(err_file).find("is busy") != std::string::npos;
    if (!said_so) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(llm_->request_count(), 0u);  // still waiting: no step while the other holds the agent
  ::close(fd);  // the other step ends
  waiting.join();
  EXPECT_TRUE(said_so) << testing::read_text(err_file);
  EXPECT_EQ(second.exit_code, 0) << testing::read_text(err_file);
  EXPECT_NE(second.out.find("waited answer"), std::string::npos) << second.out;
}

}  // namespace
}  // namespace memgpt
