// The typed parts of an agent record: the model it talks to, the embedder of its archival
// memory, and its saved runtime state. They are stored as JSON columns; the conversion lives
// here, at the store boundary, and nowhere else (a missing key takes its default, so records
// written by earlier versions still load; a key of the wrong type is kCorrupt).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"

namespace memgpt::store {

// [model] of the config, as an agent was created with it.
struct LlmSettings {
  std::string model;
  std::string model_endpoint;
  std::string model_endpoint_type = "openai";
  std::string model_wrapper;
  int context_window = 8192;

  bool operator==(const LlmSettings&) const = default;
};

// [embedding] of the config: the vectors of the agent's archival memory come from this model.
struct EmbeddingSettings {
  std::string embedding_endpoint_type;
  std::string embedding_endpoint;
  std::string embedding_model;
  int embedding_dim = 0;
  int embedding_chunk_size = 300;

  bool operator==(const EmbeddingSettings&) const = default;
};

inline constexpr int kDefaultBlockLimit = 2000;

struct BlockState {
  std::string label;
  std::string value;
  int limit = kDefaultBlockLimit;

  bool operator==(const BlockState&) const = default;
};

// What an agent saves between steps.
struct AgentState {
  std::string system;                    // the system prompt
  std::vector<BlockState> memory;        // core memory blocks
  std::vector<std::string> functions;    // function names; empty: the built-in set
  std::vector<std::string> message_ids;  // the context window, oldest first
  int64_t memory_edited_at = 0;
  bool alerted_memory_pressure = false;
  bool first_message_verified = false;
  std::optional<bool> inner_thoughts_in_args;  // unset: decided by the provider

  bool operator==(const AgentState&) const = default;
};

Json to_json(const LlmSettings& s);
Json to_json(const EmbeddingSettings& s);
Json to_json(const AgentState& s);
Result<LlmSettings> llm_settings_from_json(const Json& j);
Result<EmbeddingSettings> embedding_settings_from_json(const Json& j);
Result<AgentState> agent_state_from_json(const Json& j);

}  // namespace memgpt::store
