#include "support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/test_env.h"

namespace memgpt::testing {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

// Runs argv as the postgres user when we are root (initdb and postgres refuse to run as root).
ProcessResult run_as_postgres(std::vector<std::string> argv) {
  if (::geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return run_process(argv);
}

std::string template_dir() {
  return std::filesystem::temp_directory_path().string() + "/memgpt-pg-template-15";
}

// Makes the template cluster once; concurrent test processes serialise on a lock file.
bool ensure_template(std::string& why) {
  std::string tmpl = template_dir();
  std::string lock_path = tmpl + ".lock";
  int fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0) {
    why = "cannot create " + lock_path;
    return false;
  }
  ::flock(fd, LOCK_EX);
  bool ok = std::filesystem::exists(tmpl + "/data/PG_VERSION");
  if (!ok) {
    std::filesystem::remove_all(tmpl);
    std::filesystem::create_directories(tmpl);
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw) (void)::chown(tmpl.c_str(), pw->pw_uid, pw->pw_gid);
    }
    auto r = run_as_postgres({std::string(kBin) + "/initdb", "-D", tmpl + "/data", "-U",
                              "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8",
                              "--no-sync"});
    ok = r.exit_code == 0;
    if (!ok) why = "initdb failed: " + r.err;
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
  return ok;
}

}  // namespace

PostgresServer::PostgresServer() {
  if (::access((std::string(kBin) + "/postgres").c_str(), X_OK) != 0) {
    why_ = "PostgreSQL 15 is not installed (scripts/setup.sh installs it)";
    return;
  }
  if (!ensure_template(why_)) return;
  char tmpl[] = "/tmp/memgpt-pg-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  auto cp = run_process({"/bin/cp", "-a", template_dir() + "/data", dir_ + "/data"});
  if (cp.exit_code != 0) {
    why_ = "cannot copy the template cluster: " + cp.err;
    return;
  }
  passwd* pw = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
  if (pw) (void)::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid);
  port_ = free_port();
  pid_ = ::fork();
  if (pid_ == 0) {
    if (pw) {
      (void)::setgid(pw->pw_gid);
      (void)::setuid(pw->pw_uid);
    }
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::string port = std::to_string(port_);
    ::execl((std::string(kBin) + "/postgres").c_str(), "postgres", "-D", (dir_ + "/data").c_str(),
            "-p", port.c_str(), "-k", dir_.c_str(), "-c", "listen_addresses=127.0.0.1", "-c",
            "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    auto r = run_process({std::string(kBin) + "/pg_isready", "-h", "127.0.0.1", "-p",
                          std::to_string(port_), "-q"});
    if (r.exit_code == 0) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      why_ = "postgres exited during start-up";
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  why_ = "postgres did not become ready in 10 s";
  kill_hard();
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PostgresServer::create_database(const std::string& name) {
  run_process({std::string(kBin) + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_),
               "-U", "postgres", name});
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + name;
}

void PostgresServer::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace memgpt::testing
