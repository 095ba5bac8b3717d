// Our records as the Letta API's JSON shapes (AgentState, Block, Message, Passage, Folder,
// FileMetadata, Model, EmbeddingModel, the messages of a turn as stored and as streamed). Only
// conversions: no store access. A new Letta field goes here.
#pragma once

#include <string>
#include <vector>

#include "agent/agent.h"
#include "sources/passage_store.h"
#include "store/metadata_store.h"
#include "store/recall_store.h"
#include "util/clock.h"
#include "util/json.h"

namespace memgpt::server {

std::string iso_time(int64_t epoch_ms);
std::string block_id(const std::string& agent_id, const std::string& label);

Json block_view(const std::string& agent_id, const agent::MemoryBlock& block);
Json agent_view(const store::AgentRecord& agent, const std::vector<store::SourceRecord>& sources);
Json llm_config_view(const store::AgentLlmConfig& llm_config);
// Tools as Letta's Tool objects (id "tool-<name>"); `names` empty = every built-in function.
Json tool_views(const std::vector<std::string>& names);
// A tool of another MCP server as Letta shows it (tool_type external_mcp); its id is
// "mcp:SERVER:TOOL", what PATCH /v1/agents/{id}/tools/attach/{tool_id} takes.
Json mcp_tool_view(const std::string& server, const std::string& name, const std::string& description,
                   const Json& input_schema);
Json embedding_config_view(const store::AgentEmbeddingConfig& embedding_config);
Json source_view(const store::SourceRecord& source);
// The embedder a source's passages were written with, as an agent's embedding settings.
store::AgentEmbeddingConfig source_embedding(const store::SourceRecord& source);
Json file_view(const store::FileRecord& file);
Json passage_view(const sources::Passage& passage, const store::AgentEmbeddingConfig& embedding_config);

// One stored message as Letta messages (an assistant message with inner thoughts and a tool
// call gives a reasoning_message and a tool_call_message with the same id). With
// `use_assistant_message`, send_message calls become assistant_message and their returns are
// hidden, as Letta does.
std::vector<Json> message_views(const store::MessageRecord& message, bool use_assistant_message);

// Letta's ContextWindowOverview of an agent's next request.
Json context_view(const agent::ContextOverview& overview);

// The end of a turn: Letta's stop_reason and usage_statistics messages.
Json stop_reason_view(const std::string& reason);
Json usage_view(const llm::Usage& usage, int steps);

// The agent's events of one request as Letta's streamed messages, in order (a reasoning
// message per step, tool calls and returns, assistant messages), with the usage summed.
class StreamedMessages {
 public:
  StreamedMessages(bool use_assistant_message, bool stream_tokens)
      : use_assistant_(use_assistant_message), stream_tokens_(stream_tokens) {}
  // The messages to send for one event (none for events Letta does not show).
  std::vector<Json> on_event(const agent::AgentEvent& event);
  const llm::Usage& usage() const { return usage_; }
  int steps() const { return steps_; }

 private:
  Json message(const char* type, const std::string& id) const;
  bool use_assistant_;
  bool stream_tokens_;
  llm::Usage usage_;
  int steps_ = 0;
  std::string reasoning_id_ = "message-" + new_uuid();
  std::string pending_call_id_;
};

}  // namespace memgpt::server
