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
// The filter's count and matching graph ids are computed once per collection generation and
// cached (embedded_caches.h). Results: (hnswlib distance, rid), best first, at most k; deleted
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

  // `q` is already normalised for COSINE; `ef` 0 lets the engine choose the beam.
  Result<std::vector<std::pair<float, int64_t>>> search(Collection& c, const std::vector<float>& q, size_t k, int ef,
                                                        const SqlFilter& f);

 private:
  Result<std::shared_ptr<const FilterRows>> filter_rows(Collection& c, const SqlFilter& f, size_t alive);
  Result<std::vector<std::pair<float, int64_t>>> deeper_graph(Collection& c, const float* q, size_t k, int ef,
                                                              const SqlFilter& f, double share, size_t alive);
  std::vector<std::pair<float, int64_t>> exact(Collection& c, const float* q, size_t k, const FilterRows& rows) const;
  std::vector<std::pair<float, int64_t>> graph_search(Collection& c, const float* q, size_t k, int ef,
                                                      const std::vector<bool>* allowed) const;
  void report(SearchPlan plan) const {
    if (ctx_.options.on_search_plan) ctx_.options.on_search_plan(plan);
  }

  EngineContext& ctx_;
};

}  // namespace memgpt::vector::embedded
