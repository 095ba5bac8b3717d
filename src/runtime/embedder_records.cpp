#include "runtime/embedder_records.h"

#include <fmt/format.h>

namespace memgpt::runtime {

std::string embedder_label(const std::string& model, int dim) {
  return fmt::format("{} ({} dims)", model.empty() ? "an unrecorded model" : model, dim);
}

store::AgentEmbeddingConfig effective_embedder(const store::AgentEmbeddingConfig& recorded,
                                               const embed::Embedder& configured) {
  store::AgentEmbeddingConfig e = recorded;
  if (e.embedding_model.empty() || e.embedding_dim <= 0) {
    e.embedding_endpoint_type = configured.endpoint_type();
    e.embedding_model = configured.model();
    e.embedding_dim = configured.dim();
  }
  return e;
}

store::AgentEmbeddingConfig source_embedder(const store::SourceRecord& source) {
  store::AgentEmbeddingConfig e;
  e.embedding_endpoint_type = source.embedding_endpoint_type;
  e.embedding_model = source.embedding_model;
  e.embedding_dim = source.embedding_dim;
  e.embedding_space = source.embedding_space;
  return e;
}

bool same_embedder(const store::AgentEmbeddingConfig& a, const store::AgentEmbeddingConfig& b) {
  return a.embedding_model == b.embedding_model && a.embedding_dim == b.embedding_dim;
}

bool same_embedder(const store::AgentEmbeddingConfig& a, const embed::Embedder& b) {
  return a.embedding_model == b.model() && a.embedding_dim == b.dim();
}

Status check_agent_embedder(const store::AgentRecord& agent, const embed::Embedder& configured) {
  store::AgentEmbeddingConfig e = effective_embedder(agent.embedding_config, configured);
  if (same_embedder(e, configured)) return {};
  return failed_precondition(fmt::format(
      "agent '{}' keeps its archival memory embedded with {} but the configured embedder is {}: re-embed it with "
      "`memgpt reembed agent {}` (or configure {} again)",
      agent.name, embedder_label(e.embedding_model, e.embedding_dim),
      embedder_label(configured.model(), configured.dim()), agent.name, e.embedding_model));
}

}  // namespace memgpt::runtime
