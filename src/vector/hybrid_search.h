// Keyword and hybrid search for the embedded engine: BM25 over a collection's FTS5 index of its
// "text" field, and the fusion of a keyword ranking with a vector ranking.
//
// Contract:
//  - keyword_search(): the full BM25 ranking by FTS5. Every distinct token of the query (FTS5's
//    own tokenizer, text_tokenizer.h), the first kMaxQueryTerms, becomes a quoted FTS5 term of
//    its source text, joined by OR, so BM25 ranks rows by how many query words they hold and
//    how rare those are. Only rows the filter selects; (rid, score) best first, ties by rid,
//    score = -bm25 (higher is better); at most k. A query without words finds nothing. The
//    engine answers from its inverted index (keyword_search.h) with the same result; this is
//    the reference, and the plan when the index is turned off (EmbeddedOptions::keyword_index).
//  - fuse(): reciprocal rank fusion, score(row) = w_v / (rrf_k + vector rank) + w_t / (rrf_k +
//    text rank) with ranks from 1, summed over the rankings that hold the row; best first, ties
//    by rid.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"
#include "vector/embedded_collection.h"
#include "vector/filter_sql.h"

namespace memgpt::vector::embedded {

inline constexpr size_t kMaxQueryTerms = 256;

Result<std::vector<std::pair<int64_t, double>>> keyword_search(SqlDatabase& db, const Collection& c,
                                                               const std::string& text, size_t k, const SqlFilter& f);

// `vector_hits`: (distance, rid) best first; `text_hits`: (rid, score) best first.
std::vector<std::pair<double, int64_t>> fuse(const std::vector<std::pair<float, int64_t>>& vector_hits,
                                             const std::vector<std::pair<int64_t, double>>& text_hits, int rrf_k,
                                             double vector_weight, double text_weight);

}  // namespace memgpt::vector::embedded
