// Catch-up: keeps each collection's derived state (HNSW graph and key table, in
// embedded_collection.h) equal to its rows in SQLite, whoever wrote them.
//
// Files beside the store, per collection, replaced together under an exclusive flock of
// `<store>.lock` (readers take it shared while loading):
//   <store>.<collection>.hnsw        the graph (hnsw_graph_file.h)
//   <store>.<collection>.hnsw.keys   the key table (key_table.h)
//   <store>.<collection>.hnsw.meta   JSON, written last: {"format":1, "uid", "dim",
//       "applied_rowid", "applied_tomb", "count", "graph_xxh3": "<16 hex digits>",
//       "vectors": "FP32" | "SQ8" (what the graph holds: HNSW_SQ graphs hold SQ8 codes,
//       sq8_space.h; absent in older files: FP32)}
// The meta names the catch-up point the saved graph reached: rows up to applied_rowid are in
// it, tombstones up to applied_tomb applied, `count` elements, and the hash of the graph file.
//
// Contract of catch_up():
//  - On first use the saved index is loaded when its meta is readable, of a known format, for
//    this collection (uid, dim, vectors), not ahead of the file (a catch-up point past the file's last
//    row or tombstone: the file was restored or replaced), and the graph file matches its hash
//    and count; otherwise the graph is rebuilt from the rows. Keys that do not belong to that
//    graph are read from the rows. A meta without "format" (written by builds before the hash)
//    is trusted to the graph's structural checks alone, once: the next save adds the hash.
//  - Then new rows (rid > read_rowid) are read and new tombstones applied. Few new rows (at
//    most EmbeddedOptions::background_index_min_rows, none growing) go into the graph at once;
//    more, or any with defer_indexing, become growing rows (growing_rows.h), searched exactly,
//    and a background thread (not with defer_indexing) moves them into the graph in chunks sized
//    to hold the collection's lock ~15 ms, advancing applied_rowid. Nothing is queried when
//    SQLite's data_version and this process's writes say nothing changed.
// save() writes graph, keys, then meta (the graph as far as it is built: growing rows are read
// again by the next process); a crash part-way leaves files that the next load
// refuses (hash or stamp) or catches up from. Its errors never name files.
#pragma once

#include <string>

#include "util/status.h"
#include "vector/embedded_collection.h"

namespace memgpt::vector::embedded {

class IndexKeeper {
 public:
  explicit IndexKeeper(EngineContext& context) : ctx_(context) {}

  // Brings `c` up to date with the file: other processes' commits (data_version) and this
  // process's own (Collection::own_writes).
  Status catch_up(Collection& c);
  // Saves the graph, the keys and the meta of `c` (nothing when it was never loaded).
  Status save(Collection& c);
  // Removes the index files of a dropped collection.
  void remove_files(const std::string& collection) const;
  std::string graph_path(const std::string& collection) const { return ctx_.path + "." + collection + ".hnsw"; }

 private:
  bool load_saved(Collection& c, int64_t max_rid, int64_t max_tomb, bool& keys_loaded);
  void make_space(Collection& c) const;
  void make_index(Collection& c, size_t capacity) const;
  // `parallel_min`: the smallest batch worth the index threads (starting them costs ~0.1 ms).
  Status add_points(Collection& c, std::vector<std::pair<hnswlib::labeltype, const char*>>& points,
                    std::string& codes, size_t parallel_min = 256) const;
  void start_builder(Collection& c);
  void build_behind(Collection& c);

  EngineContext& ctx_;
};

}  // namespace memgpt::vector::embedded
