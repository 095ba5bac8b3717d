// PostgreSQL session advisory locks, by name: held by this connection until unlocked or until
// the connection ends, so a process that dies leaves no lock behind. Used to serialise the
// steps of one agent across servers sharing a database (runtime/agent_lock).
#pragma once

#include <string>

#include "store/sql.h"
#include "util/status.h"

namespace memgpt::store {

// True when `db` can hold advisory locks (PostgreSQL; not SQLite).
bool supports_advisory_locks(const SqlDatabase& db);
// Takes the lock named `name` if it is free: true when taken, false when another session holds
// it. Never waits (a waiting lock would hold the shared connection meanwhile).
Result<bool> try_advisory_lock(SqlDatabase& db, const std::string& name);
Status advisory_unlock(SqlDatabase& db, const std::string& name);

}  // namespace memgpt::store
