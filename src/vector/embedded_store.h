// The embedded engine: a Milvus-shaped store in one local file (the role Milvus Lite plays).
//
// Layout (docs/storage.md): <path> is an SQLite database (WAL) holding, per collection, a table
// of rows (primary key, scalar columns, dynamic JSON, vector BLOB) and an FTS5 index over the
// text field; it is the source of truth. Each collection's HNSW graph is derived data, kept in
// memory and saved beside the file as <path>.<collection>.hnsw (with .keys: primary keys by row
// id, and .meta: the catch-up point and checksum) on close; on open it is loaded without
// reading the rows and caught up from SQLite (new rows by rowid, deletions from a tombstone
// table), or rebuilt when missing, damaged or from another state of the file. Every operation
// first catches up with changes other processes made, so several processes can share one file
// safely; writes are serialised by SQLite's lock.
//
// The engine in parts: embedded_schema (layout, DDL), filter_sql (filter -> SQL), row_codec
// (rows and vector rules), hnsw_graph_file (graph format, mmap), key_table, index_catch_up
// (load, catch up, save), filtered_search (the search plans), hybrid_search (BM25 by FTS5, fusion),
// keyword_index and keyword_search (BM25 with top-k pruning, text_tokenizer),
// embedded_caches; embedded_store.cpp joins them behind VectorStore.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "vector/vector_store.h"

namespace memgpt::vector {

// How a vector search found its candidates.
enum class SearchPlan {
  kGraph,        // no filter: the whole graph (hnswlib's own search)
  kExact,        // a filter few rows match: every matching row scored exactly
  kFilteredWalk, // the graph walked with the filter applied inside the walk
  kDeeperGraph,  // a filter most rows match: the whole graph searched deeper, the rest dropped
};
const char* search_plan_name(SearchPlan plan);

struct EmbeddedOptions {
  bool save_index_on_close = true;
  // Threads that build the graph for large writes and catch-ups (hnswlib's concurrent addPoint).
  int index_threads = 2;
  // Rows that are stored but not yet in the graph are "growing" (Milvus's growing segment):
  // searches score them exactly, and a background builder moves them into the graph. A
  // catch-up that finds more new rows than this (a bulk load by another process, a graph
  // rebuilt from the rows) leaves them growing rather than making the caller wait for the
  // graph; fewer are indexed at once.
  int64_t background_index_min_rows = 20000;
  // Bulk loading: writes never index (nor read their rows back); they stay growing for the
  // next process that opens the store, which builds the graph in the background. This process
  // builds nothing, and scores its own new rows exactly if it searches.
  bool defer_indexing = false;
  // Filtered search plans. A filter matching at most exact_search_max_rows rows, or less than
  // exact_search_max_fraction of the collection, is scored exactly. One matching more than
  // exact_search_max_rows rows and at least deeper_graph_min_fraction of the collection
  // searches the whole graph deeper. Between the two, exact scoring (one distance per matching
  // row) is still chosen when it costs less than the filtered walk (about graph_walk_cost_factor
  // x M x beam / selectivity distances); a factor of 0 leaves the choice to the thresholds.
  int64_t exact_search_max_rows = 20000;
  double exact_search_max_fraction = 0.05;
  double deeper_graph_min_fraction = 0.5;
  double graph_walk_cost_factor = 2.0;
  // Called with the plan of every vector search (tests and benchmarks watch the plans).
  std::function<void(SearchPlan)> on_search_plan;
  // Keyword search from the engine's inverted index with exact top-k pruning (keyword_search.h);
  // false: FTS5 ranks every matching row (the reference ranking; same results, slower).
  bool keyword_index = true;
  // Called after every keyword search from the index with the postings it read and the
  // postings a full ranking scores (benchmarks report them).
  std::function<void(uint64_t read, uint64_t total)> on_keyword_search;
};

Result<std::unique_ptr<VectorStore>> open_embedded_store(const std::string& path,
                                                         const EmbeddedOptions& options = {});

}  // namespace memgpt::vector
