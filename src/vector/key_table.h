// The key table: each collection's primary keys by row id (rid), so a search that wants only
// ids needs no SQL. Dense vectors indexed by rid: rids are SQLite AUTOINCREMENT values (1, 2,
// ...), and a vector loads and looks up far faster than a hash map of a million entries.
//
// File format (`<store>.<collection>.hnsw.keys`, host byte order):
//   "MGKEYS2\0", u64 stamp length, stamp, u8 int_keys, u64 entries,
//   per entry (rids ascending): i64 rid, then i64 key (Int64 keys) or u32 length + bytes,
//   u64 XXH3-64 of every byte before it.
// The stamp names the one save of the graph file the table belongs to (collection, catch-up
// point, element count), so keys of another save (a crash between the two writes) are never
// used with a graph.
//
// Contract of parse(): it refuses a file that is truncated or longer than its entries, has
// another magic or version, a checksum that does not match (a flipped byte anywhere), another
// stamp or key type, rids out of order or out of range; the table is then left empty and the
// caller reads the keys from the rows. Never a table that maps a rid to the wrong key.
// Not thread-safe: the engine guards it with its collection's lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"
#include "util/sql.h"

namespace memgpt::vector::embedded {

class KeyTable {
 public:
  void reset(bool int_keys);
  // The key in column `col` of `r` (integer or text, as the table's keys are).
  void set(int64_t rid, const SqlRow& r, size_t col);
  void erase(int64_t rid);
  bool find(int64_t rid, Json& out) const;
  size_t size() const { return size_; }

  std::string serialize(const std::string& stamp) const;
  // False (table left empty) when the image is damaged or belongs to another save.
  bool parse(std::string_view in, const std::string& stamp, bool int_keys);

 private:
  void grow(size_t n);

  bool int_keys_ = true;
  std::vector<int64_t> ints_;
  std::vector<std::string> strs_;
  std::vector<uint8_t> present_;
  size_t size_ = 0;
};

}  // namespace memgpt::vector::embedded
