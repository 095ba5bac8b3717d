// VectorStore: the one archival-storage interface, shaped like Milvus so the embedded engine
// (URI = local file path) and a Milvus server (URI = http(s)://..., REST v2) behave the same.
// Contract (both implementations, enforced by tests/unit/vector conformance suite):
//  - Rows are JSON objects: field name -> value. Fields outside the schema go to the dynamic
//    field (when enabled) and come back merged at the top level, as in Milvus.
//  - Errors are Status values carrying the Milvus error code (milvus_code_of) where one exists
//    (100 collection not found, 1100 invalid parameter, 1801 dimension mismatch, ...).
//  - Thread-safety: one instance may be used from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::vector {

// Milvus data types (names as in the REST API: "Int64", "VarChar", ...).
// kArray: a list of one scalar element type (Int64, VarChar, Float, Double or Bool) holding at
// most max_capacity elements, filtered with array_contains*, array_length and f[i].
enum class DataType { kInt64, kVarChar, kFloat, kDouble, kBool, kJson, kFloatVector, kArray };
enum class MetricType { kIP, kCosine, kL2 };

const char* data_type_name(DataType t);
Result<DataType> parse_data_type(std::string_view name);
const char* metric_type_name(MetricType m);
Result<MetricType> parse_metric_type(std::string_view name);

struct FieldSchema {
  std::string name;
  DataType type = DataType::kVarChar;
  bool is_primary = false;
  bool is_partition_key = false;
  int max_length = 65535;  // VarChar, and Array of VarChar (per element)
  int dim = 0;             // FloatVector only
  DataType element_type = DataType::kInt64;  // Array only
  int max_capacity = 0;                      // Array only: at most this many elements, 1..4096
  // VarChar only: the text is analysed (Milvus's `enable_analyzer`, with the "standard"
  // analyzer), as the input of a BM25 function must be.
  bool enable_analyzer = false;
};

// Full-text search as Milvus 2.5 defines it: a BM25 function derives a SparseFloatVector field
// (`output_field`, which no row holds) from an analysed VarChar field (`input_field`); a search
// of the output field with a text ranks rows by BM25 with these parameters (Milvus's index
// parameters bm25_k1 in [0, 3] and bm25_b in [0, 1]). The engine keeps the ranking in its own
// inverted index (keyword_index.h); the sparse vectors themselves are never materialised.
struct Bm25Function {
  std::string name;
  std::string input_field;
  std::string output_field;
  std::string index_type = "SPARSE_INVERTED_INDEX";  // or AUTOINDEX
  double k1 = 1.2;
  double b = 0.75;
};

struct IndexSpec {
  std::string field_name;  // the vector field
  MetricType metric = MetricType::kIP;
  std::string index_type = "HNSW";
  int m = 16;
  int ef_construction = 200;
  // Index type HNSW_SQ (Milvus's names): the graph keeps its vectors quantised to `sq_type`
  // (the embedded engine: "SQ8"), a quarter of the memory of floats; with `refine`, each search
  // re-ranks its candidates exactly from the stored float vectors (`refine_type` "FP32").
  std::string sq_type;  // HNSW_SQ only; empty = SQ8
  bool refine = false;
  std::string refine_type;  // with refine; empty = FP32
};

struct CollectionSpec {
  std::string name;
  std::vector<FieldSchema> fields;
  bool enable_dynamic_field = true;
  IndexSpec index;
  std::string description;
  std::optional<Bm25Function> bm25;  // at most one BM25 function

  const FieldSchema* primary_field() const;
  const FieldSchema* vector_field() const;
  const FieldSchema* field(std::string_view name) const;
  int dim() const;  // dimension of the vector field, 0 when none
};

struct SearchRequest {
  std::vector<float> vector;  // one query vector; empty with text_query = keyword (BM25) only
  std::string filter;         // Milvus boolean expression; empty = all rows
  int limit = 10;
  int offset = 0;
  std::vector<std::string> output_fields;  // empty = primary key only; "*" = all
  int ef = 0;                              // HNSW ef; 0 = chosen by the engine
  // HNSW_SQ with refine: refine_k × (limit + offset) candidates are re-ranked exactly (Milvus's
  // search parameter, >= 1); 0 = the engine's default.
  double refine_k = 0;
  // Hybrid search: when set, BM25 hits of this text on the collection's text field (the BM25
  // function's input, else the VarChar field "text") are fused with the vector hits by
  // reciprocal rank fusion (score = sum 1/(rrf_k + rank)); alone (no vector), BM25 only.
  std::optional<std::string> text_query;
  std::string text_field = "text";
  int rrf_k = 60;
  // Weights of the two rankings in the fusion: score = w_v/(k + rank_v) + w_t/(k + rank_t).
  double vector_weight = 1.0;
  double text_weight = 1.0;
  // Hybrid search: how many hits of each ranking are fused (Milvus's hybrid_search fuses the
  // `limit` best of each sub-search); 0 = the engine's depth, max(4 (limit + offset), 50).
  int vector_candidates = 0;
  int text_candidates = 0;
};

struct SearchHit {
  Json id;                // primary key (string or integer)
  double distance = 0.0;  // Milvus "distance": IP/COSINE similarity, L2 squared distance;
                          // the fused RRF score for hybrid search; the BM25 score (higher
                          // is better) for keyword-only search
  Json fields;            // requested output fields (object)
};

struct QueryRequest {
  std::string filter;  // empty = all rows
  int64_t limit = -1;  // -1 = no limit
  int64_t offset = 0;
  std::vector<std::string> output_fields;  // empty = primary key only; "*" = all
};

struct IndexProgress {
  int64_t indexed_rows = 0;
  int64_t pending_rows = 0;
  int64_t total_rows = 0;
};

class VectorStore {
 public:
  virtual ~VectorStore() = default;

  // Creates the collection; ok when it exists with an identical schema, kAlreadyExists when
  // it exists with another.
  virtual Status create_collection(const CollectionSpec& spec) = 0;
  virtual Result<bool> has_collection(const std::string& name) = 0;
  virtual Result<CollectionSpec> describe_collection(const std::string& name) = 0;
  virtual Result<std::vector<std::string>> list_collections() = 0;
  virtual Status drop_collection(const std::string& name) = 0;

  // Inserts rows; a primary key already present is an error (nothing is written).
  virtual Result<int64_t> insert(const std::string& collection, const std::vector<Json>& rows) = 0;
  // Inserts or replaces rows by primary key, atomically for the whole batch.
  virtual Result<int64_t> upsert(const std::string& collection, const std::vector<Json>& rows) = 0;

  // Best first; `limit` hits at most after skipping `offset`.
  virtual Result<std::vector<SearchHit>> search(const std::string& collection,
                                                const SearchRequest& request) = 0;
  // Rows matching the filter in primary-key order (VarChar keys byte-wise, Int64 keys by
  // value), as Milvus returns them: its proxy merges the segments' results by smallest key, and
  // `offset` skips the smallest keys. A Milvus server refuses offset + limit > 16384 (its query
  // window; no limit: every matching row), so a walk over a set of any size pages by key:
  // `(<filter>) and <pk> > <last key of the previous page>` with a limit and no offset, as
  // pymilvus's QueryIterator does. Insertion order is not kept: a caller that wants rows by
  // time sorts them by its own time field.
  virtual Result<std::vector<Json>> query(const std::string& collection,
                                          const QueryRequest& request) = 0;
  virtual Result<std::vector<Json>> get(const std::string& collection, const std::vector<Json>& ids,
                                        const std::vector<std::string>& output_fields) = 0;
  virtual Result<int64_t> count(const std::string& collection, const std::string& filter) = 0;
  // How far the collection's vector index is built (Milvus's describe index). Written rows are
  // searchable at once; those pending are scored exactly until the index holds them.
  virtual Result<IndexProgress> index_progress(const std::string& collection) = 0;

  // Deletes matching rows; returns how many were deleted.
  virtual Result<int64_t> remove(const std::string& collection, const std::string& filter) = 0;
  virtual Result<int64_t> remove_ids(const std::string& collection, const std::vector<Json>& ids) = 0;

  // Human-readable location, e.g. "/home/u/.memgpt/milvus.db" or "http://localhost:19530".
  virtual std::string uri() const = 0;
};

struct VectorStoreOptions {
  std::string token;     // "user:password" or API key (servers)
  std::string db_name;   // Milvus database (servers); empty = "default"
  int timeout_ms = 30000;
  int max_retries = 3;
  // Embedded store: writes leave their rows out of the HNSW graph (searched exactly until a
  // later process builds it in the background, EmbeddedOptions::defer_indexing), so a load
  // runs at the speed of reading and embedding. A Milvus server indexes behind on its own.
  bool bulk_load = false;
};

// uri = local path (ending in .db, "~" expanded) -> embedded engine in that file;
// uri = http:// or https:// -> Milvus server through REST v2.
Result<std::unique_ptr<VectorStore>> open_vector_store(const std::string& uri,
                                                       const VectorStoreOptions& options = {});

}  // namespace memgpt::vector
