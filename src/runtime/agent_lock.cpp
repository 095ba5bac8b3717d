#include "runtime/agent_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "store/advisory_lock.h"

namespace memgpt::runtime {
namespace {

bool safe_file_name(const std::string& s) {
  if (s.empty() || s.size() > 200) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

AgentLocks::AgentLocks(std::shared_ptr<SqlDatabase> db, std::string sqlite_path) : db_(std::move(db)) {
  if (db_ && db_->dialect() == "sqlite" && !sqlite_path.empty()) {
    lock_dir_ = (std::filesystem::path(sqlite_path).parent_path() / "agent-locks").string();
  }
}

AgentLocks::~AgentLocks() = default;

std::timed_mutex& AgentLocks::local_mutex(const std::string& agent_id) {
  std::lock_guard lock(mu_);
  auto& m = local_[agent_id];
  if (!m) m = std::make_unique<std::timed_mutex>();
  return *m;
}

namespace {
constexpr const char* kBusySuffix = " is busy with another request; try again when it has finished";
}  // namespace

bool AgentLocks::is_busy(const Status& s) {
  return s.code() == ErrorCode::kFailedPrecondition && s.message().ends_with(kBusySuffix);
}

Result<AgentLocks::Guard> AgentLocks::acquire(const std::string& agent_id, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto busy = [&] {
    return failed_precondition(fmt::format("agent {}{}", agent_id, kBusySuffix));
  };
  Guard g;
  g.owner_ = this;
  g.agent_id_ = agent_id;
  g.local_ = std::unique_lock<std::timed_mutex>(local_mutex(agent_id), std::defer_lock);
  if (!g.local_.try_lock_until(deadline)) return busy();

  if (!lock_dir_.empty()) {
    if (!safe_file_name(agent_id)) return invalid_argument("agent id has characters a lock file cannot use");
    std::error_code ec;
    std::filesystem::create_directories(lock_dir_, ec);
    std::string path = lock_dir_ + "/" + agent_id + ".lock";
    g.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (g.fd_ < 0) return io_error(fmt::format("cannot open the agent lock file {}", path));
    while (::flock(g.fd_, LOCK_EX | LOCK_NB) != 0) {
      if (std::chrono::steady_clock::now() >= deadline) return busy();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else if (db_ && store::supports_advisory_locks(*db_)) {
    // Polling: a waiting lock would hold the shared connection meanwhile.
    while (true) {
      MEMGPT_ASSIGN_OR_RETURN(bool taken, store::try_advisory_lock(*db_, agent_id));
      if (taken) break;
      if (std::chrono::steady_clock::now() >= deadline) return busy();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    g.pg_locked_ = true;
  }
  return g;
}

AgentLocks::Guard& AgentLocks::Guard::operator=(Guard&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    agent_id_ = std::move(other.agent_id_);
    local_ = std::move(other.local_);
    fd_ = other.fd_;
    pg_locked_ = other.pg_locked_;
    other.owner_ = nullptr;
    other.fd_ = -1;
    other.pg_locked_ = false;
  }
  return *this;
}

void AgentLocks::Guard::release() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
  if (pg_locked_ && owner_ && owner_->db_) {
    (void)store::advisory_unlock(*owner_->db_, agent_id_);
    pg_locked_ = false;
  }
  if (local_.owns_lock()) local_.unlock();
  owner_ = nullptr;
}

}  // namespace memgpt::runtime
