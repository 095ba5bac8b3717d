#include "vector/hybrid_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "vector/text_tokenizer.h"

namespace memgpt::vector::embedded {

Result<std::vector<std::pair<int64_t, double>>> keyword_search(SqlDatabase& db, const Collection& c,
                                                               const std::string& text, size_t k, const SqlFilter& f) {
  MEMGPT_ASSIGN_OR_RETURN(auto terms, query_terms(text, kMaxQueryTerms));
  std::string match;
  for (const auto& t : terms) match += (match.empty() ? "\"" : " OR \"") + t.source + "\"";
  if (match.empty()) return std::vector<std::pair<int64_t, double>>{};
  std::vector<SqlValue> p{match};
  p.insert(p.end(), f.params.begin(), f.params.end());
  p.emplace_back(static_cast<int64_t>(k));
  MEMGPT_ASSIGN_OR_RETURN(
      auto rows, db.query(fmt::format("SELECT {0}.rid, bm25({1}) FROM {1} JOIN {0} ON {0}.rid = {1}.rowid WHERE {1} "
                                      "MATCH ? AND ({2}) ORDER BY bm25({1}), {0}.rid LIMIT ?",
                                      c.table, c.fts, f.where),
                          p));
  std::vector<std::pair<int64_t, double>> out;
  for (const auto& r : rows) out.emplace_back(r.integer(0), -r.real(1));
  return out;
}

std::vector<std::pair<double, int64_t>> fuse(const std::vector<std::pair<float, int64_t>>& vector_hits,
                                             const std::vector<std::pair<int64_t, double>>& text_hits, int rrf_k,
                                             double vector_weight, double text_weight) {
  std::unordered_map<int64_t, double> fused;
  for (size_t i = 0; i < vector_hits.size(); ++i) fused[vector_hits[i].second] += vector_weight / (rrf_k + i + 1);
  for (size_t i = 0; i < text_hits.size(); ++i) fused[text_hits[i].first] += text_weight / (rrf_k + i + 1);
  std::vector<std::pair<double, int64_t>> ranked;
  ranked.reserve(fused.size());
  for (const auto& [rid, score] : fused) ranked.emplace_back(score, rid);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  return ranked;
}

}  // namespace memgpt::vector::embedded
