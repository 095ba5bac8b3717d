// A real PostgreSQL server for tests: the installed server binaries (found with pg_config
// --bindir, on PATH, or under /usr/lib/postgresql/*/bin), a throw-away data folder, a loopback
// port; stopped (and deleted) on destruction. The initdb'd cluster is made once per machine and
// version as a template and copied, so each test starts in well under a second.
// The server is tied to the test process (see server_process.h): its output goes to a log file
// in its folder and it is killed if the test dies, so a crashed test leaves no postgres behind
// holding ctest's output pipe.
#pragma once

#include <sys/types.h>

#include <string>

namespace memgpt::testing {

// The folder holding postgres, initdb and createdb, or "" when PostgreSQL is not installed.
std::string postgres_bindir();

class PostgresServer {
 public:
  // Starts the server; available() is false (with why()) when PostgreSQL is not installed.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool available() const { return pid_ > 0; }
  const std::string& why() const { return why_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }  // the data folder's parent
  // Creates a fresh database and returns its URI (postgresql://postgres@127.0.0.1:port/name).
  std::string create_database(const std::string& name);
  void kill_hard();  // SIGKILL, for crash tests

 private:
  bool start_on_free_port();
  std::string bin_;
  std::string dir_;
  std::string why_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace memgpt::testing
