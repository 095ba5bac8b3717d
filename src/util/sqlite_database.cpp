#include <fmt/format.h>
#include <sqlite3.h>

#include <mutex>
#include <thread>
#include <unordered_map>

#include "util/sql.h"

namespace memgpt {

std::string SqlRow::text(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (auto d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  return "";
}

int64_t SqlRow::integer(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto n = std::get_if<int64_t>(&v)) return *n;
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

const std::string& SqlRow::blob(size_t i) const {
  static const std::string kEmpty;
  const SqlValue& v = values_.at(i);
  if (auto b = std::get_if<SqlBlob>(&v)) return b->bytes;
  if (auto s = std::get_if<std::string>(&v)) return *s;
  return kEmpty;
}

double SqlRow::real(size_t i) const {
  const SqlValue& v = values_.at(i);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto n = std::get_if<int64_t>(&v)) return static_cast<double>(*n);
  if (auto s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0;
}

namespace {

class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  std::string_view dialect() const override { return "sqlite"; }
  int64_t last_insert_rowid() override {
    std::lock_guard lock(mu_);
    return sqlite3_last_insert_rowid(db_);
  }

  Result<int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, prepare(sql, params));
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_ROW) continue;
      if (rc == SQLITE_DONE) break;
      Status s = error(rc, sql);
      sqlite3_reset(stmt);
      return s;
    }
    sqlite3_reset(stmt);
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<std::vector<SqlRow>> query(std::string_view sql,
                                    std::span<const SqlValue> params) override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, prepare(sql, params));
    std::vector<SqlRow> rows;
    int cols = sqlite3_column_count(stmt);
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Status s = error(rc, sql);
        sqlite3_reset(stmt);
        return s;
      }
      std::vector<SqlValue> values;
      values.reserve(cols);
      for (int c = 0; c < cols; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: values.emplace_back(int64_t{sqlite3_column_int64(stmt, c)}); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(stmt, c)); break;
          case SQLITE_NULL: values.emplace_back(nullptr); break;
          case SQLITE_BLOB: {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            values.emplace_back(SqlBlob{std::string(p ? p : "", sqlite3_column_bytes(stmt, c))});
            break;
          }
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            values.emplace_back(std::string(p ? p : "", sqlite3_column_bytes(stmt, c)));
          }
        }
      }
      rows.emplace_back(std::move(values));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  Status exec_script(std::string_view sql) override {
    std::lock_guard lock(mu_);
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return classify(rc, fmt::format("{}: {}", path_, msg));
    }
    return {};
  }

  Status transaction(const std::function<Status()>& body) override {
    // Holding the (recursive) connection mutex for the whole transaction keeps other threads'
    // statements out of it; a nested call from the same thread joins the outer transaction.
    std::lock_guard lock(mu_);
    if (in_transaction_) return body();
    // IMMEDIATE takes the write lock now, so two writers queue on the busy timeout instead of
    // failing later with SQLITE_BUSY on lock upgrade.
    if (auto r = exec("BEGIN IMMEDIATE", {}); !r.ok()) return r.status();
    in_transaction_ = true;
    Status s;
    try {
      s = body();
    } catch (...) {
      in_transaction_ = false;
      (void)exec("ROLLBACK", {});
      throw;
    }
    in_transaction_ = false;
    if (!s.ok()) {
      (void)exec("ROLLBACK", {});
      return s;
    }
    if (auto r = exec("COMMIT", {}); !r.ok()) {
      (void)exec("ROLLBACK", {});
      return r.status();
    }
    return {};
  }

 private:
  Result<sqlite3_stmt*> prepare(std::string_view sql, std::span<const SqlValue> params) {
    std::string key(sql);
    sqlite3_stmt* stmt = nullptr;
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return error(rc, sql);
      cache_.emplace(std::move(key), stmt);
    }
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const SqlValue& v = params[i];
      if (auto n = std::get_if<int64_t>(&v)) sqlite3_bind_int64(stmt, idx, *n);
      else if (auto d = std::get_if<double>(&v)) sqlite3_bind_double(stmt, idx, *d);
      else if (auto s = std::get_if<std::string>(&v))
        sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      else if (auto b = std::get_if<SqlBlob>(&v))
        sqlite3_bind_blob(stmt, idx, b->bytes.data(), static_cast<int>(b->bytes.size()), SQLITE_TRANSIENT);
      else sqlite3_bind_null(stmt, idx);
    }
    return stmt;
  }

  Status classify(int rc, std::string msg) {
    switch (rc & 0xff) {
      case SQLITE_CONSTRAINT: return already_exists(std::move(msg));
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return unavailable(std::move(msg) + " (the database is busy: another "
                                                          "memgpt process holds it)");
      case SQLITE_READONLY:
      case SQLITE_PERM:
      case SQLITE_CANTOPEN: return {ErrorCode::kPermissionDenied, std::move(msg)};
      case SQLITE_CORRUPT:
      case SQLITE_NOTADB: return corrupt(std::move(msg));
      case SQLITE_FULL:
      case SQLITE_IOERR: return io_error(std::move(msg));
      default: return internal_error(std::move(msg));
    }
  }

  Status error(int rc, std::string_view sql) {
    (void)sql;
    return classify(rc, fmt::format("{}: {}", path_, sqlite3_errmsg(db_)));
  }

  sqlite3* db_;
  std::string path_;
  std::recursive_mutex mu_;
  bool in_transaction_ = false;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status(ErrorCode::kPermissionDenied,
                  fmt::format("cannot open database {}: {}", path, msg));
  }
  sqlite3_busy_timeout(db, 10000);
  auto out = std::make_unique<SqliteDatabase>(db, path);
  // WAL lets readers work while one process writes; NORMAL sync is durable across process
  // crashes (a power loss may drop the last transactions, never corrupts).
  Status s = out->exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  if (!s.ok()) {
    if (s.code() == ErrorCode::kCorrupt) {
      return corrupt(fmt::format("{} is not a memgpt database (or is damaged)", path));
    }
    return s;
  }
  return std::unique_ptr<SqlDatabase>(std::move(out));
}

}  // namespace memgpt
