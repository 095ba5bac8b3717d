// The embedded engine's two caches, each small, bounded and thread-safe.
//  - FilterRowsCache (one per collection): the rows a filter selects, resolved to graph ids,
//    for the filtered search plans. memgpt repeats `agent_id == "..."` on every search, so a
//    repeated filter runs no SQL. An entry is valid for one generation of its collection (the
//    generation counts catch-ups that changed something); at most 16 filters, then it starts
//    over.
//  - CountCache (one per store): filtered row counts (the agent shows its archival size in
//    every prompt; counting 100k rows costs ~10 ms). An entry is valid while neither this
//    process (its write counter) nor another (SQLite's data_version) has written since; at most
//    64 entries.
// Keys are compiled filters (filter_key() in filter_sql.h), never raw filter text.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vector/hnsw.h"

namespace memgpt::vector::embedded {

// The rows matching one filter, resolved against the graph.
struct FilterRows {
  int64_t matching = 0;                // rows the filter selects
  bool most_rows = false;              // enough for the deeper whole-graph plan: ids and
                                       // allowed are not built (that plan checks hits by SQL)
  std::vector<hnswlib::tableint> ids;  // graph ids of the matching live rows (exact plan)
  std::vector<bool> allowed;           // by rid (filtered graph walk)
  std::vector<size_t> growing;         // matching live growing rows (their indexes there)
};

class FilterRowsCache {
 public:
  std::shared_ptr<const FilterRows> find(const std::string& key, int64_t generation) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    return it != entries_.end() && it->second.generation == generation ? it->second.rows : nullptr;
  }
  void put(const std::string& key, int64_t generation, std::shared_ptr<const FilterRows> rows) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[key] = {generation, std::move(rows)};
  }
  void clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  static constexpr size_t kMaxEntries = 16;
  struct Entry {
    int64_t generation;
    std::shared_ptr<const FilterRows> rows;  // shared: searches use it without copying
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

class CountCache {
 public:
  // The state of the file a count was taken in.
  struct Version {
    int64_t local_writes;
    int64_t data_version;
    bool operator==(const Version&) const = default;
  };
  bool find(const std::string& key, Version now, int64_t& n) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || !(it->second.version == now)) return false;
    n = it->second.n;
    return true;
  }
  void put(const std::string& key, Version taken, int64_t n) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[key] = {taken, n};
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  struct Entry {
    Version version;
    int64_t n;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace memgpt::vector::embedded
