#include "support/test_env.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace memgpt::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "memgpt-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  // Restore write permission first: tests make folders read-only on purpose.
  for (auto it = std::filesystem::recursive_directory_iterator(
           path_, std::filesystem::directory_options::skip_permission_denied, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ec);
  }
  std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::add, ec);
  std::filesystem::remove_all(path_, ec);
}

ScopedHome::ScopedHome() {
  for (const char* name : {"MEMGPT_HOME", "MEMGPT_CONFIG_PATH", "MEMGPT_CREDENTIALS_PATH"}) {
    const char* v = std::getenv(name);
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
    ::unsetenv(name);
  }
  ::setenv("MEMGPT_HOME", dir_.path().c_str(), 1);
}

ScopedHome::~ScopedHome() {
  for (const auto& [name, v] : saved_) {
    if (v) ::setenv(name.c_str(), v->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
}

std::vector<std::string> environment_with(const std::map<std::string, std::string>& set,
                                          const std::vector<std::string>& unset) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (set.count(name) || std::find(unset.begin(), unset.end(), name) != unset.end()) continue;
    out.push_back(std::move(entry));
  }
  for (const auto& [k, v] : set) out.push_back(k + "=" + v);
  return out;
}

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  // Built before fork: the child of a process with threads may only make async-signal-safe
  // calls until exec.
  std::vector<std::string> env = environment_with(options.env, options.unset_env);
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) _exit(126);
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close_range(3, ~0U, 0);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) _exit(127);
    ::execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::signal(SIGPIPE, SIG_IGN);

  ProcessResult result;
  size_t in_off = 0;
  if (options.stdin_data.empty()) {
    ::close(in_pipe[1]);
    in_pipe[1] = -1;
  } else {
    ::fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[3];
    int n = 0;
    int out_idx = -1, err_idx = -1, in_idx = -1;
    if (out_open) { out_idx = n; fds[n++] = {out_pipe[0], POLLIN, 0}; }
    if (err_open) { err_idx = n; fds[n++] = {err_pipe[0], POLLIN, 0}; }
    if (in_pipe[1] >= 0) { in_idx = n; fds[n++] = {in_pipe[1], POLLOUT, 0}; }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    int r = ::poll(fds, n, static_cast<int>(std::min<long long>(left, 1000)));
    if (r < 0 && errno == EINTR) continue;
    auto drain = [&](int idx, int fd, std::string& into, bool& open) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t got = ::read(fd, buf, sizeof buf);
      if (got <= 0) open = false;
      else into.append(buf, static_cast<size_t>(got));
    };
    drain(out_idx, out_pipe[0], result.out, out_open);
    drain(err_idx, err_pipe[0], result.err, err_open);
    if (in_idx >= 0 && (fds[in_idx].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t w = ::write(in_pipe[1], options.stdin_data.data() + in_off,
                          options.stdin_data.size() - in_off);
      if (w > 0) in_off += static_cast<size_t>(w);
      if (w < 0 || in_off >= options.stdin_data.size()) {
        ::close(in_pipe[1]);
        in_pipe[1] = -1;
      }
    }
  }
  if (in_pipe[1] >= 0) ::close(in_pipe[1]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = -WTERMSIG(status);
  return result;
}

ProcessResult run_memgpt(const std::string& home, const std::vector<std::string>& args,
                         RunOptions options) {
  std::vector<std::string> argv{memgpt_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!options.env.count("MEMGPT_HOME")) options.env["MEMGPT_HOME"] = home;
  for (const char* name : {"MEMGPT_CONFIG_PATH", "MEMGPT_CREDENTIALS_PATH", "OPENAI_API_KEY",
                           "ANTHROPIC_API_KEY", "OPENAI_API_BASE"}) {
    if (!options.env.count(name)) options.unset_env.push_back(name);
  }
  return run_process(argv, options);
}

ClosedPort::ClosedPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot bind a loopback port");
  }
  port_ = ntohs(addr.sin_port);
}

ClosedPort::~ClosedPort() {
  if (fd_ >= 0) ::close(fd_);
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  if (!ci) return false;
  std::string v = ci;
  return !v.empty() && v != "0" && v != "false";
}

RunOptions with_input(std::string input) {
  RunOptions o;
  o.stdin_data = std::move(input);
  o.timeout_ms = 120000;
  return o;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string source_dir() { return MEMGPT_SOURCE_DIR; }
std::string deps_cache_dir() { return MEMGPT_DEPS_CACHE; }
std::string shared_dir() { return MEMGPT_SHARED_DIR; }
std::string memgpt_binary() { return MEMGPT_BINARY; }

}  // namespace memgpt::testing
