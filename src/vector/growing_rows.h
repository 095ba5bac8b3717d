// Rows of a collection that are stored but not yet in its HNSW graph: Milvus's growing segment.
// A bulk write leaves its rows here instead of indexing them on the writer's critical path;
// searches score them exactly (one distance per row, so results stay exact), and a background
// builder (index_catch_up.h) moves them into the graph oldest first. Rows are kept in rid order,
// so the graph always holds every row up to some rid and this holds the ones after it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace memgpt::vector::embedded {

class GrowingRows {
 public:
  // Rows from `first()` to `end()` are growing; those before `first()` are already in the graph
  // (kept until all are, so indexes held by a search or a cached filter stay valid).
  size_t first() const { return first_; }
  size_t end() const { return rids_.size(); }
  size_t pending() const { return rids_.size() - first_; }
  size_t live() const { return live_; }
  bool empty() const { return first_ == rids_.size(); }

  int64_t rid(size_t i) const { return rids_[i]; }
  const float* vector(size_t i) const { return vectors_.data() + i * dim_; }
  bool alive(size_t i) const { return alive_[i] != 0; }

  // Appends a row; its rid is above every rid held.
  void add(int64_t rid, const float* v, size_t dim) {
    dim_ = dim;
    rids_.push_back(rid);
    vectors_.insert(vectors_.end(), v, v + dim);
    alive_.push_back(1);
    ++live_;
  }
  // Marks a growing row deleted; false when the rid is not a growing row.
  bool erase(int64_t rid) {
    auto it = std::lower_bound(rids_.begin() + static_cast<std::ptrdiff_t>(first_), rids_.end(), rid);
    if (it == rids_.end() || *it != rid) return false;
    size_t i = static_cast<size_t>(it - rids_.begin());
    if (alive_[i]) {
      alive_[i] = 0;
      --live_;
    }
    return true;
  }
  // Index of a growing row by rid, or end().
  size_t find(int64_t rid) const {
    auto it = std::lower_bound(rids_.begin() + static_cast<std::ptrdiff_t>(first_), rids_.end(), rid);
    return it != rids_.end() && *it == rid ? static_cast<size_t>(it - rids_.begin()) : end();
  }
  // The rows before `to` are now in the graph; when none is left, the memory is released.
  void indexed_up_to(size_t to) {
    for (size_t i = first_; i < to; ++i) live_ -= alive_[i];
    first_ = to;
    if (first_ == rids_.size()) clear();
  }
  void clear() {
    rids_ = {};
    vectors_ = {};
    alive_ = {};
    first_ = 0;
    live_ = 0;
  }

 private:
  size_t dim_ = 0;
  size_t first_ = 0;
  size_t live_ = 0;
  std::vector<int64_t> rids_;   // ascending
  std::vector<float> vectors_;  // dim floats per row
  std::vector<char> alive_;     // 0: deleted after it was read
};

}  // namespace memgpt::vector::embedded
