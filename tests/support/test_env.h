// Test helpers: temporary folders and homes, running the memgpt binary as a user would.
#pragma once

#include <map>
#include <optional>
#include <string>
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

// Runs `argv` (argv[0] a path) and waits, capturing stdout/stderr.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs the built memgpt binary with `args`; MEMGPT_HOME = `home` unless options.env sets it.
ProcessResult run_memgpt(const std::string& home, const std::vector<std::string>& args,
                         RunOptions options = {});

// A loopback TCP port nobody listens on right now.
int free_port();

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// Paths of the source tree, build cache of npm data, and ../shared.
std::string source_dir();
std::string deps_cache_dir();
std::string shared_dir();
std::string memgpt_binary();

}  // namespace memgpt::testing
