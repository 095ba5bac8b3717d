#include "agent/passage_archival.h"

namespace memgpt::agent {

Result<std::string> PassageArchival::insert(const std::string& text) {
  MEMGPT_ASSIGN_OR_RETURN(auto ids, store_.insert_archival(user_id_, agent_id_, text, chunk_tokens_));
  return ids.front();
}

Result<ArchivalPage> PassageArchival::search(const std::string& query, int64_t offset, int64_t limit) {
  MEMGPT_ASSIGN_OR_RETURN(auto page, store_.search_archival(agent_id_, query, offset, limit));
  ArchivalPage out;
  out.total = page.total;
  for (auto& h : page.hits) {
    out.hits.push_back({h.passage.id, h.passage.text, h.passage.created_at, h.score});
  }
  return out;
}

Result<int64_t> PassageArchival::count() { return store_.count_archival(agent_id_); }

}  // namespace memgpt::agent
