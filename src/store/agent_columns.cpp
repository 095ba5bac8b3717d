#include "store/agent_columns.h"

#include <fmt/format.h>

namespace memgpt::store::columns {
namespace {

// Stored objects, read leniently: a missing key or one of another type takes the default.
Json object_of(const std::string& text) {
  Json j = parse_json_or_discarded(text);
  return j.is_object() ? j : Json::object();
}
std::string string_at(const Json& j, const char* key, const std::string& fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}
template <typename Int>
Int integer_at(const Json& j, const char* key, Int fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<Int>() : fallback;
}
bool bool_at(const Json& j, const char* key, bool fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}
Result<std::vector<std::string>> strings_at(const Json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return corrupt(fmt::format("'{}' is not a list", key));
  for (const auto& x : *it) {
    if (!x.is_string()) return corrupt(fmt::format("'{}' holds something other than text", key));
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

std::string llm_config_text(const AgentLlmConfig& c) {
  return Json{{"model", c.model},
              {"model_endpoint_type", c.model_endpoint_type},
              {"model_endpoint", c.model_endpoint},
              {"model_wrapper", c.model_wrapper},
              {"context_window", c.context_window}}
      .dump();
}

AgentLlmConfig llm_config_of(const std::string& text) {
  Json j = object_of(text);
  AgentLlmConfig c;
  c.model = string_at(j, "model", c.model);
  c.model_endpoint_type = string_at(j, "model_endpoint_type", c.model_endpoint_type);
  c.model_endpoint = string_at(j, "model_endpoint", c.model_endpoint);
  c.model_wrapper = string_at(j, "model_wrapper", c.model_wrapper);
  c.context_window = integer_at(j, "context_window", c.context_window);
  return c;
}

std::string embedding_config_text(const AgentEmbeddingConfig& c) {
  return Json{{"embedding_endpoint_type", c.embedding_endpoint_type},
              {"embedding_endpoint", c.embedding_endpoint},
              {"embedding_model", c.embedding_model},
              {"embedding_dim", c.embedding_dim},
              {"embedding_chunk_size", c.embedding_chunk_size},
              {"embedding_space", c.embedding_space}}
      .dump();
}

AgentEmbeddingConfig embedding_config_of(const std::string& text) {
  Json j = object_of(text);
  AgentEmbeddingConfig c;
  c.embedding_endpoint_type = string_at(j, "embedding_endpoint_type", c.embedding_endpoint_type);
  c.embedding_endpoint = string_at(j, "embedding_endpoint", c.embedding_endpoint);
  c.embedding_model = string_at(j, "embedding_model", c.embedding_model);
  c.embedding_dim = integer_at(j, "embedding_dim", c.embedding_dim);
  c.embedding_chunk_size = integer_at(j, "embedding_chunk_size", c.embedding_chunk_size);
  c.embedding_space = string_at(j, "embedding_space", c.embedding_space);
  return c;
}

std::string tags_text(const std::vector<std::string>& tags) { return Json(tags).dump(); }

std::vector<std::string> tags_of(const std::string& text) {
  auto tags = strings_at(Json{{"tags", parse_json_or_discarded(text)}}, "tags");
  return tags.ok() ? *tags : std::vector<std::string>{};
}

std::string metadata_text(const Json& metadata) {
  return metadata.is_object() ? metadata.dump() : std::string("{}");
}

Json metadata_of(const std::string& text) { return object_of(text); }

// Written by hand, not through a Json value: it is saved on every step and holds every
// in-context message id. Same bytes as Json's dump (keys sorted as its std::map sorts them),
// pinned by a test.
std::string state_text(const AgentSavedState& s) {
  auto boolean = [](bool b) { return b ? "true" : "false"; };
  auto strings = [](std::string& out, const std::vector<std::string>& list) {
    out += '[';
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, list[i]);
    }
    out += ']';
  };
  std::string out;
  out.reserve(256 + s.system_prompt.size() + 40 * s.message_ids.size());
  out += fmt::format("{{\"alerted_memory_pressure\":{},\"first_message_verified\":{},\"functions\":",
                     boolean(s.alerted_memory_pressure), boolean(s.first_message_verified));
  strings(out, s.functions);
  if (s.inner_thoughts_in_args) out += fmt::format(",\"inner_thoughts_in_args\":{}", boolean(*s.inner_thoughts_in_args));
  out += ",\"memory\":[";
  for (size_t i = 0; i < s.memory.size(); ++i) {
    const auto& b = s.memory[i];
    out += i ? ",{\"label\":" : "{\"label\":";
    append_json_string(out, b.label);
    out += fmt::format(",\"limit\":{},\"value\":", b.limit);
    append_json_string(out, b.value);
    out += '}';
  }
  out += fmt::format("],\"memory_edited_at\":{},\"message_ids\":", s.memory_edited_at);
  strings(out, s.message_ids);
  out += ",\"system\":";
  append_json_string(out, s.system_prompt);
  out += '}';
  return out;
}

Result<AgentSavedState> state_of(const std::string& text) {
  Json st = parse_json_or_discarded(text);
  if (!st.is_object()) return corrupt("the saved state is not a JSON object");
  AgentSavedState s;
  s.system_prompt = string_at(st, "system", "");
  if (auto memory = st.find("memory"); memory != st.end()) {
    if (!memory->is_array()) return corrupt("core memory is not a list of blocks");
    for (const auto& b : *memory) {
      if (!b.is_object() || !b.contains("label")) return corrupt("a core memory block has no label");
      s.memory.push_back({string_at(b, "label", ""), string_at(b, "value", ""),
                          integer_at(b, "limit", kDefaultCoreMemoryLimit)});
    }
  }
  MEMGPT_ASSIGN_OR_RETURN(s.functions, strings_at(st, "functions"));
  MEMGPT_ASSIGN_OR_RETURN(s.message_ids, strings_at(st, "message_ids"));
  s.memory_edited_at = integer_at(st, "memory_edited_at", int64_t{0});
  s.alerted_memory_pressure = bool_at(st, "alerted_memory_pressure", false);
  s.first_message_verified = bool_at(st, "first_message_verified", false);
  if (auto it = st.find("inner_thoughts_in_args"); it != st.end() && it->is_boolean()) {
    s.inner_thoughts_in_args = it->get<bool>();
  }
  return s;
}

}  // namespace memgpt::store::columns
