// The store test suites run against both SQL backends: SQLite in a temp folder and a real
// PostgreSQL server started for the test.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/metadata_store.h"
#include "store/sql.h"
#include "support/postgres_server.h"
#include "support/test_env.h"

namespace memgpt::store {

class StoreBackend {
 public:
  explicit StoreBackend(const std::string& kind) : kind_(kind) {}

  // Opens a new, empty database of this backend; empty pointer (and a skip) when impossible.
  std::shared_ptr<SqlDatabase> open(const std::string& name = "memgpt") {
    if (kind_ == "sqlite") {
      auto db = open_sqlite(dir_.file(name + ".db"));
      EXPECT_TRUE(db.ok()) << db.status().message();
      return db.ok() ? std::shared_ptr<SqlDatabase>(std::move(*db)) : nullptr;
    }
    if (!pg_) pg_ = std::make_unique<testing::PostgresServer>();
    if (!pg_->available()) return nullptr;
    auto db = open_postgres(pg_->create_database(name));
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::shared_ptr<SqlDatabase>(std::move(*db)) : nullptr;
  }
  std::string why_unavailable() const { return pg_ ? pg_->why() : ""; }
  const std::string& kind() const { return kind_; }

 private:
  std::string kind_;
  testing::TempDir dir_;
  std::unique_ptr<testing::PostgresServer> pg_;
};

// A test run against each backend: SetUp opens a fresh metadata store on it (the test skips,
// or fails under CI, when the backend is not installed).
class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto db = backend_.open();
    if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
    auto s = MetadataStore::open(db);
    ASSERT_TRUE(s.ok()) << s.status().message();
    meta_ = std::move(*s);
  }
  StoreBackend backend_{GetParam()};
  std::unique_ptr<MetadataStore> meta_;
};

inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace memgpt::store
