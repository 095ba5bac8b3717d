// What sources and agents record about the embedder that made their vectors, and the one rule
// for when two recorded embedders are the same: the model name and the dimension (the endpoint
// type is not compared: the same model served by OpenAI or Azure gives the same vectors).
//
// Old homes: an agent that recorded no model (or no dimension) is taken to have the configured
// embedder, as the versions that wrote it always used that one; sources always recorded theirs.
#pragma once

#include <string>

#include "embed/embedder.h"
#include "store/agent_record.h"
#include "store/metadata_store.h"
#include "util/status.h"

namespace memgpt::runtime {

// "memgpt-builtin-384 (384 dims)".
std::string embedder_label(const std::string& model, int dim);

// The embedder recorded for an agent, with an unrecorded model or dimension filled in from the
// configured embedder.
store::AgentEmbeddingConfig effective_embedder(const store::AgentEmbeddingConfig& recorded,
                                               const embed::Embedder& configured);
// A source's embedder in the agent record's shape.
store::AgentEmbeddingConfig source_embedder(const store::SourceRecord& source);

bool same_embedder(const store::AgentEmbeddingConfig& a, const store::AgentEmbeddingConfig& b);
bool same_embedder(const store::AgentEmbeddingConfig& a, const embed::Embedder& b);

// kFailedPrecondition naming both embedders and the fix when the agent's archival memory was
// embedded by another model than the configured embedder (a step would search and write it
// with the wrong vectors).
Status check_agent_embedder(const store::AgentRecord& agent, const embed::Embedder& configured);

}  // namespace memgpt::runtime
