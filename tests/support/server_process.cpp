#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "support/test_env.h"

namespace memgpt::testing {

pid_t spawn_tied(const std::vector<std::string>& argv, const SpawnOptions& options) {
  // Everything the child needs is built before fork: after it, in a process with threads, only
  // async-signal-safe calls are allowed (no malloc, no setenv).
  std::vector<std::string> env_strings = environment_with(options.env);
  std::vector<char*> envp, args;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* log = options.log_path.empty() ? "/dev/null" : options.log_path.c_str();
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (options.before_exec) options.before_exec();
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(126);
  int in = ::open("/dev/null", O_RDONLY);
  int out = ::open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0) _exit(126);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::close_range(3, ~0U, 0);  // ctest's log, pipes of other children, sockets: none leak
  ::execve(args[0], args.data(), envp.data());
  _exit(127);
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv,
                             std::map<std::string, std::string> env,
                             const std::string& ready_pattern, int timeout_ms) {
  char tmpl[] = "/tmp/memgpt-server-log-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd >= 0) ::close(fd);
  log_path_ = tmpl;
  pid_ = spawn_tied(argv, {std::move(env), log_path_, nullptr});
  if (pid_ <= 0) return;
  std::regex ready(ready_pattern);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string out = log();
    if (std::regex_search(out, m, ready)) {
      port_ = std::stoi(m[1].str());
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // it exited instead
      exit_status_ = status;
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ServerProcess::~ServerProcess() {
  stop(SIGKILL);
  ::unlink(log_path_.c_str());
}

std::string ServerProcess::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string ServerProcess::log() const { return read_text(log_path_); }

int ServerProcess::stop(int sig) {
  if (pid_ <= 0) return exit_status_;
  ::kill(pid_, sig);
  ::waitpid(pid_, &exit_status_, 0);
  pid_ = -1;
  return exit_status_;
}

std::vector<std::string> memgpt_server_argv(const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {memgpt_binary(), "server", "--port", "0", "--quiet"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> milvus_serve_argv(const std::string& uri,
                                           const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {memgpt_binary(), "milvus", "serve", "--uri", uri, "--port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

}  // namespace memgpt::testing
