// The PostgreSQL server tests start must die with the test: a test that crashes (here: abort()
// in a child process standing for the test) leaves no postgres behind, and nothing holding the
// output pipe the test runner reads (ctest waits for that pipe to close, and used to hang for
// minutes behind an orphaned postgres).
#include "support/postgres_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/test_env.h"

namespace memgpt::testing {
namespace {

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return !stat || state == "Z";  // a zombie is dead, waiting for init to reap it
}

TEST(PostgresServer, ACrashedTestLeavesNoServerHoldingItsOutput) {
  if (postgres_bindir().empty()) MEMGPT_SKIP_OR_FAIL("PostgreSQL is not installed");
  int out[2], report[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(report), 0);
  pid_t test = ::fork();
  ASSERT_GE(test, 0);
  if (test == 0) {
    // The "test": its stdout and stderr are the runner's pipe, as under ctest.
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(report[0]);
    PostgresServer pg;
    pid_t server = pg.available() ? pg.pid() : -1;
    char dir[64] = {};
    pg.dir().copy(dir, sizeof dir - 1);
    (void)!::write(report[1], &server, sizeof server);
    (void)!::write(report[1], dir, sizeof dir);
    std::abort();  // no destructor runs
  }
  ::close(out[1]);
  ::close(report[1]);
  pid_t server = -1;
  char dir[64] = {};
  ASSERT_EQ(::read(report[0], &server, sizeof server), static_cast<ssize_t>(sizeof server));
  ASSERT_EQ(::read(report[0], dir, sizeof dir), static_cast<ssize_t>(sizeof dir));
  ::close(report[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(test, &status, 0), test);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
  ASSERT_GT(server, 0) << "postgres did not start in the child";

  // The runner's pipe closes: nobody else holds it.
  pollfd p = {out[0], POLLIN, 0};
  char buf[4096];
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    if (::poll(&p, 1, 1000) > 0) closed = ::read(out[0], buf, sizeof buf) <= 0;
  }
  ::close(out[0]);
  EXPECT_TRUE(closed) << "something the crashed test started still holds its output pipe";
  // And the server itself is gone.
  while (!process_gone(server) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(process_gone(server)) << "postgres " << server << " outlived the crashed test";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // what the crashed test could not clean up
}

}  // namespace
}  // namespace memgpt::testing
