// Keyword search of the embedded engine through its own inverted index (keyword_index.h): the
// same top k as the FTS5 ranking in hybrid_search.h, reading a small part of the postings. A
// collection with a BM25 function (Milvus's full-text search) is ranked by the same index with
// Milvus's BM25 metric (its k1, b and idf) over the words of the "standard" analyzer.
//
// The index of a collection is derived data like its graph (index_catch_up.h): built from the
// rows' text field on first use, caught up before each search with the rows added since
// (rid > applied_rowid) and the tombstones since (seq > applied_tomb), which the collection's
// generation says exist, saved on close as <store>.<collection>.kw and loaded on the next
// open. The file is one JSON line {"format", "uid", "applied_rowid", "applied_tomb"}, the index
// (KeywordIndex::serialize) and the XXH3-64 of both; a file that is damaged, of another
// collection or ahead of the rows (a restored store) is ignored and the index rebuilt.
//
// Filters: the rows a filter selects are a set of rids kept per compiled filter (at most 16)
// and extended with the new rows' matches as rows arrive (rows never change under a rid), so a
// repeated filter costs no SQL; the ranking checks each candidate against it before scoring.
// Reading the postings with the check costs less than the FTS5 ranking at any selectivity
// (FTS5 reads every posting and looks every match up in the table), so there is no other plan.
//
// Thread-safe: the index is caught up under its exclusive lock and searched under its shared one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"
#include "vector/embedded_collection.h"
#include "vector/filter_sql.h"
#include "vector/keyword_index.h"

namespace memgpt::vector::embedded {

class KeywordSearch {
 public:
  explicit KeywordSearch(EngineContext& context) : ctx_(context) {}

  // (rid, score) best first, at most k, as keyword_search() in hybrid_search.h.
  Result<std::vector<std::pair<int64_t, double>>> search(Collection& c, const std::string& text, size_t k,
                                                         const SqlFilter& f, KeywordStats* stats = nullptr);
  // Saves the index of `c` when it was loaded; removes a dropped collection's file.
  Status save(Collection& c);
  void remove_file(const std::string& collection) const;
  std::string index_path(const std::string& collection) const { return ctx_.path + "." + collection + ".kw"; }

 private:
  Status catch_up(Collection& c, KeywordState& state);
  Result<std::shared_ptr<const std::vector<bool>>> allowed_rows(Collection& c, KeywordState& state, const SqlFilter& f);

  std::shared_ptr<KeywordState> state_of(Collection& c);

  EngineContext& ctx_;
  std::mutex states_mu_;  // making a collection's state
};

}  // namespace memgpt::vector::embedded
