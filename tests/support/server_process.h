// Servers a test starts as child processes (memgpt server, memgpt milvus serve, postgres).
// Such a child must never outlive the test: its output goes to a log file (not to the test's
// own stdout/stderr, which ctest reads until every holder closes them), it holds no other
// descriptor of the test, and it is killed when the test process dies (PR_SET_PDEATHSIG), even
// by a crash. A server is ready when it prints the line naming the port it bound (servers in
// tests bind port 0, so no port is picked before it is bound).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace memgpt::testing {

struct SpawnOptions {
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::string log_path;                     // stdout and stderr (appended); empty = /dev/null
  // Runs in the child before exec, e.g. to drop privileges (the death signal is armed after it,
  // since a change of credentials clears it).
  std::function<void()> before_exec;
};

// Starts argv[0] (a path) tied to this process as described above; -1 when fork fails.
// The death signal follows the thread that calls this: call it from the test's main thread.
pid_t spawn_tied(const std::vector<std::string>& argv, const SpawnOptions& options);

class ServerProcess {
 public:
  // Starts the server and waits (up to `timeout_ms`) for a line of its output that matches
  // `ready_pattern`, an ECMAScript regex whose first group is the port.
  ServerProcess(const std::vector<std::string>& argv, std::map<std::string, std::string> env,
                const std::string& ready_pattern, int timeout_ms = 30000);
  ~ServerProcess();  // SIGKILL, then reaped
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ready() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:<port>
  std::string log() const;  // what the server printed so far (for failure messages)
  // Sends `sig` and waits for the exit; returns the wait status (as waitpid's).
  int stop(int sig);
  bool running() const { return pid_ > 0; }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_status_ = 0;
};

// `memgpt server --port 0 --quiet ...` with MEMGPT_HOME = home (and `env`); ready once it
// prints the address it serves.
std::vector<std::string> memgpt_server_argv(const std::vector<std::string>& extra = {});
inline constexpr const char* kMemgptServerReady = R"(running at https?://[^:]+:(\d+))";
// `memgpt milvus serve --uri FILE --port 0 ...`
std::vector<std::string> milvus_serve_argv(const std::string& uri,
                                           const std::vector<std::string>& extra = {});
inline constexpr const char* kMilvusServeReady = R"(Milvus REST API at http://[^:]+:(\d+))";

}  // namespace memgpt::testing
