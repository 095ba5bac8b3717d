#include "support/postgres_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/server_process.h"
#include "support/test_env.h"

namespace memgpt::testing {
namespace {

namespace fs = std::filesystem;

bool has_server_binaries(const fs::path& dir) {
  for (const char* tool : {"postgres", "initdb", "createdb"}) {
    if (::access((dir / tool).c_str(), X_OK) != 0) return false;
  }
  return true;
}

// Runs argv as the postgres user when we are root (initdb and postgres refuse to run as root).
ProcessResult run_as_postgres(std::vector<std::string> argv) {
  if (::geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return run_process(argv);
}

// "15" for PostgreSQL 15.x: clusters of different major versions are not compatible.
std::string major_version(const std::string& bin) {
  std::string out = run_process({bin + "/postgres", "--version"}).out;  // postgres (PostgreSQL) 15.14
  size_t digits = out.find_first_of("0123456789");
  if (digits == std::string::npos) return "unknown";
  return out.substr(digits, out.find_first_not_of("0123456789", digits) - digits);
}

// Makes the template cluster once; concurrent test processes serialise on a lock file.
bool ensure_template(const std::string& bin, const std::string& tmpl, std::string& why) {
  std::string lock_path = tmpl + ".lock";
  int fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  if (fd < 0) {
    why = "cannot create " + lock_path;
    return false;
  }
  ::flock(fd, LOCK_EX);
  bool ok = fs::exists(tmpl + "/data/PG_VERSION");
  if (!ok) {
    std::error_code ec;
    fs::remove_all(tmpl, ec);
    fs::create_directories(tmpl, ec);
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw) (void)::chown(tmpl.c_str(), pw->pw_uid, pw->pw_gid);
    }
    auto r = run_as_postgres({bin + "/initdb", "-D", tmpl + "/data", "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"});
    ok = r.exit_code == 0;
    if (!ok) why = "initdb failed: " + r.err;
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
  return ok;
}

// A port the kernel just handed out (postgres cannot bind port 0 and report the port it got;
// a port taken meanwhile makes the start fail, and the caller tries another).
int ephemeral_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace

std::string postgres_bindir() {
  std::vector<fs::path> candidates;
  auto pg_config = run_process({"/bin/sh", "-c", "pg_config --bindir 2>/dev/null"});
  if (pg_config.exit_code == 0) {
    std::string dir = pg_config.out.substr(0, pg_config.out.find('\n'));
    if (!dir.empty()) candidates.emplace_back(dir);
  }
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (size_t start = 0; start <= p.size();) {
      size_t end = p.find(':', start);
      if (end == std::string::npos) end = p.size();
      fs::path exe = fs::path(p.substr(start, end - start)) / "postgres";
      std::error_code ec;
      // Debian links single tools into PATH; the rest live beside the real binary.
      if (fs::exists(exe, ec)) candidates.push_back(fs::canonical(exe, ec).parent_path());
      start = end + 1;
    }
  }
  std::vector<fs::path> versions;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    versions.push_back(entry.path() / "bin");
  }
  std::sort(versions.rbegin(), versions.rend());  // the newest first
  candidates.insert(candidates.end(), versions.begin(), versions.end());
  for (const auto& dir : candidates) {
    if (has_server_binaries(dir)) return dir.string();
  }
  return "";
}

PostgresServer::PostgresServer() {
  bin_ = postgres_bindir();
  const std::string& bin = bin_;
  if (bin.empty()) {
    why_ = "PostgreSQL's server binaries were not found (pg_config --bindir, PATH, "
           "/usr/lib/postgresql/*/bin); scripts/setup.sh installs them";
    return;
  }
  std::string tmpl = fs::temp_directory_path().string() + "/memgpt-pg-template-" + major_version(bin);
  if (!ensure_template(bin, tmpl, why_)) return;
  char dir[] = "/tmp/memgpt-pg-XXXXXX";
  dir_ = ::mkdtemp(dir);
  auto cp = run_process({"/bin/cp", "-a", tmpl + "/data", dir_ + "/data"});
  if (cp.exit_code != 0) {
    why_ = "cannot copy the template cluster: " + cp.err;
    return;
  }
  passwd* pw = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
  if (pw) (void)::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid);
  for (int attempt = 0; attempt < 5 && pid_ <= 0; ++attempt) {
    if (start_on_free_port()) return;
  }
  if (why_.empty()) why_ = "postgres did not start";
}

bool PostgresServer::start_on_free_port() {
  const std::string& bin = bin_;
  port_ = ephemeral_port();
  std::string log_path = dir_ + "/postgres.log";
  ::truncate(log_path.c_str(), 0);
  passwd* pw = ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr;
  SpawnOptions options;
  options.log_path = log_path;
  if (pw) {
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    options.before_exec = [uid, gid] {
      (void)::setgid(gid);
      (void)::setuid(uid);
    };
  }
  pid_ = spawn_tied({bin + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_,
                     "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                     "synchronous_commit=off", "-c", "full_page_writes=off"},
                    options);
  if (pid_ <= 0) {
    why_ = "fork failed";
    return false;
  }
  if (pw) (void)::chown(log_path.c_str(), pw->pw_uid, pw->pw_gid);
  // Ready when it says so in its log; gone when it could not bind (another process took the
  // port since we chose it) or failed otherwise.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = read_text(log_path);
    if (log.find("database system is ready to accept connections") != std::string::npos) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      why_ = "postgres exited during start-up: " + log.substr(0, 2000);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  why_ = "postgres did not become ready in 30 s: " + read_text(log_path).substr(0, 2000);
  kill_hard();
  return false;
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string PostgresServer::create_database(const std::string& name) {
  run_process({bin_ + "/createdb", "-h", "127.0.0.1", "-p", std::to_string(port_),
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
