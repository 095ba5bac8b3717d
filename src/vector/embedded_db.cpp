#include "vector/embedded_db.h"

#include "vector/milvus_errors.h"

namespace memgpt::vector::embedded {

Status clean_error(const Status& s, const std::string& path) {
  const std::string prefix = path + ": ";
  if (s.ok() || s.message().compare(0, prefix.size(), prefix) != 0) return s;
  std::string_view raw = std::string_view(s.message()).substr(prefix.size());
  auto says = [&](std::string_view what) { return raw.find(what) != std::string_view::npos; };
  switch (s.code()) {
    case ErrorCode::kUnavailable:
      return unavailable("the Milvus store is busy: another process holds its write lock; try again");
    case ErrorCode::kCorrupt:
      return corrupt("the Milvus store file is damaged");
    case ErrorCode::kIo:
      return io_error("the Milvus store cannot be read or written (disk full or I/O error)");
    case ErrorCode::kPermissionDenied:
      return {ErrorCode::kPermissionDenied, "the Milvus store is read-only or not accessible"};
    case ErrorCode::kAlreadyExists:
      return milvus_error(ErrorCode::kAlreadyExists, MilvusCode::kInsertFailed, "a row with this primary key already exists");
    default:
      break;
  }
  // SQLite's own limits, reached by outside input the engine could not bound beforehand.
  if (says("parser stack overflow") || says("Expression tree is too large") || says("too many SQL variables") ||
      says("too many terms")) {
    return invalid_parameter("the filter expression is too complex for the embedded engine: simplify it");
  }
  if (says("pattern too complex")) return invalid_parameter("the 'like' pattern is too long");
  if (says("string or blob too big")) return invalid_parameter("a value is too large for the embedded engine");
  return internal_error("internal error in the embedded Milvus store (please report it)");
}

namespace {

class CleanErrors final : public SqlDatabase {
 public:
  CleanErrors(std::unique_ptr<SqlDatabase> db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  std::string_view dialect() const override { return db_->dialect(); }
  int64_t last_insert_rowid() override { return db_->last_insert_rowid(); }
  Result<int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override {
    auto r = db_->exec(sql, params);
    if (!r.ok()) return clean_error(r.status(), path_);
    return r;
  }
  Result<std::vector<SqlRow>> query(std::string_view sql, std::span<const SqlValue> params) override {
    auto r = db_->query(sql, params);
    if (!r.ok()) return clean_error(r.status(), path_);
    return r;
  }
  Status exec_script(std::string_view sql) override { return clean_error(db_->exec_script(sql), path_); }
  Status transaction(const std::function<Status()>& body) override {
    return clean_error(db_->transaction(body), path_);
  }

 private:
  std::unique_ptr<SqlDatabase> db_;
  std::string path_;
};

}  // namespace

std::unique_ptr<SqlDatabase> with_clean_errors(std::unique_ptr<SqlDatabase> db, std::string path) {
  return std::make_unique<CleanErrors>(std::move(db), std::move(path));
}

}  // namespace memgpt::vector::embedded
