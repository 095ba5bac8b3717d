// The JSON of the agents table's columns (llm_config, embedding_config, tags, metadata, state):
// private to store/, the one place that reads and writes it. Missing keys take the defaults of
// agent_record.h; a state that cannot be read is kCorrupt (never silently emptied).
#pragma once

#include <string>
#include <vector>

#include "store/agent_record.h"
#include "util/status.h"

namespace memgpt::store::columns {

std::string llm_config_text(const AgentLlmConfig& config);
AgentLlmConfig llm_config_of(const std::string& text);

std::string embedding_config_text(const AgentEmbeddingConfig& config);
AgentEmbeddingConfig embedding_config_of(const std::string& text);

std::string tags_text(const std::vector<std::string>& tags);
std::vector<std::string> tags_of(const std::string& text);

std::string metadata_text(const Json& metadata);
Json metadata_of(const std::string& text);

std::string state_text(const AgentSavedState& state);
Result<AgentSavedState> state_of(const std::string& text);

}  // namespace memgpt::store::columns
