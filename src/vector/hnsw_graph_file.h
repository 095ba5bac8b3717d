// The graph file of a collection (`<store>.<collection>.hnsw`): the HNSW graph saved in
// hnswlib 0.6.2's saveIndex format, written and read by the engine itself so that every write
// is checked and every read validated, and loaded by mapping the file instead of copying it.
//
// Format (host byte order, no padding, exactly as hnswlib's saveIndex writes it):
//   header, 96 bytes: u64 offsetLevel0 (0), u64 max_elements, u64 count, u64 size_per_element,
//     u64 label_offset, u64 offset_data, i32 max_level, u32 enter_point, u64 maxM, u64 maxM0,
//     u64 M, f64 mult, u64 ef_construction;
//   count level-0 records of size_per_element bytes: u32 link count (low 16 bits; bit 16 of
//     the upper bytes marks a deleted element), maxM0 u32 neighbour ids, the vector (dim
//     float32; for HNSW_SQ its SQ8 code, sq8_space.h), u64 label (the row's rid);
//   per element: u32 byte size of its upper-level link lists (0: level 0 only), then the lists
//     (levels x (u32 count + maxM u32 ids)).
// The file has no checksum of its own: save_graph() returns the XXH3-64 of every byte written,
// which the caller keeps in the meta file and hands back to load_graph().
//
// Contract of load_graph(): the file is checked whole before it is used: its hash against the
// expected one (flipped bytes anywhere), the header against the collection (M, dimension) and
// the file's length (truncation), every neighbour id below count, every level within
// max_level, labels unique, the entry point on the top level. A file that fails any check, or
// that cannot be mapped or allocated, gives an empty holder: never a graph that reads out of
// bounds or answers with the wrong rows. The caller then rebuilds from the rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "util/status.h"
#include "vector/hnsw.h"

namespace memgpt::vector::embedded {

// An hnswlib graph whose level-0 block (vectors and base-layer links, nearly all of its bytes)
// may be a private mapping of the saved file: copying 1.7 GB into fresh heap pages costs
// seconds of page faults, a mapping shares the page cache and copies only pages that change.
// hnswlib frees and reallocs that block itself, so it moves to the heap before a resize and is
// unmapped before the graph is destroyed.
class GraphHolder {
 public:
  GraphHolder() = default;
  GraphHolder(const GraphHolder&) = delete;
  GraphHolder& operator=(const GraphHolder&) = delete;
  GraphHolder(GraphHolder&& other) noexcept { *this = std::move(other); }
  GraphHolder& operator=(GraphHolder&& other) noexcept;
  GraphHolder& operator=(std::unique_ptr<Graph> g);
  ~GraphHolder() { reset(); }

  // The graph's level-0 block now lies inside [base, base + size), mapped by the caller.
  void adopt_mapping(void* base, size_t size);
  void reset();
  // hnswlib's resizeIndex, after moving a mapped block to the heap.
  void resize(size_t max_elements);

  Graph* get() const { return graph_.get(); }
  Graph* operator->() const { return graph_.get(); }
  explicit operator bool() const { return graph_ != nullptr; }

 private:
  std::unique_ptr<Graph> graph_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

// Loads the graph at `path` for a collection with HNSW parameter `m` in `space` (which gives
// the size of each element's vector or code). `expected_hash` is what save_graph() returned for this file; none for a file
// saved by a build that kept no hash (only the structural checks apply).
GraphHolder load_graph(const std::string& path, hnswlib::SpaceInterface<float>* space, int m, int ef_construction,
                       std::optional<uint64_t> expected_hash);

// Writes `graph` to `path` (a temporary file, fsynced, renamed over it); returns the XXH3-64
// of the bytes written. Errors (disk full, not writable) leave the old file in place.
Result<uint64_t> save_graph(const Graph& graph, const std::string& path);

}  // namespace memgpt::vector::embedded
