#include "sources/passage_store.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include <fmt/format.h>

#include "sources/chunker.h"
#include "util/clock.h"
#include "vector/filter.h"

namespace memgpt::sources {
namespace {

// Hybrid fusion for embedders other than the built-in one (see PassageStore::search).
constexpr double kModelVectorWeight = 2.0;
constexpr int kModelRrfK = 2;

uint64_t fnv(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string eq(const std::string& field, const std::string& value) {
  return field + " == " + vector::filter_string_literal(value);
}

}  // namespace

std::string passage_id(std::initializer_list<std::string_view> parts) {
  uint64_t a = 1469598103934665603ULL, b = 0x84222325cbf29ce4ULL;
  for (auto p : parts) {
    a = fnv(p, a);
    a = fnv("\x1f", a);
    b = fnv(p, b ^ 0x9e3779b97f4a7c15ULL);
  }
  return fmt::format("{:016x}{:016x}", a, b);
}

Result<SearchMode> parse_search_mode(const std::string& name) {
  if (name == "hybrid") return SearchMode::kHybrid;
  if (name == "vector") return SearchMode::kVector;
  if (name == "text") return SearchMode::kText;
  return invalid_argument(fmt::format("search mode must be hybrid, vector or text (got '{}')", name));
}

const char* search_mode_name(SearchMode mode) {
  switch (mode) {
    case SearchMode::kHybrid: return "hybrid";
    case SearchMode::kVector: return "vector";
    case SearchMode::kText: return "text";
  }
  return "?";
}

std::string PassageStore::passages_collection_for(int dim) { return fmt::format("memgpt_passages_{}", dim); }
std::string PassageStore::archival_collection_for(int dim) { return fmt::format("memgpt_archival_{}", dim); }
std::string PassageStore::passages_collection() const { return space_.passages_collection(); }
std::string PassageStore::archival_collection() const { return space_.archival_collection(); }

std::string VectorSpace::passages_collection() const {
  std::string base = PassageStore::passages_collection_for(dim);
  return tag.empty() ? base : base + "_" + tag;
}

std::string VectorSpace::archival_collection() const {
  std::string base = PassageStore::archival_collection_for(dim);
  return tag.empty() ? base : base + "_" + tag;
}

VectorSpace space_of(const store::SourceRecord& source) { return {source.embedding_dim, source.embedding_space}; }

VectorSpace space_of(const store::AgentEmbeddingConfig& embedding, int configured_dim) {
  return {embedding.embedding_dim > 0 ? embedding.embedding_dim : configured_dim, embedding.embedding_space};
}

VectorSpace own_space(const std::string& model, int dim) {
  std::string tag;
  for (unsigned char c : model) {
    tag += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
    if (tag.size() >= 64) break;  // collection names stay well under Milvus's 255
  }
  return {dim, tag.empty() ? "unnamed" : tag};
}

PassageStore PassageStore::in(const VectorSpace& space) const {
  PassageStore other = *this;
  other.space_ = space;
  return other;
}

Status PassageStore::ensure_collections() {
  for (const auto& name : {passages_collection(), archival_collection()}) {
    vector::CollectionSpec spec;
    spec.name = name;
    spec.description = "memgpt passages (see docs/storage.md)";
    using vector::DataType;
    spec.fields = {{"id", DataType::kVarChar, true, false, 64, 0},
                   {"text", DataType::kVarChar, false, false, 65535, 0},
                   {"embedding", DataType::kFloatVector, false, false, 0, space_.dim},
                   {"user_id", DataType::kVarChar, false, false, 64, 0},
                   {"agent_id", DataType::kVarChar, false, true, 64, 0},
                   {"source_id", DataType::kVarChar, false, false, 64, 0},
                   {"data_source", DataType::kVarChar, false, false, 256, 0},
                   {"doc_id", DataType::kVarChar, false, false, 1024, 0},
                   {"created_at", DataType::kInt64, false, false, 0, 0},
                   {"metadata", DataType::kJson, false, false, 0, 0}};
    spec.index.field_name = "embedding";
    spec.index.metric = vector::MetricType::kIP;
    if (index_ == Index::kHnswSq) {
      spec.index.index_type = "HNSW_SQ";
      spec.index.sq_type = "SQ8";
      spec.index.refine = true;  // the hits are ranked by their float vectors, not the codes
    }
    Status created = store_->create_collection(spec);
    if (created.code() == ErrorCode::kAlreadyExists) {
      // Created earlier with another index: it keeps that one (the setting applies to new
      // collections); any other difference is still an error.
      MEMGPT_ASSIGN_OR_RETURN(vector::CollectionSpec existing, store_->describe_collection(name));
      spec.index = existing.index;
      created = store_->create_collection(spec);
    }
    MEMGPT_RETURN_IF_ERROR(created);
  }
  return {};
}

Json PassageStore::to_row(const Passage& p) const {
  return {{"id", p.id},           {"text", p.text},           {"embedding", p.embedding},
          {"user_id", p.user_id}, {"agent_id", p.agent_id},   {"source_id", p.source_id},
          {"data_source", p.data_source.substr(0, 256)},      {"doc_id", p.doc_id.substr(0, 1024)},
          {"created_at", p.created_at}, {"metadata", p.metadata}};
}

Passage PassageStore::from_row(const Json& row) {
  Passage p;
  p.id = row.value("id", "");
  p.text = row.value("text", "");
  p.user_id = row.value("user_id", "");
  p.agent_id = row.value("agent_id", "");
  p.source_id = row.value("source_id", "");
  p.data_source = row.value("data_source", "");
  p.doc_id = row.value("doc_id", "");
  p.created_at = row.value("created_at", int64_t{0});
  if (row.contains("metadata") && row["metadata"].is_object()) p.metadata = row["metadata"];
  if (row.contains("embedding") && row["embedding"].is_array()) {
    p.embedding = row["embedding"].get<std::vector<float>>();
  }
  return p;
}

Status PassageStore::embed_missing(std::vector<Passage>& passages) {
  std::vector<std::string> texts;
  std::vector<size_t> where;
  for (size_t i = 0; i < passages.size(); ++i) {
    if (passages[i].embedding.empty()) {
      texts.push_back(passages[i].text);
      where.push_back(i);
    }
  }
  if (texts.empty()) return {};
  MEMGPT_ASSIGN_OR_RETURN(auto vectors, embedder_->embed(texts));
  for (size_t k = 0; k < where.size(); ++k) passages[where[k]].embedding = std::move(vectors[k]);
  return {};
}

Status PassageStore::upsert_source_passages(std::vector<Passage>& passages) {
  if (passages.empty()) return {};
  MEMGPT_RETURN_IF_ERROR(embed_missing(passages));
  std::vector<Json> rows;
  rows.reserve(passages.size());
  for (const auto& p : passages) rows.push_back(to_row(p));
  return store_->upsert(passages_collection(), rows).status();
}

Result<int64_t> PassageStore::count_source_passages(const std::string& source_id) {
  return store_->count(passages_collection(), eq("source_id", source_id));
}

Result<int64_t> PassageStore::delete_source_passages(const std::string& source_id) {
  return store_->remove(passages_collection(), eq("source_id", source_id));
}

Result<PassagePage> PassageStore::search(const std::string& collection, const std::string& filter,
                                         const std::string& query, int64_t offset, int64_t limit,
                                         SearchMode mode) {
  PassagePage page;
  MEMGPT_ASSIGN_OR_RETURN(page.total, store_->count(collection, filter));
  if (page.total == 0 || limit <= 0 || offset >= page.total) return page;
  vector::SearchRequest req;
  req.filter = filter;
  req.offset = static_cast<int>(offset);
  req.limit = static_cast<int>(std::min<int64_t>(limit, 1000));
  req.output_fields = {"*"};
  if (mode != SearchMode::kText) {
    std::vector<std::string> q{query};
    MEMGPT_ASSIGN_OR_RETURN(auto vecs, embedder_->embed(q));
    req.vector = std::move(vecs[0]);
  }
  if (mode != SearchMode::kVector) req.text_query = query;
  // Fusion chosen on one half of NaturalQuestions-Open and checked on the other (eval/nq_tune.py,
  // eval/RESULTS.md). The built-in vectors are the weaker ranking, so they count half; a
  // sentence-embedding model's ranking is the stronger one and counts more than BM25's. A small
  // k trusts the top ranks more.
  const bool builtin = embedder_->model() == embed::kBuiltinEmbedderModel;
  // HNSW_SQ: twice the hits' candidates re-ranked from the floats. At 1M passages that gave
  // recall 0.958 at ef 768 against 0.944 with Milvus's default of 1, and more queries per second
  // (bench/vector/SCALE_RESULTS.md). A collection without refine ignores it.
  if (index_ == Index::kHnswSq) req.refine_k = 2;
  req.vector_weight = builtin ? 0.5 : kModelVectorWeight;
  req.rrf_k = builtin ? 10 : kModelRrfK;
  MEMGPT_ASSIGN_OR_RETURN(auto hits, store_->search(collection, req));
  for (auto& h : hits) {
    Json row = h.fields;
    row["id"] = h.id;
    page.hits.push_back({from_row(row), h.distance});
  }
  return page;
}

Result<PassagePage> PassageStore::search_source(const std::string& source_id, const std::string& query,
                                                int64_t offset, int64_t limit, SearchMode mode) {
  return search(passages_collection(), eq("source_id", source_id), query, offset, limit, mode);
}

Result<std::vector<Passage>> PassageStore::list_source_passages(const std::string& source_id, int64_t limit) {
  vector::QueryRequest q;
  q.filter = eq("source_id", source_id);
  q.limit = limit;
  q.output_fields = {"*"};
  MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->query(passages_collection(), q));
  std::vector<Passage> out;
  for (const auto& r : rows) out.push_back(from_row(r));
  return out;
}

ModelLimit model_limit(embed::Embedder& embedder) {
  ModelLimit limit;
  limit.max_tokens = embedder.max_input_tokens();
  if (limit.max_tokens > 0) limit.count = [&embedder](std::string_view t) { return embedder.count_tokens(t); };
  return limit;
}

Result<std::vector<std::string>> PassageStore::insert_archival(const std::string& user_id,
                                                               const std::string& agent_id,
                                                               const std::string& text,
                                                               int chunk_tokens) {
  std::vector<Passage> passages;
  int64_t now = SystemClock::instance().now_ms();
  for (auto& chunk : chunk_text_for_model(text, {chunk_tokens, 20}, model_limit(*embedder_))) {
    Passage p;
    p.id = new_uuid();
    p.text = std::move(chunk);
    p.user_id = user_id;
    p.agent_id = agent_id;
    p.created_at = now;
    passages.push_back(std::move(p));
  }
  if (passages.empty()) return invalid_argument("there is no text to store");
  MEMGPT_RETURN_IF_ERROR(embed_missing(passages));
  std::vector<Json> rows;
  std::vector<std::string> ids;
  for (const auto& p : passages) {
    rows.push_back(to_row(p));
    ids.push_back(p.id);
  }
  MEMGPT_RETURN_IF_ERROR(store_->upsert(archival_collection(), rows).status());
  return ids;
}

Result<PassagePage> PassageStore::search_archival(const std::string& agent_id, const std::string& query,
                                                  int64_t offset, int64_t limit, SearchMode mode) {
  return search(archival_collection(), eq("agent_id", agent_id), query, offset, limit, mode);
}

Result<int64_t> PassageStore::count_archival(const std::string& agent_id) {
  return store_->count(archival_collection(), eq("agent_id", agent_id));
}

Result<std::vector<Passage>> PassageStore::list_archival(const std::string& agent_id, int64_t limit) {
  vector::QueryRequest q;
  q.filter = eq("agent_id", agent_id);
  q.limit = limit;
  q.output_fields = {"*"};
  MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->query(archival_collection(), q));
  std::vector<Passage> out;
  for (const auto& r : rows) out.push_back(from_row(r));
  return out;
}

Result<std::vector<Passage>> PassageStore::get_archival(const std::string& agent_id,
                                                        const std::vector<std::string>& ids) {
  std::vector<Passage> out;
  if (ids.empty()) return out;
  std::vector<Json> jids(ids.begin(), ids.end());
  MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->get(archival_collection(), jids, {"*"}));
  std::unordered_map<std::string, Passage> by_id;
  for (const auto& r : rows) {
    Passage p = from_row(r);
    if (p.agent_id == agent_id) by_id.emplace(p.id, std::move(p));
  }
  for (const auto& id : ids) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(it->second);
  }
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> PassageStore::archival_index(const std::string& agent_id) {
  vector::QueryRequest q;
  q.filter = eq("agent_id", agent_id);
  q.output_fields = {"id", "created_at"};
  MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->query(archival_collection(), q));
  std::vector<std::pair<int64_t, std::string>> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.emplace_back(r.value("created_at", int64_t{0}), r.value("id", ""));
  std::sort(out.begin(), out.end());
  return out;
}

Result<int64_t> PassageStore::delete_archival(const std::string& agent_id,
                                              const std::vector<std::string>& ids) {
  std::vector<Json> jids(ids.begin(), ids.end());
  return store_->remove(archival_collection(),
                        "(" + eq("agent_id", agent_id) + ") and " + vector::ids_filter("id", jids));
}

Result<int64_t> PassageStore::delete_agent_archival(const std::string& agent_id) {
  return store_->remove(archival_collection(), eq("agent_id", agent_id));
}

Result<int64_t> PassageStore::detach_source(const std::string& source_id, const std::string& agent_id) {
  return store_->remove(archival_collection(),
                        "(" + eq("agent_id", agent_id) + ") and (" + eq("source_id", source_id) + ")");
}

namespace {

// Removes the rows matching `filter` from `collection` when it exists.
Result<int64_t> remove_where(vector::VectorStore& store, const std::string& collection, const std::string& filter) {
  MEMGPT_ASSIGN_OR_RETURN(bool exists, store.has_collection(collection));
  if (!exists) return int64_t{0};
  return store.remove(collection, filter);
}

// Removes the rows matching `filter` from the source's own collection and from the archival
// collections where agents with its embedder keep copies.
Result<PassageStore::Removed> remove_everywhere(vector::VectorStore& store, const store::SourceRecord& source,
                                                const std::string& filter) {
  PassageStore::Removed r;
  VectorSpace own = space_of(source);
  std::vector<VectorSpace> copies{{source.embedding_dim, ""}};
  if (!source.embedding_model.empty()) copies.push_back(own_space(source.embedding_model, source.embedding_dim));
  if (std::find(copies.begin(), copies.end(), own) == copies.end()) copies.push_back(own);
  // Copies first: should this stop half way, the source's passages still say what to remove.
  for (const auto& space : copies) {
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, remove_where(store, space.archival_collection(), filter));
    r.archival_copies += n;
  }
  MEMGPT_ASSIGN_OR_RETURN(r.passages, remove_where(store, own.passages_collection(), filter));
  return r;
}

}  // namespace

Result<PassageStore::Removed> PassageStore::remove_source_everywhere(const store::SourceRecord& source) {
  return remove_everywhere(*store_, source, eq("source_id", source.id));
}

Result<PassageStore::Removed> PassageStore::remove_file_everywhere(const store::SourceRecord& source,
                                                                   const std::string& file_id) {
  std::string filter = "(" + eq("source_id", source.id) + ") and (metadata[\"file_id\"] == " +
                       vector::filter_string_literal(file_id) + ")";
  return remove_everywhere(*store_, source, filter);
}

Status PassageStore::for_each_page(bool archival, const std::string& filter_field, const std::string& owner_id,
                                   int64_t page_size, bool with_embeddings,
                                   const std::function<Status(std::vector<Passage>&)>& each) {
  std::string collection = archival ? archival_collection() : passages_collection();
  MEMGPT_ASSIGN_OR_RETURN(bool exists, store_->has_collection(collection));
  if (!exists) return {};
  const std::string owner = eq(filter_field, owner_id);
  vector::QueryRequest q;
  q.filter = owner;
  q.limit = page_size;
  q.output_fields = {"*"};
  if (with_embeddings) q.output_fields.push_back("embedding");
  std::string last_id;
  while (true) {
    MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->query(collection, q));
    if (rows.empty()) return {};
    std::vector<Passage> page;
    page.reserve(rows.size());
    for (const auto& r : rows) {
      page.push_back(from_row(r));
      // Keys out of order would make the next page repeat or skip rows: stop instead.
      if (page.back().id <= last_id) {
        return unavailable("the Milvus store returned query rows out of primary-key order; memgpt cannot page them");
      }
      last_id = page.back().id;
    }
    const bool last_page = static_cast<int64_t>(rows.size()) < page_size;
    MEMGPT_RETURN_IF_ERROR(each(page));
    if (last_page) return {};
    q.filter = "(" + owner + ") and id > " + vector::filter_string_literal(last_id);
  }
}

Result<std::vector<std::string>> PassageStore::existing_ids(bool archival, const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  if (ids.empty()) return out;
  std::string collection = archival ? archival_collection() : passages_collection();
  MEMGPT_ASSIGN_OR_RETURN(bool exists, store_->has_collection(collection));
  if (!exists) return out;
  std::vector<Json> jids(ids.begin(), ids.end());
  MEMGPT_ASSIGN_OR_RETURN(auto rows, store_->get(collection, jids, {"id"}));
  for (const auto& r : rows) out.push_back(r.value("id", ""));
  return out;
}

Status PassageStore::upsert_rows(bool archival, const std::vector<Passage>& passages) {
  if (passages.empty()) return {};
  std::vector<Json> rows;
  rows.reserve(passages.size());
  for (const auto& p : passages) rows.push_back(to_row(p));
  return store_->upsert(archival ? archival_collection() : passages_collection(), rows).status();
}

Result<int64_t> PassageStore::remove_owner(bool archival, const std::string& filter_field,
                                           const std::string& owner_id) {
  return remove_where(*store_, archival ? archival_collection() : passages_collection(), eq(filter_field, owner_id));
}

Result<int64_t> PassageStore::attach_source(const VectorSpace& source_space, const std::string& source_id,
                                            const std::string& agent_id, const std::string& user_id,
                                            const std::function<void(int64_t, int64_t)>& progress) {
  PassageStore source = in(source_space);
  MEMGPT_ASSIGN_OR_RETURN(int64_t total, source.count_source_passages(source_id));
  int64_t done = 0;
  constexpr int64_t kBatch = 256;
  if (progress) progress(0, total);
  MEMGPT_RETURN_IF_ERROR(source.for_each_page(false, "source_id", source_id, kBatch, true, [&](auto& batch) -> Status {
    std::vector<Json> rows;
    rows.reserve(batch.size());
    for (auto& p : batch) {
      p.id = passage_id({agent_id, p.id});
      p.agent_id = agent_id;
      p.user_id = user_id;
      rows.push_back(to_row(p));
    }
    MEMGPT_RETURN_IF_ERROR(store_->upsert(archival_collection(), rows).status());
    done += static_cast<int64_t>(batch.size());
    if (progress) progress(done, total);
    return {};
  }));
  return done;
}

}  // namespace memgpt::sources
