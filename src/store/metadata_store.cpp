#include "store/metadata_store.h"

#include <fmt/format.h>

#include <filesystem>

#include "store/agent_columns.h"
#include "store/builtin_assets.h"
#include "store/record_sql.h"
#include "util/files.h"

namespace memgpt::store {
using namespace record_sql;
namespace {

// Each entry migrates version i to i+1. Never edit a released entry: append a new one.
// `portable` runs on SQLite and PostgreSQL alike; the dialect parts add what only one has
// (full-text indexes).
struct Migration {
  const char* portable;
  const char* sqlite_only = "";
  const char* postgres_only = "";
};
const Migration kMigrations[] = {
    // 0 -> 1: users, profiles, sources, agents and their links.
    {R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE TABLE profiles (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  text TEXT NOT NULL,
  builtin INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, kind, name));
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  embedding_endpoint_type TEXT NOT NULL DEFAULT '',
  embedding_model TEXT NOT NULL DEFAULT '',
  embedding_dim INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  metadata TEXT NOT NULL DEFAULT '{}',
  UNIQUE (user_id, name));
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  persona TEXT NOT NULL DEFAULT '',
  human TEXT NOT NULL DEFAULT '',
  preset TEXT NOT NULL DEFAULT '',
  llm_config TEXT NOT NULL DEFAULT '{}',
  embedding_config TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT '{}',
  created_at BIGINT NOT NULL,
  last_updated BIGINT NOT NULL,
  UNIQUE (user_id, name));
CREATE TABLE agent_sources (
  agent_id TEXT NOT NULL,
  source_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (agent_id, source_id));
)sql"},
    // 1 -> 2: presets and tools.
    {R"sql(
CREATE TABLE presets (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  system_name TEXT NOT NULL,
  functions TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, name));
CREATE TABLE tools (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  json_schema TEXT NOT NULL DEFAULT '{}',
  source_type TEXT NOT NULL DEFAULT 'builtin',
  created_at BIGINT NOT NULL,
  UNIQUE (user_id, name));
)sql"},
    // 2 -> 3: recall memory (every message of every agent), searchable by text and date.
    // search_text is the human-readable part (the user's words, the agent's thoughts and
    // replies), so a search does not match the JSON envelope of every message.
    {R"sql(
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  user_id TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  role TEXT NOT NULL,
  text TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  tool_calls TEXT NOT NULL DEFAULT '[]',
  tool_call_id TEXT NOT NULL DEFAULT '',
  model TEXT NOT NULL DEFAULT '',
  search_text TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE UNIQUE INDEX messages_agent_seq ON messages (agent_id, seq);
CREATE INDEX messages_agent_time ON messages (agent_id, created_at);
)sql",
     R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(search_text, content='messages',
  content_rowid='rowid', tokenize='trigram');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, search_text)
  VALUES ('delete', old.rowid, old.search_text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, search_text)
  VALUES ('delete', old.rowid, old.search_text);
  INSERT INTO messages_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;
)sql",
     R"sql(
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX messages_search_trgm ON messages USING gin (search_text gin_trgm_ops);
)sql"},
    // 3 -> 4: the server's API keys (only their SHA-256 is kept) and the files uploaded to sources.
    {R"sql(
CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE INDEX api_keys_user ON api_keys (user_id);
CREATE TABLE source_files (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  source_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_type TEXT NOT NULL DEFAULT '',
  file_size BIGINT NOT NULL DEFAULT 0,
  passages BIGINT NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'completed',
  error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL);
CREATE INDEX source_files_source ON source_files (source_id, created_at);
)sql"},
    // 4 -> 5: a source is visible only once loaded ('ready'); 'loading' and 'deleting' mark work
    // a crash may have interrupted, finished or undone by the next load (runtime/sources_service).
    // Uploaded files have the same states in their status ('loading' until stored).
    {R"sql(
ALTER TABLE sources ADD COLUMN state TEXT NOT NULL DEFAULT 'ready';
CREATE INDEX sources_state ON sources (state);
)sql"},
    // 5 -> 6: Letta's descriptive fields of an agent as columns of their own. Until now they
    // were kept inside the saved state, which the agent rewrites after every step (losing them):
    // those still there move to the columns.
    {R"sql(
ALTER TABLE agents ADD COLUMN description TEXT;
ALTER TABLE agents ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE agents ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
)sql",
     R"sql(
UPDATE agents SET description = json_extract(state, '$.description')
  WHERE json_valid(state) AND json_type(state, '$.description') = 'text';
UPDATE agents SET tags = json_extract(state, '$.tags')
  WHERE json_valid(state) AND json_type(state, '$.tags') = 'array';
UPDATE agents SET metadata = json_extract(state, '$.metadata')
  WHERE json_valid(state) AND json_type(state, '$.metadata') = 'object';
)sql",
     R"sql(
UPDATE agents SET description = state::jsonb ->> 'description'
  WHERE jsonb_typeof(state::jsonb -> 'description') = 'string';
UPDATE agents SET tags = (state::jsonb -> 'tags')::text
  WHERE jsonb_typeof(state::jsonb -> 'tags') = 'array';
UPDATE agents SET metadata = (state::jsonb -> 'metadata')::text
  WHERE jsonb_typeof(state::jsonb -> 'metadata') = 'object';
)sql"},
    // 6 -> 7: where a source's vectors live ('' = the per-dimension collections), and re-embeds
    // under way (runtime/reembed_service), so a crash part way is resumed or undone.
    {R"sql(
ALTER TABLE sources ADD COLUMN embedding_space TEXT NOT NULL DEFAULT '';
CREATE TABLE reembeds (
  owner_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  from_config TEXT NOT NULL,
  to_config TEXT NOT NULL,
  phase TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql"},
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

Result<int> read_version(SqlDatabase& db) {
  MEMGPT_RETURN_IF_ERROR(db.exec_script(
      "CREATE TABLE IF NOT EXISTS memgpt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
  MEMGPT_ASSIGN_OR_RETURN(auto rows, db.query("SELECT value FROM memgpt_meta WHERE key = ?",
                                              std::vector<SqlValue>{std::string("schema_version")}));
  if (rows.empty()) return 0;
  return static_cast<int>(rows[0].integer(0));
}

Status set_meta(SqlDatabase& db, const std::string& key, const std::string& value) {
  std::vector<SqlValue> p{key, value};
  auto r = db.exec(
      "INSERT INTO memgpt_meta (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      p);
  return r.status();
}

ProfileRecord row_to_profile(const SqlRow& r) {
  return {r.text(0), r.text(1), r.text(2), r.text(3), r.integer(4) != 0, r.integer(5)};
}

constexpr const char* kAgentCols =
    "id, user_id, name, persona, human, preset, llm_config, embedding_config, state, description, tags, "
    "metadata, created_at, last_updated";
Json parse_or_empty(const std::string& text) {
  Json j = parse_json_or_discarded(text);
  return j.is_discarded() ? Json::object() : j;
}
// A stored agent; one whose saved state cannot be read comes with its state_problem.
AgentRecord row_to_agent(const SqlRow& r) {
  AgentRecord a;
  a.id = r.text(0);
  a.user_id = r.text(1);
  a.name = r.text(2);
  a.persona = r.text(3);
  a.human = r.text(4);
  a.preset = r.text(5);
  a.llm_config = columns::llm_config_of(r.text(6));
  a.embedding_config = columns::embedding_config_of(r.text(7));
  auto state = columns::state_of(r.text(8));
  if (state.ok()) a.state = std::move(*state);
  else a.state_problem = state.status().message();
  if (!r.is_null(9)) a.description = r.text(9);
  a.tags = columns::tags_of(r.text(10));
  a.metadata = columns::metadata_of(r.text(11));
  a.created_at = r.integer(12);
  a.last_updated = r.integer(13);
  return a;
}
}  // namespace

Status unreadable_agent_state(const AgentRecord& agent) {
  return corrupt(fmt::format(
      "agent '{}' has an unreadable saved state ({}): restore the database from a backup or delete the agent",
      agent.name, agent.state_problem));
}

namespace {

// The values of kAgentCols from name to metadata, in order (an INSERT or UPDATE adds the rest).
std::vector<SqlValue> agent_values(const AgentRecord& a) {
  return {v(a.name),
          v(a.persona),
          v(a.human),
          v(a.preset),
          v(columns::llm_config_text(a.llm_config)),
          v(columns::embedding_config_text(a.embedding_config)),
          v(columns::state_text(a.state)),
          a.description ? SqlValue(*a.description) : SqlValue(nullptr),
          v(columns::tags_text(a.tags)),
          v(columns::metadata_text(a.metadata))};
}

PresetRecord row_to_preset(const SqlRow& r) {
  PresetRecord p;
  p.id = r.text(0);
  p.user_id = r.text(1);
  p.name = r.text(2);
  p.description = r.text(3);
  p.system_name = r.text(4);
  Json f = parse_json_or_discarded(r.text(5));
  if (f.is_array()) {
    for (const auto& x : f) {
      if (x.is_string()) p.functions.push_back(x.get<std::string>());
    }
  }
  p.created_at = r.integer(6);
  return p;
}

}  // namespace

int current_schema_version() { return kSchemaVersion; }

const char* profile_kind_name(ProfileKind kind) {
  return kind == ProfileKind::kPersona ? "persona" : "human";
}

Status MetadataStore::migrate_to(SqlDatabase& db, int version) {
  return db.transaction([&]() -> Status {
    MEMGPT_ASSIGN_OR_RETURN(int have, read_version(db));
    if (have > kSchemaVersion) {
      return failed_precondition(fmt::format(
          "the database was written by a newer memgpt (schema version {}, this build knows up to "
          "{}): upgrade memgpt or point MEMGPT_HOME elsewhere",
          have, kSchemaVersion));
    }
    for (int i = have; i < version; ++i) {
      MEMGPT_RETURN_IF_ERROR(db.exec_script(kMigrations[i].portable));
      const char* extra =
          db.dialect() == "sqlite" ? kMigrations[i].sqlite_only : kMigrations[i].postgres_only;
      if (*extra) MEMGPT_RETURN_IF_ERROR(db.exec_script(extra));
      MEMGPT_RETURN_IF_ERROR(set_meta(db, "schema_version", std::to_string(i + 1)));
    }
    return {};
  });
}

Result<std::unique_ptr<MetadataStore>> MetadataStore::open(std::shared_ptr<SqlDatabase> db,
                                                           const Clock& clock) {
  MEMGPT_RETURN_IF_ERROR(migrate_to(*db, kSchemaVersion));
  return std::unique_ptr<MetadataStore>(new MetadataStore(std::move(db), clock));
}

Result<std::unique_ptr<MetadataStore>> MetadataStore::open_sqlite_file(const std::string& path,
                                                                       const Clock& clock) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) MEMGPT_RETURN_IF_ERROR(ensure_dir(p.parent_path().string()));
  MEMGPT_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, open_sqlite(path));
  return open(std::shared_ptr<SqlDatabase>(std::move(db)), clock);
}

Result<int> MetadataStore::schema_version() { return read_version(*db_); }

// ---- users ------------------------------------------------------------------------------------

Result<UserRecord> MetadataStore::ensure_user(const std::string& user_id) {
  if (user_id.empty()) return invalid_argument("user id is empty");
  Status s = db_->transaction([&]() -> Status {
    std::vector<SqlValue> p{v(user_id), v(clock_.now_ms())};
    MEMGPT_RETURN_IF_ERROR(
        db_->exec("INSERT INTO users (id, name, created_at) VALUES (?, '', ?) "
                  "ON CONFLICT (id) DO NOTHING",
                  p)
            .status());
    return seed_builtins(user_id);
  });
  MEMGPT_RETURN_IF_ERROR(s);
  return get_user(user_id);
}

Result<UserRecord> MetadataStore::get_user(const std::string& user_id) {
  std::vector<SqlValue> p{v(user_id)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          db_->query("SELECT id, name, created_at FROM users WHERE id = ?", p));
  if (rows.empty()) return not_found_named("user", user_id);
  return UserRecord{rows[0].text(0), rows[0].text(1), rows[0].integer(2)};
}

Status MetadataStore::seed_builtins(const std::string& user_id) {
  std::string key = "builtins_seeded:" + user_id;
  std::vector<SqlValue> kp{v(key)};
  MEMGPT_ASSIGN_OR_RETURN(auto seeded,
                          db_->query("SELECT value FROM memgpt_meta WHERE key = ?", kp));
  if (!seeded.empty()) return {};
  int64_t now = clock_.now_ms();
  for (auto [kind, folder] : {std::pair{ProfileKind::kPersona, "personas"},
                              std::pair{ProfileKind::kHuman, "humans"}}) {
    for (const auto& name : builtin_asset_names(folder)) {
      auto text = builtin_asset(std::string(folder) + "/" + name + ".txt");
      if (!text) continue;
      while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->remove_suffix(1);
      std::vector<SqlValue> p{v(new_uuid()), v(std::string(profile_kind_name(kind))), v(user_id),
                              v(name), v(std::string(*text)), v(now)};
      MEMGPT_RETURN_IF_ERROR(
          db_->exec("INSERT INTO profiles (id, kind, user_id, name, text, builtin, created_at) "
                    "VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (user_id, kind, name) DO NOTHING",
                    p)
              .status());
    }
  }
  for (const auto& name : builtin_asset_names("presets")) {
    auto text = builtin_asset("presets/" + name + ".json");
    if (!text) continue;
    Json j = parse_json_or_discarded(*text);
    if (!j.is_object()) return internal_error("built-in preset " + name + " is not valid JSON");
    PresetRecord preset;
    preset.user_id = user_id;
    preset.name = name;
    preset.description = j.value("description", "");
    preset.system_name = j.value("system_prompt", name);
    for (const auto& f : j.value("functions", Json::array())) {
      preset.functions.push_back(f.get<std::string>());
    }
    MEMGPT_RETURN_IF_ERROR(put_preset(preset));
  }
  return set_meta(*db_, key, "1");
}

// ---- profiles ---------------------------------------------------------------------------------

Result<ProfileRecord> MetadataStore::add_profile(ProfileKind kind, const ProfileRecord& profile) {
  if (profile.name.empty()) return invalid_argument("a name is required");
  ProfileRecord out = profile;
  if (out.id.empty()) out.id = new_uuid();
  if (out.created_at == 0) out.created_at = clock_.now_ms();
  std::vector<SqlValue> p{v(out.id),   v(std::string(profile_kind_name(kind))),
                          v(out.user_id), v(out.name), v(out.text),
                          v(int64_t{out.builtin ? 1 : 0}), v(out.created_at)};
  auto r = db_->exec(
      "INSERT INTO profiles (id, kind, user_id, name, text, builtin, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      p);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kAlreadyExists) {
      return already_exists(fmt::format("a {} named '{}' already exists",
                                        profile_kind_name(kind), out.name));
    }
    return r.status();
  }
  return out;
}

Status MetadataStore::update_profile_text(ProfileKind kind, const std::string& user_id,
                                          const std::string& name, const std::string& text) {
  std::vector<SqlValue> p{v(text), v(user_id), v(std::string(profile_kind_name(kind))), v(name)};
  MEMGPT_ASSIGN_OR_RETURN(
      int64_t n, db_->exec("UPDATE profiles SET text = ? WHERE user_id = ? AND kind = ? AND name = ?",
                           p));
  if (n == 0) return not_found_named(profile_kind_name(kind), name);
  return {};
}

Result<ProfileRecord> MetadataStore::get_profile(ProfileKind kind, const std::string& user_id,
                                                 const std::string& name) {
  std::vector<SqlValue> p{v(user_id), v(std::string(profile_kind_name(kind))), v(name)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query("SELECT id, user_id, name, text, builtin, created_at FROM profiles "
                            "WHERE user_id = ? AND kind = ? AND name = ?",
                            p));
  if (rows.empty()) return not_found_named(profile_kind_name(kind), name);
  return row_to_profile(rows[0]);
}

Result<std::vector<ProfileRecord>> MetadataStore::list_profiles(ProfileKind kind,
                                                                const std::string& user_id) {
  std::vector<SqlValue> p{v(user_id), v(std::string(profile_kind_name(kind)))};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query("SELECT id, user_id, name, text, builtin, created_at FROM profiles "
                            "WHERE user_id = ? AND kind = ? ORDER BY name",
                            p));
  std::vector<ProfileRecord> out;
  for (const auto& r : rows) out.push_back(row_to_profile(r));
  return out;
}

Status MetadataStore::delete_profile(ProfileKind kind, const std::string& user_id,
                                     const std::string& name) {
  std::vector<SqlValue> p{v(user_id), v(std::string(profile_kind_name(kind))), v(name)};
  MEMGPT_ASSIGN_OR_RETURN(
      int64_t n, db_->exec("DELETE FROM profiles WHERE user_id = ? AND kind = ? AND name = ?", p));
  if (n == 0) return not_found_named(profile_kind_name(kind), name);
  return {};
}

// ---- agents -----------------------------------------------------------------------------------

Result<AgentRecord> MetadataStore::create_agent(const AgentRecord& agent) {
  if (agent.name.empty()) return invalid_argument("an agent name is required");
  AgentRecord out = agent;
  if (out.id.empty()) out.id = new_uuid();
  if (out.created_at == 0) out.created_at = clock_.now_ms();
  out.last_updated = out.created_at;
  std::vector<SqlValue> p{v(out.id), v(out.user_id)};
  for (auto& value : agent_values(out)) p.push_back(std::move(value));
  p.push_back(v(out.created_at));
  p.push_back(v(out.last_updated));
  auto r = db_->exec(fmt::format("INSERT INTO agents ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 kAgentCols),
                     p);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kAlreadyExists) {
      return already_exists(fmt::format("an agent named '{}' already exists", out.name));
    }
    return r.status();
  }
  return out;
}

Result<AgentRecord> MetadataStore::get_agent(const std::string& id) {
  std::vector<SqlValue> p{v(id)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query(fmt::format("SELECT {} FROM agents WHERE id = ?", kAgentCols), p));
  if (rows.empty()) return not_found_named("agent", id);
  return row_to_agent(rows[0]);
}

Result<AgentRecord> MetadataStore::get_agent_by_name(const std::string& user_id,
                                                     const std::string& name) {
  std::vector<SqlValue> p{v(user_id), v(name)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows,
      db_->query(fmt::format("SELECT {} FROM agents WHERE user_id = ? AND name = ?", kAgentCols),
                 p));
  if (rows.empty()) return not_found_named("agent", name);
  return row_to_agent(rows[0]);
}

Result<std::vector<AgentRecord>> MetadataStore::list_agents(const std::string& user_id) {
  std::vector<SqlValue> p{v(user_id)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows,
      db_->query(fmt::format("SELECT {} FROM agents WHERE user_id = ? ORDER BY created_at, name",
                             kAgentCols),
                 p));
  std::vector<AgentRecord> out;
  for (const auto& r : rows) out.push_back(row_to_agent(r));
  return out;
}

Status MetadataStore::update_agent(const AgentRecord& a) {
  if (!a.state_problem.empty()) return unreadable_agent_state(a);
  std::vector<SqlValue> p = agent_values(a);
  p.push_back(v(clock_.now_ms()));
  p.push_back(v(a.id));
  auto r = db_->exec(
      "UPDATE agents SET name = ?, persona = ?, human = ?, preset = ?, llm_config = ?, "
      "embedding_config = ?, state = ?, description = ?, tags = ?, metadata = ?, last_updated = ? "
      "WHERE id = ?",
      p);
  if (!r.ok()) {
    if (r.status().code() == ErrorCode::kAlreadyExists) {
      return already_exists(fmt::format("an agent named '{}' already exists", a.name));
    }
    return r.status();
  }
  if (*r == 0) return not_found_named("agent", a.id);
  return {};
}

Status MetadataStore::delete_agent(const std::string& id) {
  return db_->transaction([&]() -> Status {
    std::vector<SqlValue> p{v(id)};
    MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM agent_sources WHERE agent_id = ?", p).status());
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, db_->exec("DELETE FROM agents WHERE id = ?", p));
    if (n == 0) return not_found_named("agent", id);
    return {};
  });
}

// ---- presets and tools ------------------------------------------------------------------------

Status MetadataStore::put_preset(const PresetRecord& preset) {
  Json functions = preset.functions;
  std::vector<SqlValue> p{v(preset.id.empty() ? new_uuid() : preset.id),
                          v(preset.user_id),
                          v(preset.name),
                          v(preset.description),
                          v(preset.system_name),
                          v(functions.dump()),
                          v(preset.created_at ? preset.created_at : clock_.now_ms())};
  return db_
      ->exec("INSERT INTO presets (id, user_id, name, description, system_name, functions, "
             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, name) DO UPDATE SET "
             "description = excluded.description, system_name = excluded.system_name, "
             "functions = excluded.functions",
             p)
      .status();
}

Result<PresetRecord> MetadataStore::get_preset(const std::string& user_id,
                                               const std::string& name) {
  std::vector<SqlValue> p{v(user_id), v(name)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query("SELECT id, user_id, name, description, system_name, functions, "
                            "created_at FROM presets WHERE user_id = ? AND name = ?",
                            p));
  if (rows.empty()) return not_found_named("preset", name);
  return row_to_preset(rows[0]);
}

Result<std::vector<PresetRecord>> MetadataStore::list_presets(const std::string& user_id) {
  std::vector<SqlValue> p{v(user_id)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db_->query("SELECT id, user_id, name, description, system_name, functions, "
                            "created_at FROM presets WHERE user_id = ? ORDER BY name",
                            p));
  std::vector<PresetRecord> out;
  for (const auto& r : rows) out.push_back(row_to_preset(r));
  return out;
}

Status MetadataStore::put_tool(const ToolRecord& tool) {
  std::vector<SqlValue> p{v(tool.id.empty() ? new_uuid() : tool.id),
                          v(tool.user_id),
                          v(tool.name),
                          v(tool.json_schema.dump()),
                          v(tool.source_type),
                          v(tool.created_at ? tool.created_at : clock_.now_ms())};
  return db_
      ->exec("INSERT INTO tools (id, user_id, name, json_schema, source_type, created_at) "
             "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, name) DO UPDATE SET "
             "json_schema = excluded.json_schema, source_type = excluded.source_type",
             p)
      .status();
}

Result<std::vector<ToolRecord>> MetadataStore::list_tools(const std::string& user_id) {
  std::vector<SqlValue> p{v(user_id)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          db_->query("SELECT id, user_id, name, json_schema, source_type, "
                                     "created_at FROM tools WHERE user_id = ? ORDER BY name",
                                     p));
  std::vector<ToolRecord> out;
  for (const auto& r : rows) {
    out.push_back({r.text(0), r.text(1), r.text(2), parse_or_empty(r.text(3)), r.text(4),
                   r.integer(5)});
  }
  return out;
}

// ---- users and API keys -------------------------------------------------------------------

Result<UserRecord> MetadataStore::create_user(const std::string& name) {
  std::string id = "user-" + new_uuid();
  std::vector<SqlValue> p{v(id), v(name), v(clock_.now_ms())};
  MEMGPT_RETURN_IF_ERROR(db_->exec("INSERT INTO users (id, name, created_at) VALUES (?, ?, ?)", p).status());
  return ensure_user(id);
}

Result<std::vector<UserRecord>> MetadataStore::list_users() {
  MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT id, name, created_at FROM users ORDER BY created_at, id"));
  std::vector<UserRecord> out;
  for (const auto& r : rows) out.push_back(UserRecord{r.text(0), r.text(1), r.integer(2)});
  return out;
}

Status MetadataStore::add_api_key(const std::string& key_hash, const std::string& user_id,
                                  const std::string& name) {
  std::vector<SqlValue> p{v(key_hash), v(user_id), v(name), v(clock_.now_ms())};
  return db_->exec("INSERT INTO api_keys (key_hash, user_id, name, created_at) VALUES (?, ?, ?, ?)", p).status();
}

Result<std::string> MetadataStore::user_for_api_key(const std::string& key_hash) {
  std::vector<SqlValue> p{v(key_hash)};
  MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT user_id FROM api_keys WHERE key_hash = ?", p));
  if (rows.empty()) return not_found("unknown API key");
  return rows[0].text(0);
}

}  // namespace memgpt::store
