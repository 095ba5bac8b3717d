// Advisory locks on a real PostgreSQL: a name held by one connection is refused to another until
// it is unlocked or the holder's connection ends (a process that dies leaves no lock). SQLite
// has none (agents there lock a file: runtime/agent_lock).
#include "store/advisory_lock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store_backend.h"
#include "support/postgres_server.h"

namespace memgpt::store {
namespace {

// Two servers sharing one database: two connections to it.
TEST(AdvisoryLock, ANameHeldByOneConnectionIsRefusedToAnother) {
  testing::PostgresServer pg;
  if (!pg.available()) MEMGPT_SKIP_OR_FAIL(pg.why());
  std::string uri = pg.create_database("locks");
  auto connect = [&]() -> std::shared_ptr<SqlDatabase> {
    auto db = open_postgres(uri);
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::shared_ptr<SqlDatabase>(std::move(*db)) : nullptr;
  };
  std::shared_ptr<SqlDatabase> first = connect(), second = connect();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(supports_advisory_locks(*first));

  ASSERT_TRUE(*try_advisory_lock(*first, "agent-1"));
  EXPECT_FALSE(*try_advisory_lock(*second, "agent-1"));
  EXPECT_TRUE(*try_advisory_lock(*second, "agent-2"));  // another name is free
  ASSERT_TRUE(advisory_unlock(*first, "agent-1").ok());
  EXPECT_TRUE(*try_advisory_lock(*second, "agent-1"));

  ASSERT_TRUE(*try_advisory_lock(*first, "agent-3"));
  EXPECT_FALSE(*try_advisory_lock(*second, "agent-3"));
  first.reset();  // the connection ends: its locks go with it, once the server has seen it go
  bool freed = false;
  for (int i = 0; i < 500 && !freed; ++i) {
    freed = *try_advisory_lock(*second, "agent-3");
    if (!freed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(freed);
}

TEST(AdvisoryLock, SqliteHasNone) {
  StoreBackend backend("sqlite");
  auto db = backend.open();
  ASSERT_TRUE(db);
  EXPECT_FALSE(supports_advisory_locks(*db));
}

}  // namespace
}  // namespace memgpt::store
