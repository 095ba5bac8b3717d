#include "vector/keyword_search.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "util/files.h"
#include "util/json.h"
#include "vector/embedded_schema.h"
#include "vector/hybrid_search.h"
#include "vector/text_tokenizer.h"

namespace memgpt::vector::embedded {

// A filter's rows as a set of rids, complete up to `covered_rid`.
struct AllowedRows {
  int64_t covered_rid = 0;
  std::shared_ptr<const std::vector<bool>> by_rid;
};

struct KeywordState {
  std::shared_mutex mu;
  std::optional<KeywordIndex> index;  // none until first use
  int64_t applied_rowid = 0;          // rows up to this rid are in the index
  int64_t applied_tomb = 0;           // tombstones up to this seq are applied
  int64_t seen_generation = -1;       // the collection's generation when last caught up
  // The catch-up point the file holds, when this process loaded or saved it (-1: unknown).
  std::atomic<int64_t> saved_rowid{-1}, saved_tomb{-1};
  std::mutex allowed_mu;
  std::unordered_map<std::string, AllowedRows> allowed;  // by filter_key()
};

namespace {

constexpr int kFileFormat = 1;
constexpr size_t kMaxCachedFilters = 16;

std::string file_bytes(const KeywordState& s, const std::string& uid) {
  Json meta = {{"format", kFileFormat}, {"uid", uid}, {"applied_rowid", s.applied_rowid}, {"applied_tomb", s.applied_tomb}};
  std::string out = meta.dump() + "\n" + s.index->serialize();
  uint64_t hash = XXH3_64bits(out.data(), out.size());
  char b[8];
  std::memcpy(b, &hash, 8);
  out.append(b, 8);
  return out;
}

// Loads the saved index when it is intact, of this collection and not ahead of the rows.
bool load_saved(const std::string& path, const std::string& uid, int64_t max_rid, int64_t max_tomb, KeywordState& s) {
  auto bytes = read_file(path);
  if (!bytes.ok() || bytes->size() < 8) return false;
  std::string_view all(*bytes);
  uint64_t stored = 0;
  std::memcpy(&stored, all.data() + all.size() - 8, 8);
  all.remove_suffix(8);
  if (XXH3_64bits(all.data(), all.size()) != stored) return false;
  size_t eol = all.find('\n');
  if (eol == std::string_view::npos) return false;
  Json meta = parse_json_or_discarded(std::string(all.substr(0, eol)));
  if (!meta.is_object()) return false;
  int64_t rowid = 0, tomb = 0;
  try {
    if (meta.at("format").get<int>() != kFileFormat || meta.at("uid").get<std::string>() != uid) return false;
    rowid = meta.at("applied_rowid").get<int64_t>();
    tomb = meta.at("applied_tomb").get<int64_t>();
  } catch (const Json::exception&) {
    return false;
  }
  if (rowid < 0 || tomb < 0 || rowid > max_rid || tomb > max_tomb) return false;
  auto index = KeywordIndex::parse(all.substr(eol + 1));
  if (!index || index->last_rid() > rowid) return false;
  s.index = std::move(index);
  s.applied_rowid = rowid;
  s.applied_tomb = tomb;
  s.saved_rowid = rowid;
  s.saved_tomb = tomb;
  return true;
}

}  // namespace

std::shared_ptr<KeywordState> KeywordSearch::state_of(Collection& c) {
  std::lock_guard lock(states_mu_);
  if (!c.keyword) c.keyword = std::make_shared<KeywordState>();
  return c.keyword;
}

Status KeywordSearch::catch_up(Collection& c, KeywordState& s) {
  int64_t generation = 0;
  {
    std::shared_lock read(c.mu);
    generation = c.generation;
  }
  {
    std::shared_lock read(s.mu);
    if (s.index && s.seen_generation == generation) return {};
  }
  std::unique_lock write(s.mu);
  if (s.index && s.seen_generation == generation) return {};
  SqlDatabase& db = ctx_.db;
  if (!s.index) {
    std::vector<SqlValue> p{"c_" + c.spec.name, c.spec.name};
    MEMGPT_ASSIGN_OR_RETURN(auto marks, db.query("SELECT (SELECT seq FROM sqlite_sequence WHERE name = ?), "
                                                 "(SELECT MAX(seq) FROM _tombstones WHERE collection = ?)",
                                                 p));
    if (!load_saved(index_path(c.spec.name), c.uid, marks[0].integer(0), marks[0].integer(1), s)) {
      s.index.emplace();
      s.applied_rowid = 0;
      s.applied_tomb = 0;
    }
  }
  const std::string column = column_of(text_field(c.spec)->name);
  const Analyzer analyzer = analyzer_of(c.spec);
  std::vector<std::string> tokens;
  for (;;) {
    std::vector<SqlValue> q{s.applied_rowid};
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db.query(fmt::format("SELECT rid, {} FROM {} WHERE rid > ? ORDER BY rid LIMIT 4096", column, c.table), q));
    if (rows.empty()) break;
    for (const auto& r : rows) {
      tokens.clear();
      MEMGPT_RETURN_IF_ERROR(
          tokenize(r.text(1), [&](std::string_view t, size_t, size_t) { tokens.emplace_back(t); }, analyzer));
      s.index->add(r.integer(0), tokens);
      s.applied_rowid = r.integer(0);
    }
  }
  std::vector<SqlValue> t{c.spec.name, s.applied_tomb};
  MEMGPT_ASSIGN_OR_RETURN(auto tombs,
                          db.query("SELECT seq, rid FROM _tombstones WHERE collection = ? AND seq > ? ORDER BY seq", t));
  for (const auto& r : tombs) {
    s.index->remove(r.integer(1));
    s.applied_tomb = r.integer(0);
  }
  s.index->compact_if_worthwhile();
  s.seen_generation = generation;
  return {};
}

Result<std::shared_ptr<const std::vector<bool>>> KeywordSearch::allowed_rows(Collection& c, KeywordState& s,
                                                                              const SqlFilter& f) {
  // The caller holds s.mu shared: the index (and applied_rowid) stay as they are.
  const std::string key = filter_key(f);
  AllowedRows entry;
  {
    std::lock_guard lock(s.allowed_mu);
    auto it = s.allowed.find(key);
    if (it != s.allowed.end()) entry = it->second;
  }
  if (entry.by_rid && entry.covered_rid >= s.applied_rowid) return entry.by_rid;
  std::vector<SqlValue> p{entry.covered_rid};
  p.insert(p.end(), f.params.begin(), f.params.end());
  MEMGPT_ASSIGN_OR_RETURN(auto rows,
                          ctx_.db.query(fmt::format("SELECT rid FROM {} WHERE rid > ? AND ({})", c.table, f.where), p));
  auto grown = entry.by_rid ? std::make_shared<std::vector<bool>>(*entry.by_rid) : std::make_shared<std::vector<bool>>();
  int64_t covered = std::max(entry.covered_rid, s.applied_rowid);
  for (const auto& r : rows) {
    auto rid = static_cast<size_t>(r.integer(0));
    if (rid >= grown->size()) grown->resize(std::max(rid + 1, grown->size() * 2), false);
    (*grown)[rid] = true;
  }
  {
    std::lock_guard lock(s.allowed_mu);
    if (s.allowed.size() >= kMaxCachedFilters && !s.allowed.count(key)) s.allowed.clear();
    s.allowed[key] = {covered, grown};
  }
  return std::shared_ptr<const std::vector<bool>>(grown);
}

Result<std::vector<std::pair<int64_t, double>>> KeywordSearch::search(Collection& c, const std::string& text, size_t k,
                                                                      const SqlFilter& f, KeywordStats* stats) {
  MEMGPT_ASSIGN_OR_RETURN(auto terms, query_terms(text, kMaxQueryTerms, analyzer_of(c.spec)));
  if (terms.empty()) return std::vector<std::pair<int64_t, double>>{};
  std::shared_ptr<KeywordState> s = state_of(c);
  MEMGPT_RETURN_IF_ERROR(catch_up(c, *s));
  Bm25Scoring scoring;  // FTS5's, unless the collection has a BM25 function (Milvus's metric)
  if (c.spec.bm25) scoring = {c.spec.bm25->k1, c.spec.bm25->b, true, {}};
  std::vector<std::string> tokens;
  tokens.reserve(terms.size());
  for (auto& t : terms) {
    tokens.push_back(std::move(t.token));
    if (c.spec.bm25) scoring.term_weights.push_back(t.count);  // Milvus weighs a repeated word
  }
  std::shared_lock read(s->mu);
  std::shared_ptr<const std::vector<bool>> allowed;
  if (f.where != "1") {
    MEMGPT_ASSIGN_OR_RETURN(allowed, allowed_rows(c, *s, f));
  }
  std::function<bool(int64_t)> check = [&allowed](int64_t rid) {
    return static_cast<size_t>(rid) < allowed->size() && (*allowed)[static_cast<size_t>(rid)];
  };
  auto hits = s->index->search(tokens, k, allowed ? &check : nullptr, stats, scoring);
  std::vector<std::pair<int64_t, double>> out;
  out.reserve(hits.size());
  for (const auto& h : hits) out.emplace_back(h.rid, h.score);
  return out;
}

Status KeywordSearch::save(Collection& c) {
  std::shared_ptr<KeywordState> s;
  {
    std::lock_guard lock(states_mu_);
    s = c.keyword;
  }
  if (!s) return {};
  std::shared_lock read(s->mu);
  if (!s->index) return {};
  // Unchanged since it was loaded or saved: rewriting it (286 MB at a million rows) gains nothing.
  if (s->saved_rowid == s->applied_rowid && s->saved_tomb == s->applied_tomb) return {};
  if (!write_file_atomic(index_path(c.spec.name), file_bytes(*s, c.uid)).ok()) {
    return io_error(fmt::format("cannot save the keyword index of {} (disk full or not writable?)", c.spec.name));
  }
  s->saved_rowid = s->applied_rowid;
  s->saved_tomb = s->applied_tomb;
  return {};
}

void KeywordSearch::remove_file(const std::string& collection) const {
  std::error_code ec;
  std::filesystem::remove(index_path(collection), ec);
}

}  // namespace memgpt::vector::embedded
