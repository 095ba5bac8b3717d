// The embedded engine's schema: how a collection is laid out in its SQLite file, and the rules a
// collection spec must follow. One job: names, catalog and DDL; no rows, no index.
//
// Layout of the file (docs/storage.md):
//  - `_collections (name PRIMARY KEY, uid, spec JSON, created_at)`: the catalog. `uid` changes
//    when a collection is dropped and created again, so other processes notice.
//  - `_tombstones (seq AUTOINCREMENT, collection, rid)`: every deleted or replaced row, so the
//    derived graph of another process can catch up with deletions.
//  - per collection `c_<name> (rid INTEGER PRIMARY KEY AUTOINCREMENT, pk UNIQUE, f_<field>...,
//    dyn TEXT (dynamic fields as a JSON object), vec BLOB (dim float32, host byte order))`; per
//    partition-key field an index `i_<name>_<field>` (its rows in rid order: the search plans
//    page by rid) and `o_<name>_<field>` on (field, pk) (its rows in primary-key order: queries
//    return rows in that order, and a page `field == x and pk > last` is one index range);
//    when the collection has a VarChar field
//    named "text" (or a BM25 function's input field), an FTS5 table `t_<name>` over it kept in
//    step by triggers (tokenizer: text_tokenizer.h, by the collection's analyzer).
// Names are checked by valid_name() before they reach SQL, and quoted as identifiers. An Array
// field's column holds its elements as a JSON array (TEXT).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"
#include "util/utf8.h"
#include "util/status.h"
#include "vector/text_tokenizer.h"
#include "vector/vector_store.h"

namespace memgpt::vector::embedded {

inline constexpr int kMaxArrayCapacity = 4096;  // Milvus's bound on an Array's max_capacity

// Letters, digits and '_', starting with a letter or '_', 1 to 255 bytes (Milvus's rule).
bool valid_name(std::string_view s);

std::string quote_ident(const std::string& s);
std::string column_of(const std::string& field);  // the quoted column of a scalar field
std::string table_of(const std::string& collection);  // quoted "c_<name>"
std::string fts_of(const std::string& collection);    // quoted "t_<name>"
// The VarChar field indexed for keyword search (the BM25 function's input, else the VarChar
// field named "text"), or nullptr; and the analyzer of its words.
const FieldSchema* text_field(const CollectionSpec& spec);
Analyzer analyzer_of(const CollectionSpec& spec);

// Checks a spec from a caller (names, one primary key of Int64/VarChar, one vector field with
// 1..32768 dimensions, Array element types and capacities, HNSW parameters) and fills the index
// field when empty. Errors carry Milvus codes (1100, 1806).
Status validate_spec(CollectionSpec& spec);
// The HNSW_SQ parameters (part of validate_spec): sq_type SQ8 (the default), refine with
// refine_type FP32 (the default when refine is on); none of them on another index type.
Status validate_quantization(IndexSpec& index);

// The catalog's form of a spec, and back. A stored spec that cannot be read is kCorrupt.
Json spec_to_json(const CollectionSpec& spec);
Result<CollectionSpec> spec_from_stored(std::string_view stored);
// Same fields, types, index and dynamic flag (the description may differ).
bool same_schema(const CollectionSpec& a, const CollectionSpec& b);

// Statements: the catalog tables (idempotent), a collection's tables, and their removal.
extern const char* const kCatalogSql;
std::string create_collection_sql(const CollectionSpec& spec);
// The (field, pk) indexes of the partition-key fields (IF NOT EXISTS: a file written before
// they existed gets them when a process first opens the collection), and their names.
std::string pk_order_index_sql(const CollectionSpec& spec);
std::vector<std::string> pk_order_index_names(const CollectionSpec& spec);
std::string drop_collection_sql(const std::string& collection);

}  // namespace memgpt::vector::embedded
