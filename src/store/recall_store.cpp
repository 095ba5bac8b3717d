#include "store/recall_store.h"

#include <fmt/format.h>

#include <limits>
#include <unordered_map>

namespace memgpt::store {
namespace {

constexpr const char* kCols =
    "id, user_id, agent_id, role, text, name, tool_calls, tool_call_id, model, search_text, "
    "created_at, seq";

MessageRecord row_to_message(const SqlRow& r) {
  MessageRecord m;
  m.id = r.text(0);
  m.user_id = r.text(1);
  m.agent_id = r.text(2);
  m.role = r.text(3);
  m.text = r.text(4);
  m.name = r.text(5);
  m.tool_calls = parse_json_or_discarded(r.text(6));
  if (!m.tool_calls.is_array()) m.tool_calls = Json::array();
  m.tool_call_id = r.text(7);
  m.model = r.text(8);
  m.search_text = r.text(9);
  m.created_at = r.integer(10);
  m.seq = r.integer(11);
  return m;
}

// Escapes LIKE wildcards so user text matches literally (ESCAPE '\').
std::string like_pattern(const std::string& q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

// An FTS5 phrase: the whole query as a literal string.
std::string fts_phrase(const std::string& q) {
  std::string out = "\"";
  for (char c : q) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// The total of matching messages and one page of them, oldest first.
Result<MessagePage> page_of(SqlDatabase& db, const std::string& where, std::vector<SqlValue> params,
                            int64_t offset, int64_t limit) {
  MessagePage page;
  MEMGPT_ASSIGN_OR_RETURN(auto total,
                          db.query(fmt::format("SELECT COUNT(*) FROM messages WHERE {}", where), params));
  page.total = total[0].integer(0);
  params.emplace_back(limit);
  params.emplace_back(offset);
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db.query(fmt::format("SELECT {} FROM messages WHERE {} ORDER BY seq LIMIT ? OFFSET ?", kCols, where),
                          params));
  for (const auto& r : rows) page.rows.push_back(row_to_message(r));
  return page;
}

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

}  // namespace

Status RecallStore::append(std::vector<MessageRecord>& messages) {
  if (messages.empty()) return {};
  return db_->transaction([&]() -> Status {
    std::unordered_map<std::string, int64_t> next_seq;
    for (auto& m : messages) {
      if (m.agent_id.empty() || m.id.empty()) {
        return invalid_argument("a message needs an id and an agent id");
      }
      auto it = next_seq.find(m.agent_id);
      if (it == next_seq.end()) {
        std::vector<SqlValue> p{m.agent_id};
        MEMGPT_ASSIGN_OR_RETURN(
            auto rows, db_->query("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE agent_id = ?", p));
        it = next_seq.emplace(m.agent_id, rows[0].integer(0) + 1).first;
      }
      m.seq = it->second++;
      std::vector<SqlValue> p{m.id,           m.user_id,  m.agent_id,         m.role,
                              m.text,         m.name,     m.tool_calls.dump(), m.tool_call_id,
                              m.model,        m.search_text, m.created_at,     m.seq};
      MEMGPT_RETURN_IF_ERROR(
          db_->exec(fmt::format("INSERT INTO messages ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                "?, ?)",
                                kCols),
                    p)
              .status());
    }
    return {};
  });
}

Result<std::vector<MessageRecord>> RecallStore::get(const std::vector<std::string>& ids) {
  std::vector<MessageRecord> out;
  out.reserve(ids.size());
  if (ids.empty()) return out;
  std::unordered_map<std::string, MessageRecord> by_id;
  // Chunks keep the statement under every engine's parameter limit.
  for (size_t start = 0; start < ids.size(); start += 500) {
    size_t end = std::min(ids.size(), start + 500);
    std::string marks;
    std::vector<SqlValue> p;
    for (size_t i = start; i < end; ++i) {
      marks += marks.empty() ? "?" : ", ?";
      p.emplace_back(ids[i]);
    }
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows,
        db_->query(fmt::format("SELECT {} FROM messages WHERE id IN ({})", kCols, marks), p));
    for (const auto& r : rows) {
      MessageRecord m = row_to_message(r);
      by_id.emplace(m.id, std::move(m));
    }
  }
  for (const auto& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return not_found(fmt::format("message {} not found", id));
    out.push_back(it->second);
  }
  return out;
}

Result<std::vector<MessageRecord>> RecallStore::list(const std::string& agent_id,
                                                     int64_t after_seq, int64_t before_seq,
                                                     int64_t limit, bool newest_first) {
  std::vector<SqlValue> p{agent_id, after_seq,
                          before_seq > 0 ? before_seq : std::numeric_limits<int64_t>::max(),
                          limit < 0 ? std::numeric_limits<int64_t>::max() : limit};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows,
      db_->query(fmt::format("SELECT {} FROM messages WHERE agent_id = ? AND seq > ? AND seq < ? "
                             "ORDER BY seq {} LIMIT ?",
                             kCols, newest_first ? "DESC" : "ASC"),
                 p));
  std::vector<MessageRecord> out;
  for (const auto& r : rows) out.push_back(row_to_message(r));
  return out;
}

Result<int64_t> RecallStore::count(const std::string& agent_id) {
  std::vector<SqlValue> p{agent_id};
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          db_->query("SELECT COUNT(*) FROM messages WHERE agent_id = ?", p));
  return rows[0].integer(0);
}

Result<MessagePage> RecallStore::search_text(const std::string& agent_id,
                                             const std::string& query, int64_t offset,
                                             int64_t limit) {
  std::string where;
  std::vector<SqlValue> p{agent_id};
  // The trigram index answers substrings of 3+ characters; shorter ones scan with LIKE.
  if (db_->dialect() == "sqlite" && utf8_length(query) >= 3) {
    where =
        "agent_id = ? AND role IN ('user', 'assistant') AND rowid IN (SELECT rowid FROM "
        "messages_fts WHERE messages_fts MATCH ?)";
    p.emplace_back(fts_phrase(query));
  } else {
    where = db_->dialect() == "sqlite"
                ? "agent_id = ? AND role IN ('user', 'assistant') AND search_text LIKE ? ESCAPE '\\'"
                : "agent_id = ? AND role IN ('user', 'assistant') AND search_text ILIKE ? ESCAPE "
                  "'\\'";
    p.emplace_back(like_pattern(query));
  }
  return page_of(*db_, where, std::move(p), offset, limit);
}

Result<MessagePage> RecallStore::search_date(const std::string& agent_id, int64_t start_ms,
                                             int64_t end_ms, int64_t offset, int64_t limit) {
  // Like search_text, only conversation: messages with searchable text (heartbeats, alerts and
  // login events are user messages without any).
  const char* where =
      "agent_id = ? AND role IN ('user', 'assistant') AND search_text <> '' AND created_at >= ? AND "
      "created_at < ?";
  return page_of(*db_, where, {agent_id, start_ms, end_ms}, offset, limit);
}

Status RecallStore::update_text(const std::string& id, const std::string& text,
                                const std::string& search_text, const Json& tool_calls) {
  std::vector<SqlValue> p{text, search_text, tool_calls.dump(), id};
  MEMGPT_ASSIGN_OR_RETURN(
      int64_t n,
      db_->exec("UPDATE messages SET text = ?, search_text = ?, tool_calls = ? WHERE id = ?", p));
  if (n == 0) return not_found(fmt::format("message {} not found", id));
  return {};
}

Status RecallStore::remove(const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  return db_->transaction([&]() -> Status {
    for (const auto& id : ids) {
      std::vector<SqlValue> p{id};
      MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM messages WHERE id = ?", p).status());
    }
    return {};
  });
}

Result<int64_t> RecallStore::remove_agent(const std::string& agent_id) {
  std::vector<SqlValue> p{agent_id};
  return db_->exec("DELETE FROM messages WHERE agent_id = ?", p);
}

}  // namespace memgpt::store
