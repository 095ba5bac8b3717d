// The metadata store: users, agents, sources, agent<->source links, personas, humans, presets
// and tools. Written once in portable SQL over SqlDatabase (SQLite by default, PostgreSQL for
// servers). The schema is versioned; opening an older database migrates it forward, a newer one
// is refused. Thread-safety: as the underlying SqlDatabase (safe to share).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/agent_record.h"
#include "store/sql.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::store {

// The schema version this build writes. See kMigrations in metadata_store.cpp.
int current_schema_version();

struct UserRecord {
  std::string id;
  std::string name;
  int64_t created_at = 0;
};

enum class ProfileKind { kPersona, kHuman };
const char* profile_kind_name(ProfileKind kind);  // "persona" | "human"

// A persona or human text that seeds an agent's core memory.
struct ProfileRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string text;
  bool builtin = false;  // shipped with memgpt (copied into the store on first use)
  int64_t created_at = 0;
};

// A source is visible (listed, attachable, searchable) only when kReady. A load creates it
// kLoading and marks it kReady when every passage is stored; a delete marks it kDeleting
// first. Records left in the other states by a crash are finished or undone by
// runtime::SourcesService::recover().
enum class SourceState { kReady, kLoading, kDeleting };
const char* source_state_name(SourceState state);  // "ready" | "loading" | "deleting"

struct SourceRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string description;
  std::string embedding_endpoint_type;
  std::string embedding_model;
  int embedding_dim = 0;
  // Which collections hold the passages: "" the per-dimension ones a load writes; else the
  // embedder's own, written by a re-embed (sources::VectorSpace).
  std::string embedding_space;
  int64_t created_at = 0;
  Json metadata = Json::object();
  SourceState state = SourceState::kReady;
};

// A re-embed under way (runtime/reembed_service.h): the new vectors are written beside the old
// ones (kStaging), then the record switches to them in one transaction and the old ones are
// removed (kCleanup). Whoever finds one left by a crash resumes or undoes it.
enum class ReembedPhase { kStaging, kCleanup };
struct ReembedRecord {
  std::string owner_id;      // the source's or the agent's id
  std::string kind;          // "source" | "agent"
  AgentEmbeddingConfig from;  // the embedder (and space) the vectors had
  AgentEmbeddingConfig to;    // the embedder (and space) being written
  ReembedPhase phase = ReembedPhase::kStaging;
  int64_t created_at = 0;
};

struct PresetRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string description;
  std::string system_name;              // the system prompt the preset uses
  std::vector<std::string> functions;   // function names available to agents
  int64_t created_at = 0;
};

struct ToolRecord {
  std::string id;
  std::string user_id;
  std::string name;
  Json json_schema = Json::object();  // OpenAI function schema
  std::string source_type = "builtin";
  int64_t created_at = 0;
};

// A file uploaded to a source through the server (its passages are in the source).
struct FileRecord {
  std::string id;
  std::string user_id;
  std::string source_id;
  std::string file_name;
  std::string file_type;  // MIME type
  int64_t file_size = 0;
  int64_t passages = 0;
  std::string status = "completed";  // completed | error | loading (passages being stored)
  std::string error;
  int64_t created_at = 0;
};

// kCorrupt for an agent whose saved state cannot be read (AgentRecord::state_problem).
Status unreadable_agent_state(const AgentRecord& agent);

class MetadataStore {
 public:
  // Migrates `db` to the current schema (kFailedPrecondition when it is newer).
  static Result<std::unique_ptr<MetadataStore>> open(std::shared_ptr<SqlDatabase> db,
                                                     const Clock& clock = SystemClock::instance());
  // Opens (creating) an SQLite file; its folder is created when missing.
  static Result<std::unique_ptr<MetadataStore>> open_sqlite_file(
      const std::string& path, const Clock& clock = SystemClock::instance());
  // For tests: migrate a raw database only up to `version`.
  static Status migrate_to(SqlDatabase& db, int version);

  SqlDatabase& db() { return *db_; }
  std::shared_ptr<SqlDatabase> shared_db() { return db_; }
  Result<int> schema_version();

  // Users. ensure_user creates the user when absent and seeds the built-in personas, humans
  // and presets for them once (a deleted built-in stays deleted).
  Result<UserRecord> ensure_user(const std::string& user_id);
  Result<UserRecord> get_user(const std::string& user_id);

  // Personas and humans. Names are unique per user and kind.
  Result<ProfileRecord> add_profile(ProfileKind kind, const ProfileRecord& profile);
  Status update_profile_text(ProfileKind kind, const std::string& user_id,
                             const std::string& name, const std::string& text);
  Result<ProfileRecord> get_profile(ProfileKind kind, const std::string& user_id,
                                    const std::string& name);
  Result<std::vector<ProfileRecord>> list_profiles(ProfileKind kind, const std::string& user_id);
  Status delete_profile(ProfileKind kind, const std::string& user_id, const std::string& name);

  // Sources (names unique per user, whatever their state). get/list see ready sources only.
  Result<SourceRecord> create_source(const SourceRecord& source);
  Result<SourceRecord> get_source(const std::string& id);
  Result<SourceRecord> get_source_by_name(const std::string& user_id, const std::string& name);
  Result<std::vector<SourceRecord>> list_sources(const std::string& user_id);
  Status update_source(const SourceRecord& source);  // writes its state too
  Status delete_source(const std::string& id);  // also removes its agent links and files
  // The source of that name in any state (a load checks for one a crash left behind).
  Result<SourceRecord> get_source_by_name_in_any_state(const std::string& user_id, const std::string& name);
  // Every source not ready, of every user (work a crash may have interrupted).
  Result<std::vector<SourceRecord>> list_unfinished_sources();
  // In one transaction: marks the source kDeleting and removes its links to agents. Returns
  // the agents it was attached to.
  Result<std::vector<std::string>> begin_source_delete(const std::string& id);

  // Agents (names unique per user).
  Result<AgentRecord> create_agent(const AgentRecord& agent);
  Result<AgentRecord> get_agent(const std::string& id);
  Result<AgentRecord> get_agent_by_name(const std::string& user_id, const std::string& name);
  Result<std::vector<AgentRecord>> list_agents(const std::string& user_id);
  Status update_agent(const AgentRecord& agent);  // bumps last_updated
  Status delete_agent(const std::string& id);     // also removes its source links

  // Agent <-> source links (attaching twice is a no-op; only a ready source can be attached:
  // kFailedPrecondition otherwise).
  Status attach_source(const std::string& agent_id, const std::string& source_id);
  Status detach_source(const std::string& agent_id, const std::string& source_id);
  Result<std::vector<SourceRecord>> list_agent_sources(const std::string& agent_id);
  Result<std::vector<std::string>> list_source_agents(const std::string& source_id);

  // Presets and tools (upsert by name).
  Status put_preset(const PresetRecord& preset);
  Result<PresetRecord> get_preset(const std::string& user_id, const std::string& name);
  Result<std::vector<PresetRecord>> list_presets(const std::string& user_id);
  Status put_tool(const ToolRecord& tool);
  Result<std::vector<ToolRecord>> list_tools(const std::string& user_id);

  // Users and their server API keys (looked up by the key's SHA-256, never stored in clear).
  Result<UserRecord> create_user(const std::string& name);
  Result<std::vector<UserRecord>> list_users();
  Status add_api_key(const std::string& key_hash, const std::string& user_id, const std::string& name);
  Result<std::string> user_for_api_key(const std::string& key_hash);  // kNotFound when unknown

  // Re-embeds under way, one per source or agent (put replaces).
  Status put_reembed(const ReembedRecord& reembed);
  Result<ReembedRecord> get_reembed(const std::string& owner_id);  // kNotFound when none
  Status delete_reembed(const std::string& owner_id);
  Result<std::vector<ReembedRecord>> list_reembeds();

  // Files uploaded to sources. list_files leaves out files still loading.
  Result<FileRecord> add_file(const FileRecord& file);
  Status update_file(const FileRecord& file);  // status, passages, error
  Result<std::vector<FileRecord>> list_files(const std::string& source_id);
  Result<FileRecord> get_file(const std::string& id);
  Status delete_file(const std::string& id);
  // Files whose upload has not finished ('loading'), of every source.
  Result<std::vector<FileRecord>> list_unfinished_files();

 private:
  MetadataStore(std::shared_ptr<SqlDatabase> db, const Clock& clock) : db_(std::move(db)), clock_(clock) {}
  Status seed_builtins(const std::string& user_id);

  std::shared_ptr<SqlDatabase> db_;
  const Clock& clock_;
};

}  // namespace memgpt::store
