// An inverted index of one collection's text field for keyword search with exact top-k pruning:
// the same top-k, scores and order as SQLite FTS5's bm25() over the collection's FTS5 table,
// while a query reads a small part of the postings of its terms.
//
// Ranking (FTS5's bm25 with its constants k1 = 1.2, b = 0.75, evaluated with the same double
// expressions in the same order, so the scores are bit-identical):
//   score(d) = sum over query terms t in query order, present in d, of
//              idf(t) * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * dl / avgdl))
//   idf(t)   = log((N - df + 0.5) / (df + 0.5)), or 1e-6 when that is not positive
// with N the live documents (every row, an empty text included), df the live documents holding
// t, tf its occurrences in d, dl the tokens of d and avgdl the tokens of all live documents / N.
// Best first, ties by ascending rid (the FTS5 reference orders by bm25 then rid).
//
// Pruning (MaxScore with block maxima): postings are kept by document in blocks of kBlock, each
// with its largest tf and smallest dl, which bound the block's scores. Terms are taken in order
// of their bound; those whose bounds together cannot lift a document into the current top k
// only check the documents the others propose, skipping whole blocks by their bound. Documents
// are visited in rid order, so a later one must beat the k-th score, not tie it; bounds are
// raised by a relative 1e-12 so that rounding never prunes a true top-k document.
//
// Documents are numbered in rid order (rows arrive in ascending rid); a deleted document is
// marked dead and its terms' df lowered at once (the forward index gives its terms), its
// postings dropped at the next compaction. Not thread-safe: the owner locks (keyword_search.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace memgpt::vector::embedded {

struct KeywordHit {
  int64_t rid;
  double score;  // -bm25: higher is better
};

struct KeywordStats {
  uint64_t postings_read = 0;   // postings the search loaded
  uint64_t postings_total = 0;  // postings of the query's terms (what a full ranking scores)
};

// The ranking's constants: FTS5's bm25 by default; a BM25 function's index (Milvus's BM25
// metric) sets its k1 and b and Milvus's idf, log(1 + (N - df + 0.5) / (df + 0.5)). The
// pruning holds for any k1 >= 0 and b in [0, 1] (a score grows with tf and falls with dl).
// Milvus also weighs each query term by its occurrences in the query (`term_weights`, by query
// term; empty: 1 each, as FTS5).
struct Bm25Scoring {
  double k1 = 1.2;
  double b = 0.75;
  bool milvus_idf = false;
  std::vector<double> term_weights;
};

class KeywordIndex {
 public:
  static constexpr size_t kBlock = 64;

  // Adds a document; `rid` must exceed every rid added before. `tokens` in text order.
  void add(int64_t rid, const std::vector<std::string>& tokens);
  // Marks the document of `rid` deleted (nothing when there is none).
  void remove(int64_t rid);
  // Rewrites the postings without dead documents when they are a large share.
  void compact_if_worthwhile();

  // The best `k` live documents holding any of `terms` (distinct tokens, in query order) that
  // `allowed` admits (by rid; nullptr: all), best first.
  std::vector<KeywordHit> search(const std::vector<std::string>& terms, size_t k,
                                 const std::function<bool(int64_t)>* allowed, KeywordStats* stats = nullptr,
                                 const Bm25Scoring& scoring = {}) const;

  int64_t live_documents() const { return live_docs_; }
  int64_t last_rid() const { return rids_.empty() ? 0 : rids_.back(); }
  // The rids of all documents in doc order (dead ones included), for callers that build
  // per-document tables.
  const std::vector<int64_t>& rids() const { return rids_; }
  bool is_dead(uint32_t doc) const { return dead_[doc] != 0; }

  // The index as bytes, and back (nullopt: not an index of this format, or damaged).
  std::string serialize() const;
  static std::optional<KeywordIndex> parse(std::string_view bytes);

 private:
  struct Posting {
    uint32_t doc;
    uint32_t tf;
  };
  struct Block {
    uint32_t last_doc = 0;
    uint32_t max_tf = 0;
    uint32_t min_dl = UINT32_MAX;
  };
  struct Term {
    std::vector<Posting> postings;  // by doc
    std::vector<Block> blocks;      // blocks[i] covers postings [i * kBlock, (i + 1) * kBlock)
    int64_t live_df = 0;
  };
  struct Cursor;

  void append_posting(uint32_t term, uint32_t doc, uint32_t tf);
  void rebuild_forward();

  std::unordered_map<std::string, uint32_t> term_ids_;
  std::vector<std::string> term_names_;
  std::vector<Term> terms_;
  std::vector<int64_t> rids_;     // by doc, ascending
  std::vector<uint32_t> lengths_; // tokens, by doc
  std::vector<uint8_t> dead_;     // by doc
  std::vector<uint32_t> forward_; // distinct term ids of each doc, concatenated
  std::vector<uint64_t> forward_begin_{0};  // doc d's terms: forward_[begin[d], begin[d + 1])
  int64_t live_docs_ = 0;
  int64_t live_tokens_ = 0;
  int64_t dead_docs_ = 0;
};

}  // namespace memgpt::vector::embedded
