// Serialises the steps of one agent: across threads (a mutex per agent) and across processes
// that share the database (SQLite: an exclusive flock on a lock file beside the database;
// PostgreSQL: a session advisory lock keyed by the agent id). Both cross-process locks are
// released by the operating system / server when a process dies, so kill -9 leaves no stale lock.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/sql.h"
#include "util/status.h"

namespace memgpt::runtime {

class AgentLocks {
 public:
  // `db` is the metadata database; for SQLite, `sqlite_path` is its file (lock files go in a
  // folder beside it).
  AgentLocks(std::shared_ptr<SqlDatabase> db, std::string sqlite_path);
  ~AgentLocks();

  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept { *this = std::move(other); }
    Guard& operator=(Guard&& other) noexcept;
    ~Guard() { release(); }
    void release();

   private:
    friend class AgentLocks;
    AgentLocks* owner_ = nullptr;
    std::string agent_id_;
    std::unique_lock<std::timed_mutex> local_;
    int fd_ = -1;             // SQLite: the flock'ed lock file
    bool pg_locked_ = false;  // PostgreSQL: the advisory lock named agent_id_
  };

  // Waits up to `timeout` for the agent; kFailedPrecondition ("busy") when another step holds it.
  Result<Guard> acquire(const std::string& agent_id, std::chrono::milliseconds timeout);
  // True for the status acquire() returns when the key stayed held past the timeout.
  static bool is_busy(const Status& s);

 private:
  std::timed_mutex& local_mutex(const std::string& agent_id);
  std::shared_ptr<SqlDatabase> db_;
  std::string lock_dir_;
  std::mutex mu_;
  std::unordered_map<std::string, std::unique_ptr<std::timed_mutex>> local_;
};

}  // namespace memgpt::runtime
