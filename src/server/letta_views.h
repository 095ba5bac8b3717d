// Our records as the Letta API's JSON shapes (AgentState, Block, Message, Passage, Folder,
// FileMetadata, Model, EmbeddingModel). Only conversions: no store access.
#pragma once

#include <string>
#include <vector>

#include "agent/agent.h"
#include "sources/passage_store.h"
#include "store/metadata_store.h"
#include "store/recall_store.h"
#include "util/json.h"

namespace memgpt::server {

std::string iso_time(int64_t epoch_ms);
std::string block_id(const std::string& agent_id, const std::string& label);

Json block_view(const std::string& agent_id, const agent::MemoryBlock& block);
// `state` is the agent record's state (memory, system, functions, message ids).
Json agent_view(const store::AgentRecord& agent, const std::vector<store::SourceRecord>& sources);
Json llm_config_view(const Json& llm_config);
// Tools as Letta's Tool objects (id "tool-<name>"); `names` empty = every built-in function.
Json tool_views(const std::vector<std::string>& names);
Json embedding_config_view(const Json& embedding_config);
Json source_view(const store::SourceRecord& source);
Json file_view(const store::FileRecord& file);
Json passage_view(const sources::Passage& passage, const Json& embedding_config);

// One stored message as Letta messages (an assistant message with inner thoughts and a tool
// call gives a reasoning_message and a tool_call_message with the same id). With
// `use_assistant_message`, send_message calls become assistant_message and their returns are
// hidden, as Letta does.
std::vector<Json> message_views(const store::MessageRecord& message, bool use_assistant_message);

}  // namespace memgpt::server
