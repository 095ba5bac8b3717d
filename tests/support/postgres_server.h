// A real PostgreSQL server for tests: Debian's binaries, a throw-away data folder, a free
// loopback port; stopped (and deleted) on destruction. The initdb'd cluster is made once per
// machine as a template and copied, so each test starts in well under a second.
#pragma once

#include <sys/types.h>

#include <string>

namespace memgpt::testing {

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
  // Creates a fresh database and returns its URI (postgresql://postgres@127.0.0.1:port/name).
  std::string create_database(const std::string& name);
  void kill_hard();  // SIGKILL, for crash tests

 private:
  std::string dir_;
  std::string why_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace memgpt::testing
