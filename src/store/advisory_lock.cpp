#include "store/advisory_lock.h"

#include <cstdint>
#include <vector>

namespace memgpt::store {
namespace {

// FNV-1a: a stable 64-bit key for a name (every process must compute the same one).
int64_t lock_key(const std::string& name) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

}  // namespace

bool supports_advisory_locks(const SqlDatabase& db) { return db.dialect() == "postgres"; }

Result<bool> try_advisory_lock(SqlDatabase& db, const std::string& name) {
  std::vector<SqlValue> p{lock_key(name)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows, db.query("SELECT pg_try_advisory_lock(?)", p));
  std::string got = rows.empty() ? "" : rows[0].text(0);
  return got == "t" || got == "true" || got == "1";
}

Status advisory_unlock(SqlDatabase& db, const std::string& name) {
  std::vector<SqlValue> p{lock_key(name)};
  return db.query("SELECT pg_advisory_unlock(?)", p).status();
}

}  // namespace memgpt::store
