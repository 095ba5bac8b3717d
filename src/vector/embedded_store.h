// The embedded engine: a Milvus-shaped store in one local file (the role Milvus Lite plays).
//
// Layout: <path> is an SQLite database (WAL) holding, per collection, a table of rows (primary
// key, scalar columns, dynamic JSON, vector BLOB) and an FTS5 index over the text field; it is
// the source of truth. Each collection's HNSW graph (hnswlib) is derived data, kept in memory and
// saved beside the file as <path>.<collection>.hnsw (with .keys: primary keys by row id, and
// .meta) on close; on open it is loaded without reading the rows and caught up
// from SQLite (new rows by rowid, deletions from a tombstone table), or rebuilt when missing or
// damaged. Every operation first catches up with changes other processes made, so several
// processes can share one file safely; writes are serialised by SQLite's lock.
#pragma once

#include <memory>
#include <string>

#include "vector/vector_store.h"

namespace memgpt::vector {

struct EmbeddedOptions {
  bool save_index_on_close = true;
  // Threads that build the graph for large writes and catch-ups (hnswlib's concurrent addPoint).
  int index_threads = 2;
  // Filtered searches whose matching rows are at most this many (or below the fraction of the
  // collection) use exact search over those rows instead of the graph.
  int64_t exact_search_max_rows = 20000;
  double exact_search_max_fraction = 0.05;
};

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& path,
                                                         const EmbeddedOptions& options = {});

}  // namespace memgpt::vector
