// Recall memory: every message of every agent, in order, searchable by text (case-insensitive
// substring; FTS5 trigram index on SQLite, pg_trgm on PostgreSQL) and by date. Usually in the
// metadata store's database, so an agent's messages and state are saved in one transaction
// (store/agent_commit.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/sql.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::store {

struct MessageRecord {
  std::string id;
  std::string user_id;
  std::string agent_id;
  std::string role;  // system | user | assistant | tool
  std::string text;  // content as sent to the model (user inputs are JSON-packed)
  std::string name;  // tool: the function name
  Json tool_calls = Json::array();  // assistant: [{id, type:"function", function:{name, arguments}}]
  std::string tool_call_id;         // tool: the call this answers
  std::string model;                // assistant: the model that wrote it
  std::string search_text;          // what text search looks at (human-readable part)
  int64_t created_at = 0;
  int64_t seq = 0;  // order within the agent, assigned on insert
};

struct MessagePage {
  std::vector<MessageRecord> rows;
  int64_t total = 0;  // all matches, not just this page
};

class RecallStore {
 public:
  explicit RecallStore(std::shared_ptr<SqlDatabase> db) : db_(std::move(db)) {}
  const std::shared_ptr<SqlDatabase>& database() const { return db_; }

  // Appends messages (assigning seq after the agent's last); all or none.
  Status append(std::vector<MessageRecord>& messages);
  // Rows for `ids`, in the order of `ids`; kNotFound naming the first missing id.
  Result<std::vector<MessageRecord>> get(const std::vector<std::string>& ids);
  // Messages of an agent with after_seq < seq < before_seq (0 = unbounded), oldest first or
  // newest first, at most `limit` (-1 = all).
  Result<std::vector<MessageRecord>> list(const std::string& agent_id, int64_t after_seq,
                                          int64_t before_seq, int64_t limit, bool newest_first);
  Result<int64_t> count(const std::string& agent_id);
  // Case-insensitive substring search over user and assistant messages, oldest first.
  Result<MessagePage> search_text(const std::string& agent_id, const std::string& query,
                                  int64_t offset, int64_t limit);
  // Messages with start_ms <= created_at < end_ms, oldest first: the conversation that
  // search_text searches (user and assistant text; no heartbeats, alerts or login events).
  Result<MessagePage> search_date(const std::string& agent_id, int64_t start_ms, int64_t end_ms,
                                  int64_t offset, int64_t limit);
  Status update_text(const std::string& id, const std::string& text,
                     const std::string& search_text, const Json& tool_calls);
  Status remove(const std::vector<std::string>& ids);
  Result<int64_t> remove_agent(const std::string& agent_id);

 private:
  std::shared_ptr<SqlDatabase> db_;
};

}  // namespace memgpt::store
