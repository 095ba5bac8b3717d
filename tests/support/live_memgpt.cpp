#include "support/live_memgpt.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

#include "support/test_env.h"

namespace memgpt::testing {

LiveMemgpt::LiveMemgpt(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  int err[2];
  if (::pipe(err) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(err[1], 2);
    ::close(err[0]);
    std::vector<std::string> argv = {memgpt_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    ::execv(c[0], c.data());
    _exit(127);
  }
  ::close(err[1]);
  if (pid_ < 0) {
    ::close(err[0]);
    return;
  }
  err_fd_ = err[0];
}

LiveMemgpt::~LiveMemgpt() {
  if (pid_ > 0) kill_and_wait(SIGKILL);
  if (err_fd_ >= 0) ::close(err_fd_);
}

bool LiveMemgpt::wait_for_stderr(const std::string& needle, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (stderr_.find(needle) == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || err_fd_ < 0) return false;
    pollfd p{err_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(err_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    stderr_.append(buf, static_cast<size_t>(n));
  }
  return true;
}

void LiveMemgpt::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int LiveMemgpt::kill_and_wait(int sig) {
  signal(sig);
  return wait();
}

int LiveMemgpt::wait() {
  if (err_fd_ >= 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(err_fd_, buf, sizeof buf)) > 0) stderr_.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  if (pid_ > 0) ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

}  // namespace memgpt::testing
