#include "vector/embedded_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "util/clock.h"
#include "util/files.h"
#include "util/sql.h"
#include "vector/embedded_caches.h"
#include "vector/embedded_collection.h"
#include "vector/embedded_db.h"
#include "vector/embedded_schema.h"
#include "vector/filter.h"
#include "vector/filter_sql.h"
#include "vector/filtered_search.h"
#include "vector/hybrid_search.h"
#include "vector/index_catch_up.h"
#include "vector/keyword_search.h"
#include "vector/milvus_errors.h"
#include "vector/row_codec.h"

namespace memgpt::vector {

const char* search_plan_name(SearchPlan plan) {
  switch (plan) {
    case SearchPlan::kGraph: return "graph";
    case SearchPlan::kExact: return "exact";
    case SearchPlan::kFilteredWalk: return "filtered walk";
    case SearchPlan::kDeeperGraph: return "deeper graph";
  }
  return "?";
}

using namespace embedded;

namespace {

class EmbeddedStore final : public VectorStore {
 public:
  EmbeddedStore(std::string path, std::unique_ptr<SqlDatabase> db, const EmbeddedOptions& options)
      : path_(std::move(path)),
        db_(std::move(db)),
        ctx_{*db_, path_, options},
        keeper_(ctx_),
        searcher_(ctx_),
        keywords_(ctx_) {}

  ~EmbeddedStore() override {
    std::lock_guard lock(collections_mu_);
    if (ctx_.options.save_index_on_close && !ctx_.options.defer_indexing) {
      // Rows this process wrote and never searched go into the graph it saves when they are
      // few (a large batch stays growing: the next process builds it behind).
      for (auto& [name, c] : collections_) {
        if (c->own_writes.load() != c->seen_own_writes) (void)keeper_.catch_up(*c);
      }
    }
    for (auto& [name, c] : collections_) c->join_builder();  // a chunk at most; the graph is saved as far as built
    if (!ctx_.options.save_index_on_close) return;
    for (auto& [name, c] : collections_) {
      (void)keeper_.save(*c);
      (void)keywords_.save(*c);
    }
  }

  Status init() {
    if (ctx_.options.defer_indexing) {
      // A bulk load writes hundreds of MB: a page cache of 64 MiB instead of 2 (B-tree and FTS5
      // pages are read back far less), and a checkpoint every ~100 MB of WAL instead of every
      // 4 MB (each one waits for two fsyncs, on the writing thread). Every commit stays durable.
      MEMGPT_RETURN_IF_ERROR(db_->exec_script("PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=25000;"));
    }
    return db_->exec_script(kCatalogSql);
  }

  std::string uri() const override { return path_; }

  // ---- collections ----

  Status create_collection(const CollectionSpec& in) override {
    CollectionSpec spec = in;
    MEMGPT_RETURN_IF_ERROR(validate_spec(spec));
    return db_->transaction([&]() -> Status {
      std::vector<SqlValue> p{spec.name};
      MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT spec FROM _collections WHERE name = ?", p));
      if (!rows.empty()) {
        MEMGPT_ASSIGN_OR_RETURN(CollectionSpec existing, spec_from_stored(rows[0].text(0)));
        if (same_schema(existing, spec)) return {};
        return milvus_error(ErrorCode::kAlreadyExists, MilvusCode::kInvalidParameter,
                            fmt::format("collection {} already exists with a different schema",
                                        spec.name));
      }
      MEMGPT_RETURN_IF_ERROR(db_->exec_script(create_collection_sql(spec)));
      std::vector<SqlValue> ins{spec.name, new_uuid(), spec_to_json(spec).dump(),
                                SystemClock::instance().now_ms()};
      return db_->exec("INSERT INTO _collections (name, uid, spec, created_at) VALUES (?, ?, ?, ?)", ins)
          .status();
    });
  }

  Result<bool> has_collection(const std::string& name) override {
    std::vector<SqlValue> p{name};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT 1 FROM _collections WHERE name = ?", p));
    return !rows.empty();
  }

  Result<CollectionSpec> describe_collection(const std::string& name) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    return c->spec;
  }

  Result<std::vector<std::string>> list_collections() override {
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT name FROM _collections ORDER BY name"));
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.text(0));
    return out;
  }

  Status drop_collection(const std::string& name) override {
    WriteMark mark(local_writes_);
    MEMGPT_ASSIGN_OR_RETURN(bool has, has_collection(name));
    if (!has) return collection_not_found(name);
    {
      std::lock_guard lock(collections_mu_);
      collections_.erase(name);
    }
    Status s = db_->transaction([&]() -> Status {
      MEMGPT_RETURN_IF_ERROR(db_->exec_script(drop_collection_sql(name)));
      std::vector<SqlValue> p{name};
      MEMGPT_RETURN_IF_ERROR(db_->exec("DELETE FROM _tombstones WHERE collection = ?", p).status());
      return db_->exec("DELETE FROM _collections WHERE name = ?", p).status();
    });
    keeper_.remove_files(name);
    keywords_.remove_file(name);
    return s;
  }

  // ---- writes ----

  Result<int64_t> insert(const std::string& collection_name, const std::vector<Json>& rows) override {
    WriteMark mark(local_writes_);
    return write(collection_name, rows, false);
  }

  Result<int64_t> upsert(const std::string& collection_name, const std::vector<Json>& rows) override {
    WriteMark mark(local_writes_);
    return write(collection_name, rows, true);
  }

  Result<int64_t> remove(const std::string& name, const std::string& filter) override {
    WriteMark mark(local_writes_);
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, true));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, filter));
    int64_t removed = 0;
    Status s = db_->transaction([&]() -> Status {
      MEMGPT_ASSIGN_OR_RETURN(
          auto rids, db_->query(fmt::format("SELECT rid FROM {} WHERE {}", c->table, f.where), f.params));
      for (const auto& r : rids) {
        std::vector<SqlValue> p{r.integer(0)};
        MEMGPT_RETURN_IF_ERROR(db_->exec(fmt::format("DELETE FROM {} WHERE rid = ?", c->table), p).status());
        std::vector<SqlValue> t{name, r.integer(0)};
        MEMGPT_RETURN_IF_ERROR(db_->exec("INSERT INTO _tombstones (collection, rid) VALUES (?, ?)", t).status());
      }
      removed = static_cast<int64_t>(rids.size());
      return {};
    });
    MEMGPT_RETURN_IF_ERROR(s);
    ++c->own_writes;  // the next search applies the tombstones
    return removed;
  }

  Result<int64_t> remove_ids(const std::string& name, const std::vector<Json>& ids) override {
    if (ids.empty()) return int64_t{0};
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    return remove(name, ids_filter(c->spec.primary_field()->name, keys_of(c->spec, ids)));
  }

  // ---- reads ----

  Result<std::vector<Json>> query(const std::string& name, const QueryRequest& req) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, req.filter));
    if (req.output_fields.size() == 1 && req.output_fields[0] == "count(*)") {
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, count_where(*c, f));
      return std::vector<Json>{Json{{"count(*)", n}}};
    }
    if (req.offset < 0) return invalid_parameter("offset must be non-negative");
    std::vector<SqlValue> params = f.params;
    params.push_back(req.limit < 0 ? std::numeric_limits<int64_t>::max() : req.limit);
    params.push_back(req.offset);
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT {} FROM {} WHERE {} ORDER BY pk LIMIT ? OFFSET ?",
                                          c->codec->select_list(), c->table, f.where),
                              params));
    std::vector<Json> out;
    for (const auto& r : rows) {
      MEMGPT_ASSIGN_OR_RETURN(Json j, c->codec->decode(r, req.output_fields, vector_loader(*c)));
      out.push_back(std::move(j));
    }
    return out;
  }

  Result<std::vector<Json>> get(const std::string& name, const std::vector<Json>& ids,
                                const std::vector<std::string>& output_fields) override {
    if (ids.empty()) return std::vector<Json>{};
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    QueryRequest q;
    q.filter = ids_filter(c->spec.primary_field()->name, keys_of(c->spec, ids));
    q.output_fields = output_fields;
    return query(name, q);
  }

  Result<int64_t> count(const std::string& name, const std::string& filter) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    MEMGPT_ASSIGN_OR_RETURN(SqlFilter f, compile_filter(c->spec, filter));
    // The agent shows its archival size in every prompt: a repeated count is answered from a
    // cache while neither this process (write marks) nor another (SQLite's data_version) has
    // written since. Counting 100k rows of one agent costs ~10 ms per step otherwise.
    std::string key = c->uid + '\x1e' + filter_key(f);
    MEMGPT_ASSIGN_OR_RETURN(auto dv, db_->query("PRAGMA data_version"));
    CountCache::Version now{local_writes_.load(), dv[0].integer(0)};
    int64_t n = 0;
    if (count_cache_.find(key, now, n)) return n;
    MEMGPT_ASSIGN_OR_RETURN(n, count_where(*c, f));
    count_cache_.put(key, now, n);
    return n;
  }

  Result<IndexProgress> index_progress(const std::string& name) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, true));
    std::shared_lock lock(c->mu);
    IndexProgress p;
    p.indexed_rows = static_cast<int64_t>(c->live_in_graph());
    p.pending_rows = static_cast<int64_t>(c->growing.live());
    p.total_rows = p.indexed_rows + p.pending_rows;
    return p;
  }

  Result<std::vector<SearchHit>> search(const std::string& name, const SearchRequest& req) override {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, true));
    MEMGPT_RETURN_IF_ERROR(check_search_window(req.limit, req.offset));
    if (req.refine_k != 0 && !(req.refine_k >= 1 && req.refine_k <= 1000)) {
      return invalid_parameter("refine_k must be in [1, 1000]");
    }
    int dim = c->spec.dim();
    bool keyword_only = req.vector.empty() && req.text_query && !req.text_query->empty();
    if (!keyword_only) {
      if (static_cast<int>(req.vector.size()) != dim) {
        return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kInvalidJson,
                            fmt::format("the dim ({}) of field data({}) is not equal to schema dim ({})",
                                        req.vector.size(), c->spec.vector_field()->name, dim));
      }
      MEMGPT_RETURN_IF_ERROR(check_vector(req.vector, c->spec.index.metric, "the search vector"));
    }
    SqlFilter f;  // no filter: nothing to parse on the hot path
    if (!req.filter.empty()) {
      MEMGPT_ASSIGN_OR_RETURN(f, compile_filter(c->spec, req.filter));
    }
    std::vector<float> normalized;  // a copy only when the metric needs one
    if (c->spec.index.metric == MetricType::kCosine) {
      normalized = req.vector;
      normalize(normalized);
    }
    const std::vector<float>& q = normalized.empty() ? req.vector : normalized;
    size_t k = static_cast<size_t>(req.limit + req.offset);

    std::vector<std::pair<double, int64_t>> ranked;  // (score, rid), best first
    if (keyword_only) {
      if (c->fts.empty()) {
        return invalid_parameter(fmt::format("collection {} has no text field for keyword search",
                                             name));
      }
      MEMGPT_ASSIGN_OR_RETURN(auto text_hits, ranked_by_keywords(*c, *req.text_query, k, f));
      for (const auto& [rid, score] : text_hits) ranked.emplace_back(score, rid);
    } else if (req.text_query && !req.text_query->empty()) {
      if (c->fts.empty()) {
        return invalid_parameter(fmt::format("collection {} has no text field for keyword search",
                                             name));
      }
      size_t depth = std::max<size_t>(k * 4, 50);
      auto depth_of = [depth](int candidates) { return candidates > 0 ? static_cast<size_t>(candidates) : depth; };
      MEMGPT_ASSIGN_OR_RETURN(auto vec_hits,
                              searcher_.search(*c, q, depth_of(req.vector_candidates), req.ef, f, req.refine_k));
      MEMGPT_ASSIGN_OR_RETURN(auto text_hits,
                              ranked_by_keywords(*c, *req.text_query, depth_of(req.text_candidates), f));
      ranked = fuse(vec_hits, text_hits, req.rrf_k, req.vector_weight, req.text_weight);
    } else {
      MEMGPT_ASSIGN_OR_RETURN(auto hits, searcher_.search(*c, q, k, req.ef, f, req.refine_k));
      for (const auto& [d, rid] : hits) {
        double score = c->spec.index.metric == MetricType::kL2 ? d : 1.0 - d;
        ranked.emplace_back(score, rid);
      }
    }
    if (ranked.size() <= static_cast<size_t>(req.offset)) return std::vector<SearchHit>{};
    ranked.erase(ranked.begin(), ranked.begin() + req.offset);
    if (ranked.size() > static_cast<size_t>(req.limit)) ranked.resize(static_cast<size_t>(req.limit));

    std::vector<SearchHit> out;
    if (req.output_fields.empty()) {
      // Ids only: answered from memory.
      std::shared_lock lock(c->mu);
      out.reserve(ranked.size());
      Json id;
      for (const auto& [score, rid] : ranked) {
        if (!c->keys.find(rid, id)) continue;
        out.push_back({std::move(id), score, Json::object()});
      }
      return out;
    }
    // Fetch the rows of the hits.
    std::string marks;
    std::vector<SqlValue> p;
    for (const auto& [score, rid] : ranked) {
      marks += marks.empty() ? "?" : ", ?";
      p.emplace_back(rid);
    }
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT {} FROM {} WHERE rid IN ({})", c->codec->select_list(),
                                          c->table, marks),
                              p));
    std::unordered_map<int64_t, size_t> by_rid;
    for (size_t i = 0; i < rows.size(); ++i) by_rid[rows[i].integer(0)] = i;
    for (const auto& [score, rid] : ranked) {
      auto it = by_rid.find(rid);
      if (it == by_rid.end()) continue;  // deleted meanwhile
      const SqlRow& r = rows[it->second];
      SearchHit hit;
      hit.id = c->codec->pk(r);
      hit.distance = score;
      MEMGPT_ASSIGN_OR_RETURN(hit.fields, c->codec->decode(r, req.output_fields, vector_loader(*c)));
      hit.fields.erase(c->spec.primary_field()->name);
      out.push_back(std::move(hit));
    }
    return out;
  }

 private:
  // BM25 top k from the inverted index, or from FTS5 when the index is turned off.
  Result<std::vector<std::pair<int64_t, double>>> ranked_by_keywords(Collection& c, const std::string& text, size_t k,
                                                                     const SqlFilter& f) {
    // FTS5 ranks by its own bm25; a BM25 function's ranking (Milvus's metric) is the index's.
    if (!ctx_.options.keyword_index && !c.spec.bm25) return keyword_search(*db_, c, text, k, f);
    KeywordStats stats;
    auto hits = keywords_.search(c, text, k, f, &stats);
    if (hits.ok() && ctx_.options.on_keyword_search) ctx_.options.on_keyword_search(stats.postings_read, stats.postings_total);
    return hits;
  }

  // Loads a collection's state (and, with `index`, its graph caught up with the file).
  Result<Collection*> collection(const std::string& name, bool index) {
    Collection* c = nullptr;
    {
      std::lock_guard lock(collections_mu_);
      auto it = collections_.find(name);
      if (it != collections_.end()) c = it->second.get();
    }
    if (c && index) {
      // Nothing committed since the last catch-up, by another connection or this process: the
      // cached state and graph are current.
      const int64_t own_writes = c->own_writes.load();
      MEMGPT_ASSIGN_OR_RETURN(auto dv, db_->query("PRAGMA data_version"));
      std::shared_lock read(c->mu);
      if (c->hnsw && dv[0].integer(0) == c->seen_data_version && own_writes == c->seen_own_writes) return c;
    }
    std::vector<SqlValue> p{name};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query("SELECT uid, spec FROM _collections WHERE name = ?", p));
    if (rows.empty()) {
      std::lock_guard lock(collections_mu_);
      collections_.erase(name);
      return collection_not_found(name);
    }
    if (!c || c->uid != rows[0].text(0)) {
      // New to this process, or dropped and re-created by another one.
      auto fresh = std::make_unique<Collection>();
      MEMGPT_ASSIGN_OR_RETURN(fresh->spec, spec_from_stored(rows[0].text(1)));
      fresh->uid = rows[0].text(0);
      fresh->table = table_of(name);
      fresh->keys.reset(fresh->spec.primary_field()->type == DataType::kInt64);
      if (text_field(fresh->spec)) fresh->fts = fts_of(name);
      fresh->codec = std::make_unique<RowCodec>(fresh->spec);
      add_missing_pk_order_indexes(fresh->spec);
      std::lock_guard lock(collections_mu_);
      auto& slot = collections_[name];
      if (!slot || slot->uid != fresh->uid) slot = std::move(fresh);
      c = slot.get();
    }
    if (index) MEMGPT_RETURN_IF_ERROR(keeper_.catch_up(*c));
    return c;
  }

  // A file written before queries ran in primary-key order lacks the (partition key, pk)
  // indexes; they are built once, by the first process that opens the collection. Should that
  // fail (a read-only file, another process writing), queries still return the same rows, only
  // a page of one owner sorts that owner's rows; a later process tries again.
  void add_missing_pk_order_indexes(const CollectionSpec& spec) {
    for (const auto& name : pk_order_index_names(spec)) {
      std::vector<SqlValue> p{name};
      auto found = db_->query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", p);
      if (found.ok() && found->empty()) {
        (void)db_->exec_script(pk_order_index_sql(spec));
        return;
      }
    }
  }

  // Reads a row's vector (only when a caller asks for the vector field).
  std::function<Result<Json>(int64_t)> vector_loader(const Collection& c) {
    return [this, &c](int64_t rid) -> Result<Json> {
      std::vector<SqlValue> p{rid};
      MEMGPT_ASSIGN_OR_RETURN(auto rows, db_->query(fmt::format("SELECT vec FROM {} WHERE rid = ?", c.table), p));
      if (rows.empty()) return Json(nullptr);
      return Json(vector_of_blob(rows[0].blob(0)));
    };
  }

  Result<int64_t> count_where(const Collection& c, const SqlFilter& f) {
    MEMGPT_ASSIGN_OR_RETURN(
        auto rows, db_->query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", c.table, f.where), f.params));
    return rows[0].integer(0);
  }

  // Ids as the primary key's type: Int64 keys may arrive as numeric strings (clients that asked
  // for Int64 as strings send them back so), as insert accepts them.
  static std::vector<Json> keys_of(const CollectionSpec& spec, const std::vector<Json>& ids) {
    if (spec.primary_field()->type != DataType::kInt64) return ids;
    std::vector<Json> out;
    out.reserve(ids.size());
    for (const auto& id : ids) {
      int64_t n = 0;
      const std::string* s = id.is_string() ? &id.get_ref<const std::string&>() : nullptr;
      auto parsed = s ? std::from_chars(s->data(), s->data() + s->size(), n) : std::from_chars_result{};
      if (s && !s->empty() && parsed.ec == std::errc() && parsed.ptr == s->data() + s->size()) out.emplace_back(n);
      else out.push_back(id);
    }
    return out;
  }

  Result<int64_t> write(const std::string& name, const std::vector<Json>& rows, bool upsert) {
    MEMGPT_ASSIGN_OR_RETURN(Collection * c, collection(name, false));
    if (rows.empty()) return int64_t{0};
    // Check every row before writing any: a bad row rejects the whole batch (and an upsert
    // leaves the row it would have replaced as it was).
    std::vector<EncodedRow> prepared(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) MEMGPT_RETURN_IF_ERROR(c->codec->encode(rows[i], i, prepared[i]));
    // A key twice in one batch: the later row replaces the earlier one (upsert) or is refused
    // (insert), which needs the earlier one stored first, so those batches go a row at a time.
    const size_t most = repeats_a_key(prepared) ? 1 : rows_per_insert(c->codec->insert_arity());
    std::string find_sql = fmt::format("SELECT rid FROM {} WHERE pk = ?", c->table);
    std::string delete_sql = fmt::format("DELETE FROM {} WHERE rid = ?", c->table);
    Status s = db_->transaction([&]() -> Status {
      std::vector<SqlValue> values;
      for (size_t from = 0; from < prepared.size();) {
        // The largest power of two that fits: a few statements per collection, prepared once.
        size_t n = 1;
        while (n * 2 <= std::min(most, prepared.size() - from)) n *= 2;
        for (size_t i = from; i < from + n; ++i) {
          std::vector<SqlValue> key{prepared[i].pk};
          MEMGPT_ASSIGN_OR_RETURN(auto existing, db_->query(find_sql, key));
          if (existing.empty()) continue;
          if (!upsert) return duplicate_key(prepared[i].pk, i);
          std::vector<SqlValue> d{existing[0].integer(0)};
          MEMGPT_RETURN_IF_ERROR(db_->exec(delete_sql, d).status());
          std::vector<SqlValue> t{name, existing[0].integer(0)};
          MEMGPT_RETURN_IF_ERROR(db_->exec("INSERT INTO _tombstones (collection, rid) VALUES (?, ?)", t).status());
        }
        values.clear();
        for (size_t i = from; i < from + n; ++i) {
          EncodedRow& pr = prepared[i];
          values.push_back(std::move(pr.pk));
          for (auto& v : pr.scalars) values.push_back(std::move(v));
          values.emplace_back(std::move(pr.dyn));
          values.emplace_back(SqlBlob{vector_blob(pr.vec)});
        }
        MEMGPT_RETURN_IF_ERROR(db_->exec(insert_sql(*c, n), values).status());
        from += n;
      }
      return {};
    });
    MEMGPT_RETURN_IF_ERROR(s);
    // The rows stay unread until this process searches (the next catch-up reads them, as it
    // reads another process's), so a stream of writes (an /attach of a large source) pays for
    // its graph once: at once when the rows are few, else behind, as growing rows (and with
    // defer_indexing never in this process). Nor does a writer wait for the builder's lock.
    ++c->own_writes;
    return static_cast<int64_t>(rows.size());
  }

  // Rows per INSERT statement. SQLite opens a statement savepoint per statement, and FTS5 writes
  // its pending terms out as a new segment at each one: one statement per row wrote (and later
  // merged) a segment per row, most of the SQLite time of a load. Bounded by SQLite's 32766
  // parameters per statement.
  static size_t rows_per_insert(size_t arity) {
    constexpr size_t kMaxRows = 256;
    constexpr size_t kMaxParams = 32766;
    return std::clamp<size_t>(kMaxParams / std::max<size_t>(arity, 1), 1, kMaxRows);
  }

  static std::string insert_sql(const Collection& c, size_t rows) {
    std::string one = "(?";
    for (size_t i = 1; i < c.codec->insert_arity(); ++i) one += ", ?";
    one += ')';
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES {}", c.table, c.codec->insert_columns(), one);
    sql.reserve(sql.size() + (rows - 1) * (one.size() + 2));
    for (size_t i = 1; i < rows; ++i) sql.append(", ").append(one);
    return sql;
  }

  static bool repeats_a_key(const std::vector<EncodedRow>& rows) {
    std::unordered_set<std::string> seen;
    seen.reserve(rows.size());
    for (const auto& r : rows) {
      std::string key = std::holds_alternative<std::string>(r.pk) ? "s" + std::get<std::string>(r.pk)
                                                                  : "i" + std::to_string(std::get<int64_t>(r.pk));
      if (!seen.insert(std::move(key)).second) return true;
    }
    return false;
  }

  static Status duplicate_key(const SqlValue& pk, size_t row) {
    std::string shown = std::holds_alternative<std::string>(pk) ? std::get<std::string>(pk)
                                                                : std::to_string(std::get<int64_t>(pk));
    return milvus_error(ErrorCode::kAlreadyExists, MilvusCode::kInsertFailed,
                        fmt::format("duplicate primary key {} (row {}); use upsert to replace rows", shown, row));
  }

  std::string path_;
  std::unique_ptr<SqlDatabase> db_;
  EngineContext ctx_;
  IndexKeeper keeper_;
  FilteredSearch searcher_;
  KeywordSearch keywords_;
  std::mutex collections_mu_;
  std::map<std::string, std::unique_ptr<Collection>> collections_;
  // Writes by this process, marked before and after each (a count that overlaps a write is
  // never cached as current).
  struct WriteMark {
    explicit WriteMark(std::atomic<int64_t>& n) : n_(n) { ++n_; }
    ~WriteMark() { ++n_; }
    std::atomic<int64_t>& n_;
  };
  std::atomic<int64_t> local_writes_{0};
  CountCache count_cache_;
};

}  // namespace

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& raw_path,
                                                         const EmbeddedOptions& options) {
  std::string path = expand_user(raw_path);
  std::filesystem::path p(path);
  std::string folder = p.has_parent_path() ? p.parent_path().string() : ".";
  if (!std::filesystem::is_directory(folder)) {
    return unavailable(fmt::format("cannot open the Milvus store {}: folder {} does not exist",
                                   path, folder));
  }
  auto db = open_sqlite(path);
  if (!db.ok()) {
    return Status(db.status().code(),
                  fmt::format("cannot open the Milvus store {}: {}", path, db.status().message()));
  }
  auto store = std::make_unique<EmbeddedStore>(path, with_clean_errors(std::move(*db), path), options);
  Status s = store->init();
  if (!s.ok()) {
    return Status(s.code(), fmt::format("{} is not a memgpt Milvus store: {}", path, s.message()));
  }
  return std::unique_ptr<VectorStore>(std::move(store));
}

}  // namespace memgpt::vector
