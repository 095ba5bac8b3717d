// Vector search over one collection's graph, with or without a filter, by one of four plans
// (SearchPlan in embedded_store.h), chosen per search from how many rows the filter selects:
//  - no filter: hnswlib's own search of the whole graph;
//  - few matching rows (at most exact_search_max_rows, or below exact_search_max_fraction of
//    the collection, or fewer than the walk would score): exact scoring of every matching row;
//  - most rows (more than exact_search_max_rows and at least deeper_graph_min_fraction): the
//    whole graph searched with a beam widened by 1/share, rows outside the filter dropped, and
//    the beam doubled until k rows remain or the graph is exhausted;
//  - otherwise: the graph walked with the filter inside the walk (non-matching nodes are
//    walked through but never returned) and a beam of 128/sqrt(selectivity), at most 4096.
// HNSW_SQ graphs hold 8-bit codes (sq8_space.h): every plan ranks by the codes' distances;
// with refine, refine_k·k candidates are then re-ranked exactly from the rows' float vectors
// (one SQL query) and the distances returned are exact; without, they are the codes'.
// The filter's count and matching graph ids are computed once per collection generation and
// cached (embedded_caches.h). Rows not yet in the graph (growing_rows.h) are scored exactly
// beside whichever plan runs, and the best k of both returned. Results: (hnswlib distance, rid), best first, at most k; deleted
// rows never appear. The caller holds no lock; this takes the collection's shared lock.
#pragma once

#include <utility>
#include <vector>

#include "util/status.h"
#include "vector/embedded_collection.h"
#include "vector/filter_sql.h"

namespace memgpt::vector::embedded {

class FilteredSearch {
 public:
  explicit FilteredSearch(EngineContext& context) : ctx_(context) {}

  // `q` is already normalised for COSINE; `ef` 0 lets the engine choose the beam; `refine_k`
  // (HNSW_SQ with refine) how many candidates per hit are re-ranked, 0 for the default (1).
  Result<std::vector<std::pair<float, int64_t>>> search(Collection& c, const std::vector<float>& q, size_t k, int ef,
                                                        const SqlFilter& f, double refine_k = 0);

 private:
  using Hits = std::vector<std::pair<float, int64_t>>;
  // The query as the graph compares it: floats, or (HNSW_SQ) prepared for the graph's codes.
  struct Query {
    const float* vector;
    const Sq8Query* codes;
    float distance(const Graph& h, hnswlib::tableint id) const {
      const char* data = h.getDataByInternalId(id);
      return codes ? codes->distance(data) : h.fstdistfunc_(vector, data, h.dist_func_param_);
    }
  };
  // The plans; distances are the graph's (of the codes, for HNSW_SQ). `alive`: live rows in
  // the graph and growing.
  Result<Hits> candidates(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f, size_t alive);
  Result<Hits> graph_candidates(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f,
                                const FilterRows* rows, size_t alive);
  Hits with_growing(const Collection& c, const float* q, size_t k, const std::vector<size_t>* only, Hits hits) const;
  Result<std::shared_ptr<const FilterRows>> filter_rows(Collection& c, const SqlFilter& f, size_t alive);
  Result<Hits> deeper_graph(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f, double share,
                            size_t alive);
  Hits exact(Collection& c, const Query& q, size_t k, const FilterRows& rows) const;
  Hits graph_search(Collection& c, const Query& q, size_t k, int ef, const std::vector<bool>* allowed) const;
  Result<Hits> rerank(Collection& c, const float* q, Hits found, size_t k);
  void report(SearchPlan plan) const {
    if (ctx_.options.on_search_plan) ctx_.options.on_search_plan(plan);
  }

  EngineContext& ctx_;
};

}  // namespace memgpt::vector::embedded
