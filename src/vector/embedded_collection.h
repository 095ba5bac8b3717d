// One collection as the embedded engine holds it in memory: its spec, row codec, and the state
// derived from its rows (the HNSW graph, the key table, the catch-up point, the filter cache).
// The rows in SQLite are the truth; everything here can be rebuilt from them
// (index_catch_up.h keeps it current).
//
// Locking: `mu` shared for searches and key lookups, exclusive for any change of the graph,
// growing rows, keys or catch-up points (the background builder takes it per chunk). The fields above `mu` are fixed once the collection is loaded.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <thread>

#include "util/sql.h"
#include "vector/embedded_caches.h"
#include "vector/embedded_store.h"
#include "vector/growing_rows.h"
#include "vector/hnsw_graph_file.h"
#include "vector/key_table.h"
#include "vector/row_codec.h"
#include "vector/sq8_space.h"

namespace memgpt::vector::embedded {

struct KeywordState;  // keyword_search.cpp

struct Collection {
  CollectionSpec spec;
  std::string uid;    // changes when the collection is dropped and created again
  std::string table;  // quoted "c_<name>"
  std::string fts;    // quoted "t_<name>", or "" when there is no text field
  std::unique_ptr<RowCodec> codec;

  // The float space of the metric: the graph's own, or with `sq8` (HNSW_SQ) the one that
  // re-ranks candidates from the stored vectors while the graph holds 8-bit codes.
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<Sq8Space> sq8;
  hnswlib::SpaceInterface<float>* graph_space() const {
    return sq8 ? static_cast<hnswlib::SpaceInterface<float>*>(sq8.get()) : space.get();
  }
  GraphHolder hnsw;
  int64_t applied_rowid = 0;       // rows up to this rid are in the graph
  int64_t read_rowid = 0;          // rows up to this rid are in the graph or `growing`, and keys
  GrowingRows growing;             // rows after applied_rowid: scored exactly until indexed
  size_t live_in_graph() const { return hnsw->cur_element_count - hnsw->num_deleted_; }
  std::string saved_stamp;         // the state the index files hold, when this process knows it
  int64_t applied_tomb = 0;        // tombstones up to this seq are applied
  int64_t seen_data_version = -1;  // SQLite's data_version when last caught up
  // This process's commits to the collection, counted by the writers after each commit without
  // the lock: the next catch-up reads them, as it reads another process's (SQLite's
  // data_version does not move for a connection's own commits).
  std::atomic<int64_t> own_writes{0};
  int64_t seen_own_writes = -1;  // own_writes when last caught up
  KeyTable keys;
  int64_t generation = 0;  // catch-ups that changed something (filter cache validity)
  FilterRowsCache filter_cache;
  std::shared_ptr<KeywordState> keyword;  // the inverted index, made by KeywordSearch on first use
  std::shared_mutex mu;

  // The background builder that moves `growing` into the graph (index_catch_up.h); joined
  // before the collection goes away.
  std::thread builder;
  std::atomic<bool> builder_running{false};
  std::atomic<bool> stop_builder{false};
  void join_builder() {
    stop_builder = true;
    if (builder.joinable()) builder.join();
    stop_builder = false;
  }
  ~Collection() { join_builder(); }
};

// What the engine's parts share: the connection (errors already cleaned, embedded_db.h), the
// store's path (index files sit beside it) and the options.
struct EngineContext {
  SqlDatabase& db;
  std::string path;
  EmbeddedOptions options;
};

}  // namespace memgpt::vector::embedded
