#include "server/letta_views.h"

#include <fmt/format.h>

#include "agent/functions.h"
#include "agent/protocol.h"
#include "util/clock.h"

namespace memgpt::server {

std::string iso_time(int64_t epoch_ms) { return format_iso8601(epoch_ms); }

std::string block_id(const std::string& agent_id, const std::string& label) {
  return fmt::format("block-{}-{}", agent_id, label);
}

Json block_view(const std::string& agent_id, const agent::MemoryBlock& block) {
  return {{"id", block_id(agent_id, block.label)},
          {"label", block.label},
          {"value", block.value},
          {"limit", block.limit},
          {"description", nullptr},
          {"metadata", Json::object()},
          {"read_only", false},
          {"is_template", false}};
}

namespace {

std::string handle_of(const std::string& type, const std::string& model) {
  return type.empty() ? model : type + "/" + model;
}

}  // namespace

Json mcp_tool_view(const std::string& server, const std::string& name, const std::string& description,
                   const Json& input_schema) {
  return {{"id", fmt::format("mcp:{}:{}", server, name)},
          {"name", name},
          {"description", description},
          {"tool_type", "external_mcp"},
          {"source_type", "mcp"},
          {"json_schema", {{"name", name}, {"description", description}, {"parameters", input_schema}}},
          {"tags", Json::array({"mcp:" + server})},
          {"metadata_", {{"mcp", {{"server_name", server}}}}}};
}

Json tool_views(const std::vector<std::string>& requested) {
  std::vector<std::string> names = requested.empty() ? agent::builtin_function_names() : requested;
  Json out = Json::array();
  for (const auto& schema : agent::function_tools(names, false)) {
    const Json& fn = schema["function"];
    std::string name = fn.value("name", "");
    out.push_back({{"id", "tool-" + name},
                   {"name", name},
                   {"description", fn.value("description", "")},
                   {"tool_type", "letta_core"},
                   {"source_type", "python"},
                   {"json_schema", fn},
                   {"tags", Json::array()}});
  }
  return out;
}

Json llm_config_view(const store::AgentLlmConfig& c) {
  return {{"model", c.model},
          {"model_endpoint_type", c.model_endpoint_type},
          {"model_endpoint", c.model_endpoint},
          {"model_wrapper", c.model_wrapper.empty() ? Json(nullptr) : Json(c.model_wrapper)},
          {"context_window", c.context_window},
          {"handle", handle_of(c.model_endpoint_type, c.model)},
          {"put_inner_thoughts_in_kwargs", false}};
}

Json embedding_config_view(const store::AgentEmbeddingConfig& e) {
  return {{"embedding_endpoint_type", e.embedding_endpoint_type},
          {"embedding_endpoint", e.embedding_endpoint},
          {"embedding_model", e.embedding_model},
          {"embedding_dim", e.embedding_dim},
          {"embedding_chunk_size", e.embedding_chunk_size},
          {"handle", handle_of(e.embedding_endpoint_type, e.embedding_model)}};
}

store::AgentEmbeddingConfig source_embedding(const store::SourceRecord& s) {
  store::AgentEmbeddingConfig emb;
  emb.embedding_endpoint_type = s.embedding_endpoint_type;
  emb.embedding_model = s.embedding_model;
  emb.embedding_dim = s.embedding_dim;
  return emb;
}

Json source_view(const store::SourceRecord& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"description", s.description},
          {"embedding_config", embedding_config_view(source_embedding(s))},
          {"metadata", s.metadata.is_object() ? s.metadata : Json::object()},
          {"created_at", iso_time(s.created_at)},
          {"updated_at", iso_time(s.created_at)}};
}

Json agent_view(const store::AgentRecord& a, const std::vector<store::SourceRecord>& sources) {
  Json blocks = Json::array();
  for (const auto& b : a.state.memory) blocks.push_back(block_view(a.id, b));
  Json src = Json::array();
  for (const auto& s : sources) src.push_back(source_view(s));
  Json llm = llm_config_view(a.llm_config);
  Json emb = embedding_config_view(a.embedding_config);
  return {{"id", a.id},
          {"name", a.name},
          {"agent_type", "memgpt_agent"},
          {"system", a.state.system_prompt},
          {"blocks", blocks},
          {"memory", {{"blocks", blocks}, {"agent_type", "memgpt_agent"}}},
          {"llm_config", llm},
          {"embedding_config", emb},
          {"model", llm["handle"]},
          {"embedding", emb["handle"]},
          {"tools", tool_views(a.state.functions)},
          {"sources", src},
          {"tags", a.tags},
          {"description", a.description ? Json(*a.description) : Json(nullptr)},
          {"metadata", a.metadata},
          {"message_ids", a.state.message_ids},
          {"created_at", iso_time(a.created_at)},
          {"updated_at", iso_time(a.last_updated)}};
}

Json file_view(const store::FileRecord& f) {
  return {{"id", f.id},
          {"source_id", f.source_id},
          {"folder_id", f.source_id},
          {"file_name", f.file_name},
          {"original_file_name", f.file_name},
          {"file_type", f.file_type},
          {"file_size", f.file_size},
          {"processing_status", f.status == "completed" ? "completed" : "error"},
          {"error_message", f.error.empty() ? Json(nullptr) : Json(f.error)},
          {"total_chunks", f.passages},
          {"chunks_embedded", f.passages},
          {"created_at", iso_time(f.created_at)},
          {"updated_at", iso_time(f.created_at)}};
}

Json passage_view(const sources::Passage& p, const store::AgentEmbeddingConfig& embedding_config) {
  return {{"id", p.id},
          {"text", p.text},
          {"embedding", nullptr},  // vectors stay in the store; clients rarely want 384+ floats
          {"embedding_config", embedding_config_view(embedding_config)},
          {"created_at", iso_time(p.created_at)},
          {"source_id", p.source_id.empty() ? Json(nullptr) : Json(p.source_id)},
          {"metadata", p.metadata.is_object() ? p.metadata : Json::object()},
          {"tags", p.metadata.value("tags", Json::array())},
          {"is_deleted", false}};
}

std::vector<Json> message_views(const store::MessageRecord& m, bool use_assistant_message) {
  std::vector<Json> out;
  auto base = [&](const char* type) {
    return Json{{"id", m.id}, {"date", iso_time(m.created_at)}, {"message_type", type}, {"name", nullptr},
                {"otid", nullptr}, {"sender_id", nullptr}, {"step_id", nullptr}, {"run_id", nullptr}};
  };
  if (m.role == "system") {
    Json j = base("system_message");
    j["content"] = m.text;
    out.push_back(j);
  } else if (m.role == "user") {
    Json j = base("user_message");
    auto text = agent::unpack_user_message(m.text);
    j["content"] = text ? *text : m.text;  // heartbeats and alerts keep their JSON, as Letta shows them
    out.push_back(j);
  } else if (m.role == "assistant") {
    std::string thoughts = m.text;
    std::vector<std::pair<std::string, Json>> calls;  // name, call
    for (const auto& tc : m.tool_calls) {
      std::string name = tc.value("/function/name"_json_pointer, "");
      std::string args = tc.value("/function/arguments"_json_pointer, "");
      Json parsed = parse_json_or_discarded(args);
      if (thoughts.empty() && parsed.is_object() && parsed.contains("inner_thoughts") &&
          parsed["inner_thoughts"].is_string()) {
        thoughts = parsed["inner_thoughts"].get<std::string>();
      }
      calls.emplace_back(name, tc);
    }
    if (!thoughts.empty()) {
      Json j = base("reasoning_message");
      j["reasoning"] = thoughts;
      j["source"] = "non_reasoner_model";
      out.push_back(j);
    }
    for (const auto& [name, tc] : calls) {
      std::string args = tc.value("/function/arguments"_json_pointer, "");
      Json parsed = parse_json_or_discarded(args);
      if (use_assistant_message && name == "send_message" && parsed.is_object() && parsed.contains("message")) {
        Json j = base("assistant_message");
        j["content"] = parsed["message"].is_string() ? parsed["message"].get<std::string>() : parsed["message"].dump();
        out.push_back(j);
        continue;
      }
      Json call = {{"name", name}, {"arguments", args}, {"tool_call_id", tc.value("id", "")}};
      Json j = base("tool_call_message");
      j["tool_call"] = call;
      j["tool_calls"] = Json::array({call});
      out.push_back(j);
    }
  } else if (m.role == "tool") {
    if (use_assistant_message && m.name == "send_message") return out;
    Json parsed = parse_json_or_discarded(m.text);
    bool ok = !(parsed.is_object() && parsed.value("status", "OK") == "Failed");
    Json j = base("tool_return_message");
    j["tool_return"] = m.text;
    j["status"] = ok ? "success" : "error";
    j["tool_call_id"] = m.tool_call_id;
    j["name"] = m.name;
    j["stdout"] = nullptr;
    j["stderr"] = nullptr;
    out.push_back(j);
  }
  return out;
}

Json context_view(const agent::ContextOverview& o) {
  return {{"context_window_size_max", o.window},
          {"context_window_size_current", o.total},
          {"num_messages", o.num_messages},
          {"num_archival_memory", o.archival},
          {"num_recall_memory", o.recall},
          {"num_tokens_external_memory_summary", o.memory_header},
          {"num_tokens_system", o.system},
          {"system_prompt", o.system_prompt},
          {"num_tokens_core_memory", o.core_memory},
          {"core_memory", o.core_memory_text},
          {"num_tokens_summary_memory", o.summary},
          {"summary_memory", o.summary_text.empty() ? Json(nullptr) : Json(o.summary_text)},
          {"num_tokens_functions_definitions", o.functions},
          {"functions_definitions", o.functions_json},
          {"num_tokens_messages", o.messages}};
}

Json stop_reason_view(const std::string& reason) { return {{"message_type", "stop_reason"}, {"stop_reason", reason}}; }

Json usage_view(const llm::Usage& u, int steps) {
  return {{"message_type", "usage_statistics"},
          {"completion_tokens", u.completion_tokens},
          {"prompt_tokens", u.prompt_tokens},
          {"total_tokens", u.total_tokens},
          {"step_count", steps}};
}

Json StreamedMessages::message(const char* type, const std::string& id) const {
  return {{"id", id}, {"date", iso_time(SystemClock::instance().now_ms())}, {"message_type", type}};
}

std::vector<Json> StreamedMessages::on_event(const agent::AgentEvent& e) {
  using K = agent::AgentEvent::Kind;
  switch (e.kind) {
    case K::kStreamDelta:
    case K::kInnerThoughts: {
      // Token streaming sends the monologue as it arrives; otherwise it comes whole.
      if ((e.kind == K::kStreamDelta) != stream_tokens_) return {};
      Json j = message("reasoning_message", reasoning_id_);
      j["reasoning"] = e.text;
      return {j};
    }
    case K::kFunctionCall: {
      pending_call_id_ = "call-" + new_uuid();
      if (use_assistant_ && e.function_name == "send_message") return {};
      Json j = message("tool_call_message", "message-" + new_uuid());
      j["tool_call"] = {{"name", e.function_name}, {"arguments", e.arguments.dump()}, {"tool_call_id", pending_call_id_}};
      return {j};
    }
    case K::kFunctionResult: {
      if (use_assistant_ && e.function_name == "send_message") return {};
      Json j = message("tool_return_message", "message-" + new_uuid());
      j["tool_return"] = e.text;
      j["status"] = e.ok ? "success" : "error";
      j["tool_call_id"] = pending_call_id_;
      j["name"] = e.function_name;
      return {j};
    }
    case K::kAssistantMessage: {
      Json j = message("assistant_message", "message-" + new_uuid());
      j["content"] = e.text;
      return {j};
    }
    case K::kUsage:
      usage_.prompt_tokens += e.usage.prompt_tokens;
      usage_.completion_tokens += e.usage.completion_tokens;
      usage_.total_tokens += e.usage.total_tokens;
      ++steps_;
      reasoning_id_ = "message-" + new_uuid();  // the next step's thoughts are a new message
      return {};
    default:
      return {};
  }
}

}  // namespace memgpt::server
