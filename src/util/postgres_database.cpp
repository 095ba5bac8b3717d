// SqlDatabase over libpq. Statements use `?` placeholders like the SQLite side; they are
// rewritten to $1, $2, ... here. Values travel as text, results come back typed by column OID.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <mutex>

#include "util/sql.h"

namespace memgpt {
namespace {

// Column type OIDs (pg_type.h).
constexpr Oid kInt8 = 20, kInt2 = 21, kInt4 = 23, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700,
              kBool = 16;

std::string rewrite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

class PostgresDatabase final : public SqlDatabase {
 public:
  PostgresDatabase(PGconn* conn, std::string uri) : conn_(conn), uri_(std::move(uri)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  std::string_view dialect() const override { return "postgres"; }

  Result<int64_t> exec(std::string_view sql, std::span<const SqlValue> params) override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(PGresult * res, run(sql, params));
    const char* tuples = PQcmdTuples(res);
    int64_t n = (tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
    PQclear(res);
    return n;
  }

  Result<std::vector<SqlRow>> query(std::string_view sql,
                                    std::span<const SqlValue> params) override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(PGresult * res, run(sql, params));
    std::vector<SqlRow> rows;
    int nrows = PQntuples(res), ncols = PQnfields(res);
    rows.reserve(nrows);
    for (int r = 0; r < nrows; ++r) {
      std::vector<SqlValue> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(res, r, c)) {
          values.emplace_back(nullptr);
          continue;
        }
        const char* v = PQgetvalue(res, r, c);
        switch (PQftype(res, c)) {
          case kInt8:
          case kInt4:
          case kInt2: values.emplace_back(int64_t{std::strtoll(v, nullptr, 10)}); break;
          case kFloat4:
          case kFloat8:
          case kNumeric: values.emplace_back(std::strtod(v, nullptr)); break;
          case kBool: values.emplace_back(int64_t{v[0] == 't' ? 1 : 0}); break;
          default: values.emplace_back(std::string(v, PQgetlength(res, r, c)));
        }
      }
      rows.emplace_back(std::move(values));
    }
    PQclear(res);
    return rows;
  }

  Status exec_script(std::string_view sql) override {
    std::lock_guard lock(mu_);
    std::string s(sql);
    PGresult* res = PQexec(conn_, s.c_str());
    Status st = check(res);
    PQclear(res);
    return st;
  }

  Status transaction(const std::function<Status()>& body) override {
    std::lock_guard lock(mu_);
    if (in_transaction_) return body();
    MEMGPT_RETURN_IF_ERROR(exec_script("BEGIN"));
    in_transaction_ = true;
    Status s;
    try {
      s = body();
    } catch (...) {
      in_transaction_ = false;
      (void)exec_script("ROLLBACK");
      throw;
    }
    in_transaction_ = false;
    if (!s.ok()) {
      (void)exec_script("ROLLBACK");
      return s;
    }
    Status c = exec_script("COMMIT");
    if (!c.ok()) (void)exec_script("ROLLBACK");
    return c;
  }

 private:
  Result<PGresult*> run(std::string_view sql, std::span<const SqlValue> params) {
    std::string text = rewrite_placeholders(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlValue& v = params[i];
      if (auto n = std::get_if<int64_t>(&v)) storage[i] = std::to_string(*n);
      else if (auto d = std::get_if<double>(&v)) storage[i] = fmt::format("{}", *d);
      else if (auto s = std::get_if<std::string>(&v)) storage[i] = *s;
      else if (auto b = std::get_if<SqlBlob>(&v)) storage[i] = b->bytes;
      else continue;  // NULL
      values[i] = storage[i].c_str();
    }
    PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    Status st = check(res);
    if (!st.ok()) {
      PQclear(res);
      return st;
    }
    return res;
  }

  Status check(PGresult* res) {
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg = msg.substr(0, nl);
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    if (PQstatus(conn_) == CONNECTION_BAD) {
      return unavailable(fmt::format("PostgreSQL at {} is unreachable: {}", redacted(), msg));
    }
    if (code == "23505") return already_exists(msg);
    if (code == "40001" || code == "40P01" || code == "55P03") return unavailable(msg);
    if (code.rfind("42", 0) == 0 || code.rfind("22", 0) == 0) return invalid_argument(msg);
    return internal_error(fmt::format("PostgreSQL: {}", msg));
  }

  std::string redacted() const {
    // postgresql://user:secret@host/db -> postgresql://user:***@host/db
    std::string u = uri_;
    auto scheme = u.find("://");
    auto at = u.find('@');
    if (scheme != std::string::npos && at != std::string::npos) {
      auto colon = u.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) u.replace(colon + 1, at - colon - 1, "***");
    }
    return u;
  }

  PGconn* conn_;
  std::string uri_;
  std::recursive_mutex mu_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<SqlDatabase>> open_postgres(const std::string& uri) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (auto nl = msg.find('\n'); nl != std::string::npos) msg = msg.substr(0, nl);
    return unavailable(fmt::format(
        "cannot connect to PostgreSQL: {} (check [recall_storage] uri in the memgpt config)", msg));
  }
  // Notices (e.g. "extension already exists") are not for the user's terminal.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<SqlDatabase>(new PostgresDatabase(conn, uri));
}

}  // namespace memgpt
