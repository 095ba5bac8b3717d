// A `memgpt ARGS` child the test acts on while it runs: it reads the child's stderr (to wait for a
// progress line), signals it part way (kill -9, Ctrl-C) and reaps it. Killed on destruction.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace memgpt::testing {

class LiveMemgpt {
 public:
  // stdin and stdout are /dev/null; `env` is added to the inherited environment.
  LiveMemgpt(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);
  ~LiveMemgpt();
  LiveMemgpt(const LiveMemgpt&) = delete;
  LiveMemgpt& operator=(const LiveMemgpt&) = delete;

  // Reads stderr until it holds `needle` (true) or the child closes it / `timeout` passes.
  bool wait_for_stderr(const std::string& needle, std::chrono::seconds timeout = std::chrono::seconds(120));
  void signal(int sig);
  // Sends `sig`, then wait().
  int kill_and_wait(int sig);
  // Reads stderr to its end (so the child never blocks on a full pipe), then reaps it; returns
  // the wait status (as waitpid's).
  int wait();
  const std::string& stderr_text() const { return stderr_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  std::string stderr_;
};

}  // namespace memgpt::testing
