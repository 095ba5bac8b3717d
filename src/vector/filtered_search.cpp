#include "vector/filtered_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <unordered_set>

namespace memgpt::vector::embedded {

using Hits = std::vector<std::pair<float, int64_t>>;

constexpr size_t kDefaultEf = 100;  // the beam when the caller leaves ef to the engine
constexpr double kDefaultRefineK = 1;  // Milvus's default for refine_k

Result<Hits> FilteredSearch::search(Collection& c, const std::vector<float>& vector, size_t k, int ef,
                                    const SqlFilter& f, double refine_k) {
  std::shared_lock lock(c.mu);
  size_t alive = c.live_in_graph() + c.growing.live();
  if (alive == 0) return Hits{};
  if (!c.sq8) return candidates(c, Query{vector.data(), nullptr}, k, ef, f, alive);
  // HNSW_SQ: the graph ranks by the codes' distances; with refine, refine_k·k candidates are
  // re-ranked from the stored floats.
  Sq8Query codes(*c.sq8, vector.data());
  if (!c.spec.index.refine) return candidates(c, Query{vector.data(), &codes}, k, ef, f, alive);
  double factor = refine_k > 0 ? refine_k : kDefaultRefineK;
  size_t wide = std::max(k, static_cast<size_t>(std::ceil(factor * static_cast<double>(k))));
  MEMGPT_ASSIGN_OR_RETURN(Hits found, candidates(c, Query{vector.data(), &codes}, wide, ef, f, alive));
  return rerank(c, vector.data(), std::move(found), k);
}

// The rows in the graph and the growing ones (scored exactly), best k of both.
Result<Hits> FilteredSearch::candidates(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f,
                                        size_t alive) {
  std::shared_ptr<const FilterRows> rows;
  if (f.where != "1") {
    MEMGPT_ASSIGN_OR_RETURN(rows, filter_rows(c, f, alive));
    if (rows->matching == 0) return Hits{};
  }
  Hits hits;
  if (c.live_in_graph() > 0) {
    MEMGPT_ASSIGN_OR_RETURN(hits, graph_candidates(c, q, k, ef, f, rows.get(), alive));
  }
  if (c.growing.live() == 0) return hits;
  return with_growing(c, q.vector, k, rows ? &rows->growing : nullptr, std::move(hits));
}

Result<Hits> FilteredSearch::graph_candidates(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f,
                                              const FilterRows* rows, size_t alive) {
  const EmbeddedOptions& o = ctx_.options;
  if (!rows) {
    report(SearchPlan::kGraph);
    return graph_search(c, q, k, ef, nullptr);
  }
  double share = static_cast<double>(rows->matching) / static_cast<double>(alive);
  if (rows->most_rows) {
    report(SearchPlan::kDeeperGraph);
    return deeper_graph(c, q, k, ef, f, std::min(share, 1.0), c.live_in_graph());
  }
  if (rows->ids.empty()) return Hits{};  // the matching rows are not in the graph (yet)
  // A selective filter needs a wider beam to find k matching rows.
  double selectivity = static_cast<double>(rows->ids.size()) / static_cast<double>(c.live_in_graph());
  int wide = static_cast<int>(std::max<double>(ef > 0 ? ef : 0, std::min(4096.0, 128.0 / std::sqrt(selectivity))));
  // Exact scoring costs one distance per matching row; the filtered walk expands about
  // wide / selectivity nodes to collect `wide` matching ones, scoring up to 2M neighbours each.
  double walk_cost = o.graph_walk_cost_factor * c.spec.index.m * wide / selectivity;
  bool exact_plan = static_cast<int64_t>(rows->ids.size()) <= o.exact_search_max_rows ||
                    selectivity < o.exact_search_max_fraction || static_cast<double>(rows->ids.size()) <= walk_cost;
  if (exact_plan) {
    report(SearchPlan::kExact);
    return exact(c, q, k, *rows);
  }
  report(SearchPlan::kFilteredWalk);
  return graph_search(c, q, k, wide, &rows->allowed);
}

// How many rows match decides the plan; the count and the matching rows are cached per filter
// until the collection changes. When most rows match, only the count is kept (that plan
// checks its hits by SQL).
Result<std::shared_ptr<const FilterRows>> FilteredSearch::filter_rows(Collection& c, const SqlFilter& f, size_t alive) {
  std::string key = filter_key(f);
  if (auto cached = c.filter_cache.find(key, c.generation)) return cached;
  auto* h = c.hnsw.get();
  SqlDatabase& db = ctx_.db;
  MEMGPT_ASSIGN_OR_RETURN(auto counted, db.query(fmt::format("SELECT COUNT(*) FROM {} WHERE {}", c.table, f.where), f.params));
  auto built = std::make_shared<FilterRows>();
  built->matching = counted[0].integer(0);
  built->most_rows = built->matching > ctx_.options.exact_search_max_rows &&
                     static_cast<double>(built->matching) >=
                         ctx_.options.deeper_graph_min_fraction * static_cast<double>(alive);
  auto add_growing = [&](int64_t rid) {
    size_t i = c.growing.find(rid);
    if (i != c.growing.end() && c.growing.alive(i)) built->growing.push_back(i);
  };
  if (built->matching > 0 && !built->most_rows) {
    MEMGPT_ASSIGN_OR_RETURN(auto found, db.query(fmt::format("SELECT rid FROM {} WHERE {}", c.table, f.where), f.params));
    built->ids.reserve(found.size());
    built->allowed.assign(static_cast<size_t>(c.applied_rowid) + 1, false);
    for (const auto& r : found) {
      auto rid = r.integer(0);
      auto it = h->label_lookup_.find(static_cast<hnswlib::labeltype>(rid));
      if (it == h->label_lookup_.end() || h->isMarkedDeleted(it->second)) {
        add_growing(rid);
        continue;
      }
      built->ids.push_back(it->second);
      if (static_cast<size_t>(rid) < built->allowed.size()) built->allowed[static_cast<size_t>(rid)] = true;
    }
  } else if (built->matching > 0 && !c.growing.empty()) {
    // The deeper graph plan checks graph hits by SQL; the growing rows are one rid range.
    std::vector<SqlValue> p{c.applied_rowid};
    p.insert(p.end(), f.params.begin(), f.params.end());
    MEMGPT_ASSIGN_OR_RETURN(auto found,
                            db.query(fmt::format("SELECT rid FROM {} WHERE rid > ? AND ({})", c.table, f.where), p));
    for (const auto& r : found) add_growing(r.integer(0));
  }
  c.filter_cache.put(key, c.generation, built);
  return std::shared_ptr<const FilterRows>(built);
}

// Most rows match: search the whole graph a little deeper and drop the few that do not; double
// the depth until k rows remain or the graph has no more.
Result<Hits> FilteredSearch::deeper_graph(Collection& c, const Query& q, size_t k, int ef, const SqlFilter& f,
                                          double share, size_t alive) {
  for (size_t want = static_cast<size_t>(static_cast<double>(k) / share * 1.5) + 8;; want *= 2) {
    // At least the beam of an unfiltered search: deeper, never narrower.
    size_t beam = std::max(ef > 0 ? static_cast<size_t>(ef) : kDefaultEf, want);
    Hits hits = graph_search(c, q, want, static_cast<int>(std::min<size_t>(beam, INT32_MAX)), nullptr);
    // The hits' rids as one JSON parameter: a deep search may hold more than SQLite's
    // parameter limit.
    Json rids = Json::array();
    for (const auto& hit : hits) rids.push_back(hit.second);
    std::vector<SqlValue> p{rids.dump()};
    p.insert(p.end(), f.params.begin(), f.params.end());
    MEMGPT_ASSIGN_OR_RETURN(
        auto kept, ctx_.db.query(fmt::format("SELECT rid FROM {} WHERE rid IN (SELECT value FROM json_each(?)) AND ({})",
                                             c.table, f.where),
                                 p));
    std::unordered_set<int64_t> keep;
    for (const auto& r : kept) keep.insert(r.integer(0));
    Hits out;
    for (const auto& hit : hits) {
      if (keep.count(hit.second)) out.push_back(hit);
    }
    if (out.size() >= k || hits.size() < want || want > alive) {
      if (out.size() > k) out.resize(k);
      return out;
    }
  }
}

Hits FilteredSearch::exact(Collection& c, const Query& q, size_t k, const FilterRows& rows) const {
  auto* h = c.hnsw.get();
  Hits scored;
  scored.reserve(rows.ids.size());
  for (hnswlib::tableint id : rows.ids) {
    float d = q.distance(*h, id);
    scored.emplace_back(d, static_cast<int64_t>(h->getExternalLabel(id)));
  }
  size_t top = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(top), scored.end());
  scored.resize(top);
  return scored;
}

// Adds the growing rows (all, or the filter's) scored exactly from their float vectors to the
// graph's hits, best k kept. On an SQ8 graph without refine the graph's distances are the
// codes' and these are exact: close enough to merge, and growing rows are short-lived.
Hits FilteredSearch::with_growing(const Collection& c, const float* q, size_t k, const std::vector<size_t>* only,
                                  Hits hits) const {
  auto dist = c.space->get_dist_func();
  void* param = c.space->get_dist_func_param();
  const GrowingRows& g = c.growing;
  // hits as a max-heap of the best k so far: a row enters only when it beats the worst.
  std::make_heap(hits.begin(), hits.end());
  auto consider = [&](size_t i) {
    if (!g.alive(i)) return;
    float d = dist(q, g.vector(i), param);
    if (hits.size() < k) {
      hits.emplace_back(d, g.rid(i));
      std::push_heap(hits.begin(), hits.end());
    } else if (d < hits.front().first) {
      std::pop_heap(hits.begin(), hits.end());
      hits.back() = {d, g.rid(i)};
      std::push_heap(hits.begin(), hits.end());
    }
  };
  if (only) {
    for (size_t i : *only) consider(i);
  } else {
    for (size_t i = g.first(); i < g.end(); ++i) consider(i);
  }
  std::sort_heap(hits.begin(), hits.end());
  return hits;
}

// HNSW search with the filter applied inside the base-layer search: nodes that do not match are
// still walked through, but never returned. Without a filter on a float graph it is hnswlib's
// own base-layer search, so it runs at the library's speed.
Hits FilteredSearch::graph_search(Collection& c, const Query& q, size_t k, int ef_req,
                                  const std::vector<bool>* allowed) const {
  auto* h = c.hnsw.get();
  using hnswlib::tableint;
  using Queue = std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
                                    hnswlib::HierarchicalNSW<float>::CompareByFirst>;
  size_t ef = std::max<size_t>(k, ef_req > 0 ? static_cast<size_t>(ef_req) : kDefaultEf);
  tableint cur = h->enterpoint_node_;
  float curdist = q.distance(*h, cur);
  for (int level = h->maxlevel_; level > 0; level--) {
    bool changed = true;
    while (changed) {
      changed = false;
      unsigned int* data = h->get_linklist(cur, level);
      int size = h->getListCount(data);
      auto* datal = reinterpret_cast<tableint*>(data + 1);
      for (int i = 0; i < size; i++) {
        float d = q.distance(*h, datal[i]);
        if (d < curdist) {
          curdist = d;
          cur = datal[i];
          changed = true;
        }
      }
    }
  }
  Queue top;  // worst on top
  if (!allowed && !q.codes) {
    top = h->num_deleted_ ? h->searchBaseLayerST<true>(cur, q.vector, ef) : h->searchBaseLayerST<false>(cur, q.vector, ef);
  } else {
    auto ok = [&](tableint id) {
      if (h->isMarkedDeleted(id)) return false;
      if (!allowed) return true;
      size_t label = h->getExternalLabel(id);
      return label < allowed->size() && (*allowed)[label];
    };
    hnswlib::VisitedList* vl = h->visited_list_pool_->getFreeVisitedList();
    hnswlib::vl_type* visited = vl->mass;
    hnswlib::vl_type tag = vl->curV;
    Queue candidates;  // -distance: best on top
    float lower_bound = std::numeric_limits<float>::max();
    if (ok(cur)) {
      top.emplace(curdist, cur);
      lower_bound = curdist;
    }
    candidates.emplace(-curdist, cur);
    visited[cur] = tag;
    while (!candidates.empty()) {
      auto [neg, node] = candidates.top();
      if (-neg > lower_bound && top.size() >= ef) break;
      candidates.pop();
      unsigned int* data = h->get_linklist0(node);
      size_t size = h->getListCount(data);
      auto* datal = reinterpret_cast<tableint*>(data + 1);
#ifdef USE_SSE
      if (size) {
        _mm_prefetch(reinterpret_cast<const char*>(visited + datal[0]), _MM_HINT_T0);
        _mm_prefetch(h->getDataByInternalId(datal[0]), _MM_HINT_T0);
      }
#endif
      for (size_t j = 0; j < size; j++) {
        tableint n = datal[j];
#ifdef USE_SSE
        // Fetch the next neighbour while this one is scored, as hnswlib does.
        if (j + 1 < size) {
          _mm_prefetch(reinterpret_cast<const char*>(visited + datal[j + 1]), _MM_HINT_T0);
          _mm_prefetch(h->getDataByInternalId(datal[j + 1]), _MM_HINT_T0);
        }
#endif
        if (visited[n] == tag) continue;
        visited[n] = tag;
        float d = q.distance(*h, n);
        if (top.size() < ef || d < lower_bound) {
          candidates.emplace(-d, n);
          if (ok(n)) {
            top.emplace(d, n);
            if (top.size() > ef) top.pop();
            lower_bound = top.top().first;
          }
        }
      }
    }
    h->visited_list_pool_->releaseVisitedList(vl);
  }
  while (top.size() > k) top.pop();
  std::vector<std::pair<float, int64_t>> out(top.size());
  for (size_t i = out.size(); i-- > 0; top.pop()) {
    out[i] = {top.top().first, static_cast<int64_t>(h->getExternalLabel(top.top().second))};
  }
  return out;
}

}  // namespace memgpt::vector::embedded

namespace memgpt::vector::embedded {

// Exact distances of the candidates from their stored float vectors, best k kept. A candidate
// whose row is gone (deleted since the graph caught up) is dropped.
Result<Hits> FilteredSearch::rerank(Collection& c, const float* q, Hits found, size_t k) {
  if (found.empty()) return found;
  std::string rids = "[";
  for (const auto& [d, rid] : found) {
    if (rids.size() > 1) rids += ',';
    rids += std::to_string(rid);
  }
  rids += ']';
  std::vector<SqlValue> p{std::move(rids)};
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows,
      ctx_.db.query(fmt::format("SELECT rid, vec FROM {} WHERE rid IN (SELECT value FROM json_each(?))", c.table), p));
  auto dist = c.space->get_dist_func();
  void* param = c.space->get_dist_func_param();
  size_t bytes = c.space->get_data_size();
  Hits scored;
  scored.reserve(rows.size());
  for (const auto& r : rows) {
    const std::string& v = r.blob(1);
    if (v.size() != bytes) {
      return corrupt(fmt::format("row {} of collection {} has a damaged vector", r.integer(0), c.spec.name));
    }
    scored.emplace_back(dist(q, v.data(), param), r.integer(0));
  }
  size_t top = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(top), scored.end());
  scored.resize(top);
  return scored;
}

}  // namespace memgpt::vector::embedded
