#include "runtime/memory_access.h"

#include <fmt/format.h>

#include "runtime/embedder_records.h"

namespace memgpt::runtime {

sources::PassageStore archival_of(const Archival& archival, const store::AgentRecord& agent) {
  return archival.passages->in(sources::space_of(agent.embedding_config, archival.passages->dim()));
}

Result<std::vector<sources::Passage>> insert_archival_text(const Archival& archival, const store::AgentRecord& agent, const std::string& text,
                                                           int chunk_tokens) {
  if (text.empty()) return invalid_argument("the text to insert is empty");
  MEMGPT_RETURN_IF_ERROR(check_agent_embedder(agent, *archival.embedder));
  sources::PassageStore passages = archival_of(archival, agent);
  MEMGPT_RETURN_IF_ERROR(passages.ensure_collections());
  MEMGPT_ASSIGN_OR_RETURN(auto ids, passages.insert_archival(agent.user_id, agent.id, text, chunk_tokens));
  return passages.get_archival(agent.id, ids);
}

Result<sources::PassagePage> search_archival_text(const Archival& archival, const store::AgentRecord& agent, const std::string& query,
                                                  int64_t limit, sources::SearchMode mode) {
  if (query.empty()) return invalid_argument("the search query is empty");
  MEMGPT_RETURN_IF_ERROR(check_agent_embedder(agent, *archival.embedder));
  return archival_of(archival, agent).search_archival(agent.id, query, 0, limit, mode);
}

Status check_source_embedder(const store::SourceRecord& source, const embed::Embedder& configured) {
  if (same_embedder(source_embedder(source), configured)) return {};
  return failed_precondition(fmt::format(
      "source '{}' was embedded with {} but the configured embedder is {}: re-embed it with "
      "`memgpt reembed source {}` (or configure {} again)",
      source.name, embedder_label(source.embedding_model, source.embedding_dim),
      embedder_label(configured.model(), configured.dim()), source.name, source.embedding_model));
}

Result<sources::PassagePage> search_source_text(const Archival& archival, const store::SourceRecord& source,
                                                const std::string& query, int64_t limit, sources::SearchMode mode) {
  if (query.empty()) return invalid_argument("the search query is empty");
  sources::PassageStore in_space = archival.passages->in(sources::space_of(source));
  MEMGPT_RETURN_IF_ERROR(check_source_embedder(source, in_space.embedder()));
  return in_space.search_source(source.id, query, 0, limit, mode);
}

}  // namespace memgpt::runtime
