#include "store/agent_state.h"

#include <fmt/format.h>

namespace memgpt::store {
namespace {

// Reads `key` into `out` when present and of the right type; a wrong type is kCorrupt.
template <typename T>
Status read(const Json& j, const char* what, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  try {
    out = it->get<T>();
  } catch (const Json::exception&) {
    return corrupt(fmt::format("the stored {} has a '{}' of the wrong type", what, key));
  }
  return {};
}

Status require_object(const Json& j, const char* what) {
  if (!j.is_object()) return corrupt(fmt::format("the stored {} is not a JSON object", what));
  return {};
}

}  // namespace

Json to_json(const LlmSettings& s) {
  return {{"model", s.model},
          {"model_endpoint", s.model_endpoint},
          {"model_endpoint_type", s.model_endpoint_type},
          {"model_wrapper", s.model_wrapper},
          {"context_window", s.context_window}};
}

Json to_json(const EmbeddingSettings& s) {
  return {{"embedding_endpoint_type", s.embedding_endpoint_type},
          {"embedding_endpoint", s.embedding_endpoint},
          {"embedding_model", s.embedding_model},
          {"embedding_dim", s.embedding_dim},
          {"embedding_chunk_size", s.embedding_chunk_size}};
}

Json to_json(const AgentState& s) {
  Json memory = Json::array();
  for (const auto& b : s.memory) memory.push_back({{"label", b.label}, {"value", b.value}, {"limit", b.limit}});
  Json st = {{"system", s.system},
             {"memory", std::move(memory)},
             {"functions", s.functions},
             {"message_ids", s.message_ids},
             {"memory_edited_at", s.memory_edited_at},
             {"alerted_memory_pressure", s.alerted_memory_pressure},
             {"first_message_verified", s.first_message_verified}};
  if (s.inner_thoughts_in_args) st["inner_thoughts_in_args"] = *s.inner_thoughts_in_args;
  return st;
}

Result<LlmSettings> llm_settings_from_json(const Json& j) {
  constexpr const char* kWhat = "llm_config";
  MEMGPT_RETURN_IF_ERROR(require_object(j, kWhat));
  LlmSettings s;
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "model", s.model));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "model_endpoint", s.model_endpoint));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "model_endpoint_type", s.model_endpoint_type));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "model_wrapper", s.model_wrapper));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "context_window", s.context_window));
  if (s.context_window <= 0) s.context_window = 8192;
  return s;
}

Result<EmbeddingSettings> embedding_settings_from_json(const Json& j) {
  constexpr const char* kWhat = "embedding_config";
  MEMGPT_RETURN_IF_ERROR(require_object(j, kWhat));
  EmbeddingSettings s;
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "embedding_endpoint_type", s.embedding_endpoint_type));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "embedding_endpoint", s.embedding_endpoint));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "embedding_model", s.embedding_model));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "embedding_dim", s.embedding_dim));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "embedding_chunk_size", s.embedding_chunk_size));
  return s;
}

Result<AgentState> agent_state_from_json(const Json& j) {
  constexpr const char* kWhat = "agent state";
  MEMGPT_RETURN_IF_ERROR(require_object(j, kWhat));
  AgentState s;
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "system", s.system));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "functions", s.functions));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "message_ids", s.message_ids));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "memory_edited_at", s.memory_edited_at));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "alerted_memory_pressure", s.alerted_memory_pressure));
  MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "first_message_verified", s.first_message_verified));
  bool thoughts = false;
  if (j.contains("inner_thoughts_in_args") && !j["inner_thoughts_in_args"].is_null()) {
    MEMGPT_RETURN_IF_ERROR(read(j, kWhat, "inner_thoughts_in_args", thoughts));
    s.inner_thoughts_in_args = thoughts;
  }
  auto memory = j.find("memory");
  if (memory != j.end() && !memory->is_null()) {
    if (!memory->is_array()) return corrupt("the stored core memory is not a list of blocks");
    for (const auto& b : *memory) {
      if (!b.is_object() || !b.contains("label")) return corrupt("a stored core memory block has no label");
      BlockState block;
      MEMGPT_RETURN_IF_ERROR(read(b, "core memory block", "label", block.label));
      MEMGPT_RETURN_IF_ERROR(read(b, "core memory block", "value", block.value));
      MEMGPT_RETURN_IF_ERROR(read(b, "core memory block", "limit", block.limit));
      s.memory.push_back(std::move(block));
    }
  }
  return s;
}

}  // namespace memgpt::store
