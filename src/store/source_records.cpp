// MetadataStore: sources, their links to agents and their uploaded files.
#include <fmt/format.h>

#include "store/agent_columns.h"
#include "store/metadata_store.h"
#include "store/record_sql.h"

namespace memgpt::store {
using namespace record_sql;
namespace {

constexpr const char* kSourceCols =
    "id, user_id, name, description, embedding_endpoint_type, embedding_model, embedding_dim, "
    "created_at, metadata, state, embedding_space";

// kSourceCols with a table alias ("s.id, s.user_id, ...").
std::string source_cols_of(const char* alias) {
  std::string out;
  std::string_view cols = kSourceCols;
  size_t start = 0;
  while (start < cols.size()) {
    size_t comma = cols.find(", ", start);
    std::string_view col = cols.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    out += (out.empty() ? "" : ", ") + std::string(alias) + "." + std::string(col);
    if (comma == std::string_view::npos) break;
    start = comma + 2;
  }
  return out;
}

SourceState parse_state(const std::string& s) {
  if (s == "loading") return SourceState::kLoading;
  if (s == "deleting") return SourceState::kDeleting;
  return SourceState::kReady;
}

SourceRecord row_to_source(const SqlRow& r) {
  SourceRecord s;
  s.id = r.text(0);
  s.user_id = r.text(1);
  s.name = r.text(2);
  s.description = r.text(3);
  s.embedding_endpoint_type = r.text(4);
  s.embedding_model = r.text(5);
  s.embedding_dim = static_cast<int>(r.integer(6));
  s.created_at = r.integer(7);
  s.metadata = parse_json_or_discarded(r.text(8));
  if (s.metadata.is_discarded()) s.metadata = Json::object();
  s.state = parse_state(r.text(9));
  s.embedding_space = r.text(10);
  return s;
}

Result<std::vector<SourceRecord>> sources_of(SqlDatabase& db, const std::string& sql, std::vector<SqlValue> params) {
  MEMGPT_ASSIGN_OR_RETURN(auto rows, db.query(sql, params));
  std::vector<SourceRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(row_to_source(r));
  return out;
}

constexpr const char* kFileColumns =
    "id, user_id, source_id, file_name, file_type, file_size, passages, status, error, created_at";

FileRecord file_from_row(const SqlRow& r) {
  return FileRecord{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4),
                    r.integer(5), r.integer(6), r.text(7), r.text(8), r.integer(9)};
}

}  // namespace

const char* source_state_name(SourceState state) {
  switch (state) {
    case SourceState::kReady: return "ready";
    case SourceState::kLoading: return "loading";
    case SourceState::kDeleting: return "deleting";
  }
  return "ready";
}

// ---- sources ----------------------------------------------------------------------------------

Result<SourceRecord> MetadataStore::create_source(const SourceRecord& source) {
  if (source.name.empty()) return invalid_argument("a source name is required");
  SourceRecord out = source;
  if (out.id.empty()) out.id = new_uuid();
  if (out.created_at == 0) out.created_at = clock_.now_ms();
  std::vector<SqlValue> p{v(out.id),
                          v(out.user_id),
                          v(out.name),
                          v(out.description),
                          v(out.embedding_endpoint_type),
                          v(out.embedding_model),
                          v(int64_t{out.embedding_dim}),
                          v(out.created_at),
                          v(out.metadata.dump()),
                          v(std::string(source_state_name(out.state))),
                          v(out.embedding_space)};
  auto r = db_->exec(fmt::format("INSERT INTO sources ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 kSourceCols),
                     p);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kAlreadyExists) {
      return already_exists(fmt::format("a source named '{}' already exists", out.name));
    }
    return r.status();
  }
  return out;
}

Result<SourceRecord> MetadataStore::get_source(const std::string& id) {
  MEMGPT_ASSIGN_OR_RETURN(
      auto found, sources_of(*db_, fmt::format("SELECT {} FROM sources WHERE id = ? AND state = 'ready'", kSourceCols),
                             {v(id)}));
  if (found.empty()) return not_found_named("source", id);
  return found[0];
}

Result<SourceRecord> MetadataStore::get_source_by_name(const std::string& user_id,
                                                       const std::string& name) {
  MEMGPT_ASSIGN_OR_RETURN(
      auto found,
      sources_of(*db_,
                 fmt::format("SELECT {} FROM sources WHERE user_id = ? AND name = ? AND state = 'ready'", kSourceCols),
                 {v(user_id), v(name)}));
  if (found.empty()) return not_found_named("source", name);
  return found[0];
}

Result<SourceRecord> MetadataStore::get_source_by_name_in_any_state(const std::string& user_id,
                                                                    const std::string& name) {
  MEMGPT_ASSIGN_OR_RETURN(
      auto found, sources_of(*db_, fmt::format("SELECT {} FROM sources WHERE user_id = ? AND name = ?", kSourceCols),
                             {v(user_id), v(name)}));
  if (found.empty()) return not_found_named("source", name);
  return found[0];
}

Result<std::vector<SourceRecord>> MetadataStore::list_sources(const std::string& user_id) {
  return sources_of(
      *db_,
      fmt::format("SELECT {} FROM sources WHERE user_id = ? AND state = 'ready' ORDER BY created_at, name", kSourceCols),
      {v(user_id)});
}

Result<std::vector<SourceRecord>> MetadataStore::list_unfinished_sources() {
  return sources_of(*db_,
                    fmt::format("SELECT {} FROM sources WHERE state <> 'ready' ORDER BY created_at, id", kSourceCols),
                    {});
}

Status MetadataStore::update_source(const SourceRecord& s) {
  std::vector<SqlValue> p{v(s.name), v(s.description), v(s.embedding_endpoint_type),
                          v(s.embedding_model), v(int64_t{s.embedding_dim}), v(s.metadata.dump()),
                          v(std::string(source_state_name(s.state))), v(s.embedding_space), v(s.id)};
  auto r = db_->exec(
      "UPDATE sources SET name = ?, description = ?, embedding_endpoint_type = ?, "
      "embedding_model = ?, embedding_dim = ?, metadata = ?, state = ?, embedding_space = ? WHERE id = ?",
      p);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kAlreadyExists) {
      return already_exists(fmt::format("a source named '{}' already exists", s.name));
    }
    return r.status();
  }
  if (*r == 0) return not_found_named("source", s.id);
  return {};
}

Result<std::vector<std::string>> MetadataStore::begin_source_delete(const std::string& id) {
  std::vector<std::string> agents;
  MEMGPT_RETURN_IF_ERROR(db_->transaction([&]() -> Status {
    agents.clear();
    std::vector<SqlValue> p{v(id)};
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, db_->exec("UPDATE sources SET state = 'deleting' WHERE id = ?", p));
    if (n == 0) return not_found_named("source", id);
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query("SELECT agent_id FROM agent_sources WHERE source_id = ? ORDER BY agent_id", p));
    for (const auto& r : rows) agents.push_back(r.text(0));
    return db_->exec("DELETE FROM agent_sources WHERE source_id = ?", p).status();
  }));
  return agents;
}

Status MetadataStore::delete_source(const std::string& id) {
  return db_->transaction([&]() -> Status {
    std::vector<SqlValue> p{v(id)};
    MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM agent_sources WHERE source_id = ?", p).status());
    MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM source_files WHERE source_id = ?", p).status());
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, db_->exec("DELETE FROM sources WHERE id = ?", p));
    if (n == 0) return not_found_named("source", id);
    return {};
  });
}

// ---- links ------------------------------------------------------------------------------------

Status MetadataStore::attach_source(const std::string& agent_id, const std::string& source_id) {
  return db_->transaction([&]() -> Status {
    std::vector<SqlValue> id{v(source_id)};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT state FROM sources WHERE id = ?", id));
    if (rows.empty()) return not_found_named("source", source_id);
    if (rows[0].text(0) != "ready") {
      return failed_precondition(fmt::format("source '{}' is being {}", source_id, rows[0].text(0)));
    }
    std::vector<SqlValue> p{v(agent_id), v(source_id), v(clock_.now_ms())};
    return db_
        ->exec("INSERT INTO agent_sources (agent_id, source_id, created_at) VALUES (?, ?, ?) "
               "ON CONFLICT (agent_id, source_id) DO NOTHING",
               p)
        .status();
  });
}

Status MetadataStore::detach_source(const std::string& agent_id, const std::string& source_id) {
  std::vector<SqlValue> p{v(agent_id), v(source_id)};
  MEMGPT_ASSIGN_OR_RETURN(
      int64_t n, db_->exec("DELETE FROM agent_sources WHERE agent_id = ? AND source_id = ?", p));
  if (n == 0) return not_found("the source is not attached to this agent");
  return {};
}

Result<std::vector<SourceRecord>> MetadataStore::list_agent_sources(const std::string& agent_id) {
  return sources_of(*db_,
                    fmt::format("SELECT {} FROM sources s JOIN agent_sources l ON l.source_id = s.id "
                                "WHERE l.agent_id = ? AND s.state = 'ready' ORDER BY s.name",
                                source_cols_of("s")),
                    {v(agent_id)});
}

Result<std::vector<std::string>> MetadataStore::list_source_agents(const std::string& source_id) {
  std::vector<SqlValue> p{v(source_id)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows,
      db_->query("SELECT agent_id FROM agent_sources WHERE source_id = ? ORDER BY agent_id", p));
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.text(0));
  return out;
}

// ---- files ------------------------------------------------------------------------------------

Result<FileRecord> MetadataStore::add_file(const FileRecord& file) {
  FileRecord out = file;
  if (out.id.empty()) out.id = "file-" + new_uuid();
  if (out.created_at == 0) out.created_at = clock_.now_ms();
  std::vector<SqlValue> p{v(out.id), v(out.user_id), v(out.source_id), v(out.file_name), v(out.file_type),
                          v(out.file_size), v(out.passages), v(out.status), v(out.error), v(out.created_at)};
  MEMGPT_RETURN_IF_ERROR(
      db_->exec(fmt::format("INSERT INTO source_files ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kFileColumns), p)
          .status());
  return out;
}

Status MetadataStore::update_file(const FileRecord& file) {
  std::vector<SqlValue> p{v(file.status), v(file.passages), v(file.error), v(file.id)};
  MEMGPT_ASSIGN_OR_RETURN(int64_t n,
                          db_->exec("UPDATE source_files SET status = ?, passages = ?, error = ? WHERE id = ?", p));
  if (n == 0) return not_found_named("file", file.id);
  return {};
}

Result<std::vector<FileRecord>> MetadataStore::list_files(const std::string& source_id) {
  std::vector<SqlValue> p{v(source_id)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query(fmt::format("SELECT {} FROM source_files WHERE source_id = ? AND status <> 'loading' "
                                        "ORDER BY created_at, id",
                                        kFileColumns),
                            p));
  std::vector<FileRecord> out;
  for (const auto& r : rows) out.push_back(file_from_row(r));
  return out;
}

Result<std::vector<FileRecord>> MetadataStore::list_unfinished_files() {
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query(fmt::format("SELECT {} FROM source_files WHERE status = 'loading' ORDER BY created_at, id",
                                        kFileColumns)));
  std::vector<FileRecord> out;
  for (const auto& r : rows) out.push_back(file_from_row(r));
  return out;
}

Result<FileRecord> MetadataStore::get_file(const std::string& id) {
  std::vector<SqlValue> p{v(id)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          db_->query(fmt::format("SELECT {} FROM source_files WHERE id = ?", kFileColumns), p));
  if (rows.empty()) return not_found_named("file", id);
  return file_from_row(rows[0]);
}

Status MetadataStore::delete_file(const std::string& id) {
  std::vector<SqlValue> p{v(id)};
  MEMGPT_ASSIGN_OR_RETURN(int64_t n, db_->exec("DELETE FROM source_files WHERE id = ?", p));
  if (n == 0) return not_found_named("file", id);
  return {};
}

// ---- re-embeds under way -----------------------------------------------------------------------

namespace {

constexpr const char* kReembedColumns = "owner_id, kind, from_config, to_config, phase, created_at";

ReembedRecord reembed_from_row(const SqlRow& r) {
  ReembedRecord out;
  out.owner_id = r.text(0);
  out.kind = r.text(1);
  out.from = columns::embedding_config_of(r.text(2));
  out.to = columns::embedding_config_of(r.text(3));
  out.phase = r.text(4) == "cleanup" ? ReembedPhase::kCleanup : ReembedPhase::kStaging;
  out.created_at = r.integer(5);
  return out;
}

}  // namespace

Status MetadataStore::put_reembed(const ReembedRecord& reembed) {
  int64_t created = reembed.created_at == 0 ? clock_.now_ms() : reembed.created_at;
  std::vector<SqlValue> p{v(reembed.owner_id),
                          v(reembed.kind),
                          v(columns::embedding_config_text(reembed.from)),
                          v(columns::embedding_config_text(reembed.to)),
                          v(std::string(reembed.phase == ReembedPhase::kCleanup ? "cleanup" : "staging")),
                          v(created)};
  return db_->transaction([&]() -> Status {
    std::vector<SqlValue> owner{v(reembed.owner_id)};
    MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM reembeds WHERE owner_id = ?", owner).status());
    return db_->exec(fmt::format("INSERT INTO reembeds ({}) VALUES (?, ?, ?, ?, ?, ?)", kReembedColumns), p).status();
  });
}

Result<ReembedRecord> MetadataStore::get_reembed(const std::string& owner_id) {
  std::vector<SqlValue> p{v(owner_id)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          db_->query(fmt::format("SELECT {} FROM reembeds WHERE owner_id = ?", kReembedColumns), p));
  if (rows.empty()) return not_found(fmt::format("no re-embed of '{}' is under way", owner_id));
  return reembed_from_row(rows[0]);
}

Status MetadataStore::delete_reembed(const std::string& owner_id) {
  std::vector<SqlValue> p{v(owner_id)};
  return db_->exec("DELETE FROM reembeds WHERE owner_id = ?", p).status();
}

Result<std::vector<ReembedRecord>> MetadataStore::list_reembeds() {
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query(fmt::format("SELECT {} FROM reembeds ORDER BY created_at, owner_id", kReembedColumns)));
  std::vector<ReembedRecord> out;
  for (const auto& r : rows) out.push_back(reembed_from_row(r));
  return out;
}

}  // namespace memgpt::store
