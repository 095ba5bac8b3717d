// An agent as stored, typed: its settings (model, embedding), Letta's descriptive fields and the
// state the agent saves after every step. The store is the one place that turns these into
// the JSON of their columns and back (agent_columns.cpp); everything above reads the fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/providers.h"
#include "util/json.h"

namespace memgpt::store {

inline constexpr int kDefaultCoreMemoryLimit = 2000;
inline constexpr int kDefaultEmbeddingChunkSize = 300;

// The model an agent talks to (Letta's LLMConfig). No credentials: those are looked up when
// the model is connected (runtime::llm_config_of).
struct AgentLlmConfig {
  std::string model;
  std::string model_endpoint_type = "openai";  // a provider type (config/providers.h)
  std::string model_endpoint;                  // base URL
  std::string model_wrapper;                   // prompt wrapper of local backends, else empty
  int context_window = kDefaultContextWindow;

  bool operator==(const AgentLlmConfig&) const = default;
};

// The embedder an agent's archival memory was written with (Letta's EmbeddingConfig). Every
// passage of the agent's archival memory has a vector of this embedder (a re-embed switches
// them all at once). Unrecorded (homes from before it was recorded): the configured embedder,
// as those versions used (docs/embeddings.md).
struct AgentEmbeddingConfig {
  std::string embedding_endpoint_type = "local";
  std::string embedding_endpoint;
  std::string embedding_model;  // empty: not recorded
  int embedding_dim = 0;        // 0: not recorded
  int embedding_chunk_size = kDefaultEmbeddingChunkSize;
  // Which collections hold the vectors: "" the per-dimension ones every new agent and load
  // uses; else the embedder's own, which a re-embed writes (sources::VectorSpace).
  std::string embedding_space;

  bool operator==(const AgentEmbeddingConfig&) const = default;
};

// A core memory block: labelled text in the system message, with a character limit.
struct MemoryBlock {
  std::string label;
  std::string value;
  int limit = kDefaultCoreMemoryLimit;

  bool operator==(const MemoryBlock&) const = default;
};

// What the agent needs besides its settings to continue where it stopped.
struct AgentSavedState {
  std::string system_prompt;  // without the memory section (rebuilt for every request)
  std::vector<MemoryBlock> memory;
  std::vector<std::string> functions;    // empty: every built-in function
  std::vector<std::string> message_ids;  // in-context messages after the system message
  int64_t memory_edited_at = 0;
  bool alerted_memory_pressure = false;
  bool first_message_verified = false;
  std::optional<bool> inner_thoughts_in_args;  // unset: decided by the provider

  bool operator==(const AgentSavedState&) const = default;
};

struct AgentRecord {
  std::string id;
  std::string user_id;
  std::string name;
  std::string persona;  // profile name the agent was created with
  std::string human;
  std::string preset;
  AgentLlmConfig llm_config;
  AgentEmbeddingConfig embedding_config;
  // Letta's descriptive fields: the user's, never read by the agent.
  std::optional<std::string> description;
  std::vector<std::string> tags;
  Json metadata = Json::object();  // any JSON object the user gave
  AgentSavedState state;
  // Why the stored state could not be read (then `state` is empty): the agent refuses to load
  // and the store to overwrite it, but the record can still be listed and deleted.
  std::string state_problem;
  int64_t created_at = 0;
  int64_t last_updated = 0;
};

}  // namespace memgpt::store
