// Writing an Agent File: our records in Letta's shape (runtime/agent_file.h).
#include <fmt/format.h>

#include <map>

#include "agent/functions.h"
#include "runtime/agent_file.h"
#include "util/clock.h"

namespace memgpt::runtime {
namespace {

OrderedJson text_or_null(const std::string& s) { return s.empty() ? OrderedJson(nullptr) : OrderedJson(s); }

// Letta files its built-in tools by kind; core memory edits are "letta_memory_core".
// Our own JSON (stored, already bounded) in the document's ordered type.
OrderedJson ordered(const std::string& dumped) { return parse_ordered_json_or_discarded(dumped); }

std::string letta_tool_type(const std::string& name) {
  return name.rfind("core_memory_", 0) == 0 ? "letta_memory_core" : "letta_core";
}

// Letta's shape of a tool from an MCP server: tagged and described as Letta tags it, the
// server named in metadata_.mcp (server_id: the file's id of the server).
OrderedJson mcp_tool_json(const AgentFileMcpTool& t, const std::string& id,
                          const std::map<std::string, std::string>& server_ids) {
  OrderedJson schema;
  schema["name"] = t.name;
  schema["description"] = t.description;
  schema["parameters"] = ordered(t.input_schema.dump());
  OrderedJson mcp;
  mcp["server_name"] = t.server;
  if (auto it = server_ids.find(t.server); it != server_ids.end()) mcp["server_id"] = it->second;
  if (t.timeout_ms > 0) mcp["memgpt_timeout_ms"] = t.timeout_ms;
  return {{"id", id},
          {"name", t.name},
          {"tool_type", "external_mcp"},
          {"description", t.description},
          {"source_type", "python"},
          {"tags", OrderedJson::array({"mcp:" + t.server})},
          {"source_code", nullptr},
          {"json_schema", std::move(schema)},
          {"args_json_schema", nullptr},
          {"return_char_limit", 6000},
          {"pip_requirements", nullptr},
          {"metadata_", {{"mcp", std::move(mcp)}}}};
}

OrderedJson llm_config_json(const store::AgentRecord& r) {
  const store::AgentLlmConfig& l = r.llm_config;
  OrderedJson j;
  j["model"] = l.model;
  j["model_endpoint_type"] = l.model_endpoint_type;
  j["model_endpoint"] = text_or_null(l.model_endpoint);
  j["model_wrapper"] = text_or_null(l.model_wrapper);
  j["context_window"] = l.context_window;
  if (r.state.inner_thoughts_in_args) j["put_inner_thoughts_in_kwargs"] = *r.state.inner_thoughts_in_args;
  return j;
}

OrderedJson embedding_config_json(const store::AgentEmbeddingConfig& e) {
  OrderedJson j;
  j["embedding_endpoint_type"] = e.embedding_endpoint_type;
  j["embedding_endpoint"] = text_or_null(e.embedding_endpoint);
  j["embedding_model"] = e.embedding_model;
  j["embedding_dim"] = e.embedding_dim;
  j["embedding_chunk_size"] = e.embedding_chunk_size;
  return j;
}

OrderedJson message_json(const store::MessageRecord& m, const std::string& id, const std::string& agent_id) {
  OrderedJson content = OrderedJson::array();
  if (!m.text.empty()) content.push_back({{"type", "text"}, {"text", m.text}});
  OrderedJson j;
  j["type"] = "message";
  j["id"] = id;
  j["role"] = m.role;
  j["content"] = std::move(content);
  j["name"] = text_or_null(m.name);
  j["agent_id"] = agent_id;
  j["model"] = text_or_null(m.model);
  j["tool_calls"] = m.tool_calls.is_array() && !m.tool_calls.empty() ? ordered(m.tool_calls.dump())
                                                                     : OrderedJson(nullptr);
  j["tool_call_id"] = text_or_null(m.tool_call_id);
  j["created_at"] = format_iso8601(m.created_at);
  return j;
}

}  // namespace

OrderedJson agent_file_json(const AgentFileContents& contents, int64_t now_ms) {
  OrderedJson agents = OrderedJson::array(), blocks = OrderedJson::array(), tools = OrderedJson::array();
  OrderedJson extension_agents = OrderedJson::array();
  std::map<std::string, std::string> tool_ids;  // function name -> file id (shared by the agents)
  // The MCP servers, by name -> file id; Letta's tools name theirs in metadata_.mcp.
  OrderedJson servers = OrderedJson::array();
  std::map<std::string, std::string> server_ids;
  for (const auto& server : contents.mcp_servers) {
    std::string id = fmt::format("mcp_server-{}", servers.size());
    if (!server_ids.emplace(server.name, id).second) continue;
    OrderedJson j;
    j["id"] = id;
    OrderedJson definition = ordered(server.definition.dump());
    for (const auto& [key, value] : definition.items()) j[key] = value;
    servers.push_back(std::move(j));
  }
  int message_n = 0;
  for (size_t a = 0; a < contents.agents.size(); ++a) {
    const AgentFileAgent& in = contents.agents[a];
    const store::AgentRecord& r = in.record;
    const std::string agent_id = fmt::format("agent-{}", a);

    OrderedJson block_ids = OrderedJson::array();
    for (const auto& b : r.state.memory) {
      std::string id = fmt::format("block-{}", blocks.size());
      blocks.push_back({{"id", id},
                        {"label", b.label},
                        {"value", b.value},
                        {"limit", b.limit},
                        {"description", nullptr},
                        {"metadata", OrderedJson::object()},
                        {"is_template", false},
                        {"template_name", nullptr},
                        {"preserve_on_migration", false},
                        {"read_only", false}});
      block_ids.push_back(id);
    }

    const std::vector<std::string>& functions =
        r.state.functions.empty() ? agent::builtin_function_names() : r.state.functions;
    Json schemas = agent::function_tools(functions, false);
    OrderedJson agent_tool_ids = OrderedJson::array();
    for (const auto& schema : schemas) {
      const Json& f = schema["function"];
      std::string name = f.value("name", "");
      auto [it, added] = tool_ids.emplace(name, fmt::format("tool-{}", tool_ids.size()));
      if (added) {
        tools.push_back({{"id", it->second},
                         {"name", name},
                         {"tool_type", letta_tool_type(name)},
                         {"description", f.value("description", "")},
                         {"source_type", "python"},
                         {"tags", OrderedJson::array({"memgpt_builtin"})},
                         {"source_code", nullptr},
                         {"json_schema", ordered(f.dump())},
                         {"args_json_schema", nullptr},
                         {"return_char_limit", 6000},
                         {"pip_requirements", nullptr},
                         {"metadata_", OrderedJson::object()}});
      }
      agent_tool_ids.push_back(it->second);
    }
    for (const auto& t : in.mcp_tools) {
      auto [it, added] = tool_ids.emplace(fmt::format("mcp:{}:{}", t.server, t.name), fmt::format("tool-{}", tool_ids.size()));
      if (added) tools.push_back(mcp_tool_json(t, it->second, server_ids));
      agent_tool_ids.push_back(it->second);
    }

    // Letta keeps the system message first in context; ours is rebuilt, so it is written here
    // and skipped when read back.
    std::map<std::string, std::string> message_ids;
    OrderedJson messages = OrderedJson::array();
    const std::string system_id = fmt::format("message-{}", message_n++);
    store::MessageRecord system;
    system.role = "system";
    system.text = in.system_message;
    system.created_at = r.created_at;
    messages.push_back(message_json(system, system_id, agent_id));
    for (const auto& m : in.messages) {
      std::string id = fmt::format("message-{}", message_n++);
      message_ids[m.id] = id;
      messages.push_back(message_json(m, id, agent_id));
    }
    OrderedJson in_context = OrderedJson::array({system_id});
    for (const auto& id : r.state.message_ids) {
      auto it = message_ids.find(id);
      if (it != message_ids.end()) in_context.push_back(it->second);
    }

    OrderedJson j;
    j["id"] = agent_id;
    j["name"] = r.name;
    j["agent_type"] = "memgpt_agent";
    j["system"] = r.state.system_prompt;
    j["description"] = r.description ? OrderedJson(*r.description) : OrderedJson(nullptr);
    j["tags"] = r.tags;
    j["metadata"] = ordered(r.metadata.dump());
    j["llm_config"] = llm_config_json(r);
    j["embedding_config"] = embedding_config_json(r.embedding_config);
    j["memory_blocks"] = OrderedJson::array();
    j["block_ids"] = std::move(block_ids);
    j["tools"] = OrderedJson::array();
    j["tool_ids"] = std::move(agent_tool_ids);
    j["source_ids"] = OrderedJson::array();
    j["tool_rules"] = OrderedJson::array();
    j["include_base_tools"] = false;
    j["include_multi_agent_tools"] = false;
    j["include_base_tool_rules"] = false;
    j["include_default_source"] = false;
    j["initial_message_sequence"] = nullptr;
    j["tool_exec_environment_variables"] = OrderedJson::object();  // secrets are never written
    j["in_context_message_ids"] = std::move(in_context);
    j["messages"] = std::move(messages);
    j["files_agents"] = OrderedJson::array();
    j["group_ids"] = OrderedJson::array();
    agents.push_back(std::move(j));

    OrderedJson passages = OrderedJson::array();
    for (const auto& p : in.passages) {
      passages.push_back({{"text", p.text},
                          {"doc_id", text_or_null(p.doc_id)},
                          {"created_at", format_iso8601(p.created_at)},
                          {"metadata", ordered(p.metadata.dump())},
                          {"embedding", p.embedding}});
    }
    extension_agents.push_back({{"agent_id", agent_id},
                                {"created_at", format_iso8601(r.created_at)},
                                {"preset", r.preset},
                                {"persona", r.persona},
                                {"human", r.human},
                                {"memory_edited_at", format_iso8601(r.state.memory_edited_at)},
                                {"alerted_memory_pressure", r.state.alerted_memory_pressure},
                                {"first_message_verified", r.state.first_message_verified},
                                {"archival",
                                 {{"embedding_config", embedding_config_json(in.passages_embedder)},
                                  {"passages", std::move(passages)}}}});
  }

  OrderedJson doc;
  doc["agents"] = std::move(agents);
  doc["groups"] = OrderedJson::array();
  doc["blocks"] = std::move(blocks);
  doc["files"] = OrderedJson::array();
  doc["sources"] = OrderedJson::array();
  doc["tools"] = std::move(tools);
  doc["mcp_servers"] = std::move(servers);
  doc["metadata"] = {{"exported_by", "memgpt"}};
  doc["created_at"] = format_iso8601(now_ms);
  doc[kAgentFileExtensionKey] = {{"version", 1}, {"agents", std::move(extension_agents)}};
  return doc;
}

}  // namespace memgpt::runtime
