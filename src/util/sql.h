// A small SQL interface that both SQLite and PostgreSQL implement, so the stores above it are
// written once in portable SQL. Placeholders are `?`; drivers translate as their server needs.
// Thread-safety: a SqlDatabase may be shared by threads (calls are serialised per connection).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "util/status.h"

namespace memgpt {

// Binary data (SQLite BLOB); strings are always text.
struct SqlBlob {
  std::string bytes;
};
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string, SqlBlob>;

class SqlRow {
 public:
  explicit SqlRow(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  bool is_null(size_t i) const { return std::holds_alternative<std::nullptr_t>(values_.at(i)); }
  // Conversions: NULL -> "" / 0; integers and reals convert to each other; text parses.
  std::string text(size_t i) const;
  int64_t integer(size_t i) const;
  double real(size_t i) const;
  // BLOB bytes (text columns give their bytes too).
  const std::string& blob(size_t i) const;

 private:
  std::vector<SqlValue> values_;
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  virtual std::string_view dialect() const = 0;  // "sqlite" | "postgres"

  // Runs one statement; returns the number of rows changed.
  virtual Result<int64_t> exec(std::string_view sql, std::span<const SqlValue> params = {}) = 0;
  virtual Result<std::vector<SqlRow>> query(std::string_view sql,
                                            std::span<const SqlValue> params = {}) = 0;
  // The rowid of the last row this connection inserted (SQLite only; 0 elsewhere).
  virtual int64_t last_insert_rowid() { return 0; }
  // Runs several statements separated by ';' (schema scripts); no parameters.
  virtual Status exec_script(std::string_view sql) = 0;
  // Runs `body` in a write transaction: committed when it returns ok, rolled back otherwise.
  // Nested calls join the outer transaction.
  virtual Status transaction(const std::function<Status()>& body) = 0;
};

// Opens (creating when absent) an SQLite file in WAL mode with a busy timeout, so several
// processes can share it. The folder must exist.
Result<std::unique_ptr<SqlDatabase>> open_sqlite(const std::string& path);
// Connects to PostgreSQL (`postgresql://user:pass@host:port/db` or a libpq key=value string).
Result<std::unique_ptr<SqlDatabase>> open_postgres(const std::string& uri);

}  // namespace memgpt
