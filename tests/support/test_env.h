// Test helpers: temporary folders and homes, running the memgpt binary as a user would.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace memgpt::testing {

// A fresh temporary folder, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Sets MEMGPT_HOME (and clears MEMGPT_CONFIG_PATH / MEMGPT_CREDENTIALS_PATH) for this process
// while alive; restores the previous values afterwards.
class ScopedHome {
 public:
  ScopedHome();
  ~ScopedHome();
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::map<std::string, std::optional<std::string>> saved_;
};

struct ProcessResult {
  int exit_code = -1;  // -signal when killed by a signal
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to / overriding the inherited environment
  std::vector<std::string> unset_env;
  std::string stdin_data;
  std::string cwd;
  int timeout_ms = 60000;  // killed (SIGKILL) after this
};

// This process's environment with `set` added (or replaced) and `unset` removed, as
// NAME=value entries: for exec after fork.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& set,
                                          const std::vector<std::string>& unset = {});

// Options for a run that types `input` (and may take up to two minutes).
RunOptions with_input(std::string input);

// Runs `argv` (argv[0] a path) and waits, capturing stdout/stderr. The child dies with the
// test process and inherits none of its other descriptors.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the built memgpt binary with `args`; MEMGPT_HOME = `home` unless options.env sets it.
ProcessResult run_memgpt(const std::string& home, const std::vector<std::string>& args,
                         RunOptions options = {});

// A loopback TCP port that refuses connections for as long as this object lives: bound (so no
// other process can take it) but not listening. For tests of unreachable servers.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// True under CI (CI=true, as CI services set it): a tool scripts/setup.sh installs must be
// there, and a test that would skip without it fails instead.
bool running_in_ci();

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);
// `s` written `n` times: text of a given size for limits and chunking.
std::string repeat(std::string_view s, size_t n);

// Paths of the source tree, build cache of npm data, and ../shared.
std::string source_dir();
std::string deps_cache_dir();
std::string shared_dir();
std::string memgpt_binary();

}  // namespace memgpt::testing

// Skips the test for a missing tool, or fails it under CI (see running_in_ci()).
#define MEMGPT_SKIP_OR_FAIL(why)                                                   \
  do {                                                                             \
    if (::memgpt::testing::running_in_ci()) GTEST_FAIL() << (why) << " (CI=true)"; \
    GTEST_SKIP() << (why);                                                         \
  } while (0)
