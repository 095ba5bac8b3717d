// Reading an Agent File (runtime/agent_file.h): Letta's document into our records, checked
// item by item; what we cannot honour becomes a warning naming the item.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "agent/core_memory.h"
#include "agent/functions.h"
#include "runtime/agent_file.h"

namespace memgpt::runtime {
namespace {

// Letta accepts objects and lists given as JSON inside a string (some clients encode twice):
// such a string reads as the value it encodes.
Json decoded(const Json& v) {
  if (!v.is_string()) return v;
  const std::string& s = v.get_ref<const std::string&>();
  size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || (s[first] != '{' && s[first] != '[')) return v;
  Json parsed = parse_json_or_discarded(s);
  return parsed.is_discarded() ? v : parsed;
}

Status wrong_type(const std::string& where, const char* key, const char* expected) {
  return invalid_argument(fmt::format("{}: '{}' must be {}", where, key, expected));
}

bool absent(const Json& obj, const char* key) { return !obj.contains(key) || obj[key].is_null(); }

Result<std::optional<std::string>> opt_string(const Json& obj, const char* key, const std::string& where) {
  if (absent(obj, key)) return std::optional<std::string>{};
  if (!obj[key].is_string()) return wrong_type(where, key, "a string");
  return std::optional<std::string>(obj[key].get<std::string>());
}

Result<std::optional<int64_t>> opt_integer(const Json& obj, const char* key, const std::string& where) {
  if (absent(obj, key)) return std::optional<int64_t>{};
  const Json& v = obj[key];
  if (v.is_number_integer()) return std::optional<int64_t>(v.get<int64_t>());
  if (v.is_number_unsigned() && v.get<uint64_t>() <= uint64_t(INT64_MAX)) {
    return std::optional<int64_t>(static_cast<int64_t>(v.get<uint64_t>()));
  }
  return wrong_type(where, key, "an integer");
}

Result<std::optional<bool>> opt_bool(const Json& obj, const char* key, const std::string& where) {
  if (absent(obj, key)) return std::optional<bool>{};
  if (!obj[key].is_boolean()) return wrong_type(where, key, "true or false");
  return std::optional<bool>(obj[key].get<bool>());
}

// A list (empty when absent or null).
Result<Json> list_of(const Json& obj, const char* key, const std::string& where) {
  if (absent(obj, key)) return Json::array();
  Json v = decoded(obj[key]);
  if (!v.is_array()) return wrong_type(where, key, "a list");
  return v;
}

// An object, or null when absent.
Result<Json> object_of(const Json& obj, const char* key, const std::string& where) {
  if (absent(obj, key)) return Json(nullptr);
  Json v = decoded(obj[key]);
  if (!v.is_object()) return wrong_type(where, key, "an object");
  return v;
}

Result<std::vector<std::string>> strings_of(const Json& obj, const char* key, const std::string& where) {
  MEMGPT_ASSIGN_OR_RETURN(Json list, list_of(obj, key, where));
  std::vector<std::string> out;
  for (const auto& v : list) {
    if (!v.is_string()) return wrong_type(where, key, "a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<int64_t> time_of(const Json& obj, const char* key, const std::string& where) {
  MEMGPT_ASSIGN_OR_RETURN(auto text, opt_string(obj, key, where));
  if (!text) return int64_t{0};
  auto ms = parse_iso8601_ms(*text);
  if (!ms.ok()) return invalid_argument(fmt::format("{}: '{}' is not a date and time: {}", where, key, *text));
  return *ms;
}

// Items of a top-level list by their file id; kInvalidArgument for an item without an id or
// an id given twice.
Result<std::map<std::string, Json>> items_by_id(const Json& doc, const char* key) {
  MEMGPT_ASSIGN_OR_RETURN(Json list, list_of(doc, key, "the agent file"));
  std::map<std::string, Json> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& item = list[i];
    std::string where = fmt::format("{}[{}]", key, i);
    if (!item.is_object()) return invalid_argument(fmt::format("{}: each item must be an object", where));
    MEMGPT_ASSIGN_OR_RETURN(auto id, opt_string(item, "id", where));
    if (!id || id->empty()) return invalid_argument(fmt::format("{}: an item needs an 'id'", where));
    if (!out.emplace(*id, item).second) return invalid_argument(fmt::format("duplicate id '{}' in '{}'", *id, key));
  }
  return out;
}

store::AgentEmbeddingConfig embedding_config_of(const Json& e) {
  store::AgentEmbeddingConfig out;
  if (!e.is_object()) return out;
  if (e.contains("embedding_endpoint_type") && e["embedding_endpoint_type"].is_string())
    out.embedding_endpoint_type = e["embedding_endpoint_type"].get<std::string>();
  if (e.contains("embedding_endpoint") && e["embedding_endpoint"].is_string())
    out.embedding_endpoint = e["embedding_endpoint"].get<std::string>();
  if (e.contains("embedding_model") && e["embedding_model"].is_string())
    out.embedding_model = e["embedding_model"].get<std::string>();
  if (e.contains("embedding_dim") && e["embedding_dim"].is_number_integer())
    out.embedding_dim = e["embedding_dim"].get<int>();
  if (e.contains("embedding_chunk_size") && e["embedding_chunk_size"].is_number_integer())
    out.embedding_chunk_size = e["embedding_chunk_size"].get<int>();
  return out;
}

class FileReader {
 public:
  Result<AgentFileContents> read(const Json& doc);

 private:
  Result<AgentFileAgent> read_agent(const Json& a, const std::string& id);
  Status read_blocks(const Json& a, const std::string& where, store::AgentSavedState& state);
  Status read_tools(const Json& a, const std::string& where, AgentFileAgent& agent);
  Result<std::optional<store::MessageRecord>> read_message(const Json& m, const std::string& agent_where);
  Status read_extension(const Json& ext, const std::string& where, AgentFileAgent& out);
  void warn(std::string line) { warnings_.push_back(std::move(line)); }

  // An MCP server's tool (Letta's tool_type "external_mcp"), or nullopt when the file does not
  // say which server it comes from (warned).
  Result<std::optional<AgentFileMcpTool>> read_mcp_tool(const Json& t, const std::string& what);

  std::map<std::string, Json> blocks_, tools_, extensions_;
  std::map<std::string, std::string> server_names_;  // file id -> server_name
  std::vector<AgentFileMcpServer> mcp_servers_;
  std::vector<std::string> warnings_;
};

Result<AgentFileContents> FileReader::read(const Json& doc) {
  if (!doc.is_object()) return invalid_argument("an agent file is a JSON object with a list of 'agents'");
  MEMGPT_ASSIGN_OR_RETURN(Json agents, list_of(doc, "agents", "the agent file"));
  if (agents.empty()) return invalid_argument("the agent file holds no agents");
  MEMGPT_ASSIGN_OR_RETURN(blocks_, items_by_id(doc, "blocks"));
  MEMGPT_ASSIGN_OR_RETURN(tools_, items_by_id(doc, "tools"));
  MEMGPT_ASSIGN_OR_RETURN(auto groups, items_by_id(doc, "groups"));
  for (const auto& group : groups) {
    const std::string& id = group.first;
    warn(fmt::format("group '{}' is not imported: memgpt has no multi-agent groups (its agents are "
                     "imported alone)",
                     id));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto files, items_by_id(doc, "files"));
  for (const auto& [id, f] : files) {
    warn(fmt::format("file '{}' ({}) is not imported: load documents with `memgpt load`", id,
                     f.value("file_name", f.value("original_file_name", "unnamed"))));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto sources, items_by_id(doc, "sources"));
  for (const auto& [id, s] : sources) {
    std::string name = s.contains("name") && s["name"].is_string() ? s["name"].get<std::string>() : "unnamed";
    warn(fmt::format("source '{}' ({}) is not imported: load it again with `memgpt load`", id, name));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto servers, items_by_id(doc, "mcp_servers"));
  for (const auto& [id, s] : servers) {
    std::string what = fmt::format("MCP server '{}'", id);
    MEMGPT_ASSIGN_OR_RETURN(auto name, opt_string(s, "server_name", what));
    if (!name || name->empty()) return invalid_argument(fmt::format("{}: a server needs a 'server_name'", what));
    Json definition = s;
    definition.erase("id");
    server_names_[id] = *name;
    mcp_servers_.push_back({id, *name, std::move(definition)});
  }
  MEMGPT_ASSIGN_OR_RETURN(Json ext, object_of(doc, kAgentFileExtensionKey, "the agent file"));
  if (ext.is_object()) {
    MEMGPT_ASSIGN_OR_RETURN(Json list, list_of(ext, "agents", kAgentFileExtensionKey));
    for (const auto& e : list) {
      if (!e.is_object() || !e.contains("agent_id") || !e["agent_id"].is_string()) {
        return invalid_argument(fmt::format("{}: each agent needs an 'agent_id'", kAgentFileExtensionKey));
      }
      extensions_[e["agent_id"].get<std::string>()] = e;
    }
  }

  AgentFileContents out;
  std::set<std::string> agent_ids;
  for (size_t i = 0; i < agents.size(); ++i) {
    const Json& a = agents[i];
    std::string where = fmt::format("agents[{}]", i);
    if (!a.is_object()) return invalid_argument(fmt::format("{}: each agent must be an object", where));
    MEMGPT_ASSIGN_OR_RETURN(auto id, opt_string(a, "id", where));
    if (!id || id->empty()) return invalid_argument(fmt::format("{}: an agent needs an 'id'", where));
    if (!agent_ids.insert(*id).second) return invalid_argument(fmt::format("duplicate id '{}' in 'agents'", *id));
    MEMGPT_ASSIGN_OR_RETURN(AgentFileAgent agent, read_agent(a, *id));
    out.agents.push_back(std::move(agent));
  }
  for (const auto& extension : extensions_) {
    const std::string& id = extension.first;
    if (!agent_ids.count(id)) {
      return invalid_argument(
          fmt::format("{} refers to agent '{}', which the file does not define", kAgentFileExtensionKey, id));
    }
  }
  out.mcp_servers = std::move(mcp_servers_);
  out.warnings = std::move(warnings_);
  return out;
}

Result<AgentFileAgent> FileReader::read_agent(const Json& a, const std::string& id) {
  const std::string where = fmt::format("agent '{}'", id);
  AgentFileAgent out;
  store::AgentRecord& r = out.record;
  r.id = id;
  MEMGPT_ASSIGN_OR_RETURN(auto name, opt_string(a, "name", where));
  r.name = name.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(auto type, opt_string(a, "agent_type", where));
  if (type && *type != "memgpt_agent") {
    warn(fmt::format("{}: agent_type '{}' runs as a MemGPT agent (memgpt has one agent loop)", where, *type));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto system, opt_string(a, "system", where));
  r.state.system_prompt = system.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(r.description, opt_string(a, "description", where));
  MEMGPT_ASSIGN_OR_RETURN(r.tags, strings_of(a, "tags", where));
  MEMGPT_ASSIGN_OR_RETURN(Json metadata, object_of(a, "metadata", where));
  if (metadata.is_object()) r.metadata = metadata;

  MEMGPT_ASSIGN_OR_RETURN(out.llm_config, object_of(a, "llm_config", where));
  if (out.llm_config.is_object()) {
    MEMGPT_ASSIGN_OR_RETURN(r.state.inner_thoughts_in_args,
                            opt_bool(out.llm_config, "put_inner_thoughts_in_kwargs", where + " llm_config"));
  }
  MEMGPT_ASSIGN_OR_RETURN(Json embedding, object_of(a, "embedding_config", where));
  out.passages_embedder = embedding_config_of(embedding);

  MEMGPT_RETURN_IF_ERROR(read_blocks(a, where, r.state));
  MEMGPT_RETURN_IF_ERROR(read_tools(a, where, out));
  MEMGPT_ASSIGN_OR_RETURN(Json rules, list_of(a, "tool_rules", where));
  if (!rules.empty()) {
    warn(fmt::format("{}: {} tool rules are not honoured (memgpt's functions chain by heartbeats)", where,
                     rules.size()));
  }
  MEMGPT_ASSIGN_OR_RETURN(Json source_ids, list_of(a, "source_ids", where));
  if (!source_ids.empty()) {
    warn(fmt::format("{}: {} attached sources are not attached (load and attach them with memgpt)", where,
                     source_ids.size()));
  }
  MEMGPT_ASSIGN_OR_RETURN(Json files_agents, list_of(a, "files_agents", where));
  if (!files_agents.empty()) warn(fmt::format("{}: {} open files are not imported", where, files_agents.size()));
  for (const char* key : {"tool_exec_environment_variables", "secrets"}) {
    Json vars = absent(a, key) ? Json(nullptr) : decoded(a[key]);
    if ((vars.is_object() || vars.is_array()) && !vars.empty()) {
      warn(fmt::format("{}: {} '{}' are not imported (memgpt's functions take none)", where, vars.size(), key));
    }
  }

  // Messages, then which of them are in context (in order).
  MEMGPT_ASSIGN_OR_RETURN(Json messages, list_of(a, "messages", where));
  std::map<std::string, std::string> role_of;
  for (const auto& m : messages) {
    MEMGPT_ASSIGN_OR_RETURN(auto message, read_message(m, where));
    if (!message) continue;
    if (role_of.count(message->id)) {
      return invalid_argument(fmt::format("{}: duplicate message id '{}'", where, message->id));
    }
    role_of[message->id] = message->role;
    out.messages.push_back(std::move(*message));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto in_context, strings_of(a, "in_context_message_ids", where));
  std::set<std::string> seen;
  for (size_t i = 0; i < in_context.size(); ++i) {
    const std::string& m = in_context[i];
    if (!seen.insert(m).second) return invalid_argument(fmt::format("{}: message '{}' is in context twice", where, m));
    auto it = role_of.find(m);
    if (it == role_of.end()) {
      return invalid_argument(
          fmt::format("{}: in_context_message_ids names message '{}', which the agent does not have", where, m));
    }
    if (i == 0 && it->second == "system") {
      // Letta's compiled system message: ours is rebuilt from the prompt and memory.
      std::erase_if(out.messages, [&](const store::MessageRecord& x) {
        if (x.id == m) out.system_message = x.text;
        return x.id == m;
      });
      continue;
    }
    r.state.message_ids.push_back(m);
  }
  auto ext = extensions_.find(id);
  if (ext != extensions_.end()) MEMGPT_RETURN_IF_ERROR(read_extension(ext->second, where, out));
  return out;
}

Status FileReader::read_blocks(const Json& a, const std::string& where, store::AgentSavedState& state) {
  std::vector<std::pair<std::string, Json>> blocks;  // (what, block)
  MEMGPT_ASSIGN_OR_RETURN(Json inline_blocks, list_of(a, "memory_blocks", where));
  for (size_t i = 0; i < inline_blocks.size(); ++i) {
    blocks.emplace_back(fmt::format("{} memory_blocks[{}]", where, i), inline_blocks[i]);
  }
  MEMGPT_ASSIGN_OR_RETURN(auto block_ids, strings_of(a, "block_ids", where));
  for (const auto& id : block_ids) {
    auto it = blocks_.find(id);
    if (it == blocks_.end()) {
      return invalid_argument(
          fmt::format("{}: block_ids names block '{}', which the file does not define", where, id));
    }
    blocks.emplace_back(fmt::format("block '{}'", id), it->second);
  }
  agent::CoreMemory memory;  // checks labels and limits as the agent will
  for (const auto& [what, b] : blocks) {
    if (!b.is_object()) return invalid_argument(fmt::format("{}: a block must be an object", what));
    MEMGPT_ASSIGN_OR_RETURN(auto label, opt_string(b, "label", what));
    MEMGPT_ASSIGN_OR_RETURN(auto value, opt_string(b, "value", what));
    MEMGPT_ASSIGN_OR_RETURN(auto limit, opt_integer(b, "limit", what));
    MEMGPT_ASSIGN_OR_RETURN(auto read_only, opt_bool(b, "read_only", what));
    if (!label || label->empty()) return invalid_argument(fmt::format("{}: a block needs a 'label'", what));
    agent::MemoryBlock block{*label, value.value_or(""), 0};
    int64_t chars = static_cast<int64_t>(agent::utf8_chars(block.value));
    // A block without a limit gets ours, or room for what it holds.
    int64_t wanted = limit.value_or(std::max<int64_t>(store::kDefaultCoreMemoryLimit, chars));
    if (wanted <= 0 || wanted > 10'000'000) {
      return invalid_argument(fmt::format("{}: 'limit' must be between 1 and 10000000", what));
    }
    block.limit = static_cast<int>(wanted);
    Status added = memory.add_block(block);
    if (added.code() == ErrorCode::kAlreadyExists) {
      return invalid_argument(fmt::format("{}: the agent has two blocks labelled '{}'", what, *label));
    }
    if (!added.ok()) return invalid_argument(fmt::format("{} ({}): {}", what, *label, added.message()));
    if (read_only.value_or(false)) {
      warn(fmt::format("{} ({}): read_only is not honoured: the agent may edit it", what, *label));
    }
    state.memory.push_back(std::move(block));
  }
  return {};
}

Result<std::optional<AgentFileMcpTool>> FileReader::read_mcp_tool(const Json& t, const std::string& what) {
  AgentFileMcpTool tool;
  tool.name = t["name"].get<std::string>();
  MEMGPT_ASSIGN_OR_RETURN(auto description, opt_string(t, "description", what));
  tool.description = description.value_or("");
  // The server: metadata_.mcp names it (by the file's id, or by name), else Letta's tag "mcp:NAME".
  MEMGPT_ASSIGN_OR_RETURN(Json metadata, object_of(t, "metadata_", what));
  Json mcp = metadata.is_object() && metadata.contains("mcp") ? decoded(metadata["mcp"]) : Json(nullptr);
  if (mcp.is_object()) {
    MEMGPT_ASSIGN_OR_RETURN(auto server_id, opt_string(mcp, "server_id", what + " metadata_.mcp"));
    MEMGPT_ASSIGN_OR_RETURN(auto server_name, opt_string(mcp, "server_name", what + " metadata_.mcp"));
    if (server_id && server_names_.count(*server_id)) tool.server = server_names_[*server_id];
    else if (server_name) tool.server = *server_name;
    MEMGPT_ASSIGN_OR_RETURN(auto timeout, opt_integer(mcp, "memgpt_timeout_ms", what + " metadata_.mcp"));
    if (timeout && *timeout > 0) tool.timeout_ms = *timeout;
  }
  if (tool.server.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(auto tags, strings_of(t, "tags", what));
    for (const auto& tag : tags) {
      if (tag.rfind("mcp:", 0) == 0 && tag.size() > 4) tool.server = tag.substr(4);
    }
  }
  if (tool.server.empty()) {
    warn(fmt::format("{} ({}, external_mcp) is not imported: the file does not say which MCP server it comes from",
                     what, tool.name));
    return std::optional<AgentFileMcpTool>{};
  }
  // Its parameters; request_heartbeat is ours to add (Letta's schemas may carry it already).
  MEMGPT_ASSIGN_OR_RETURN(Json schema, object_of(t, "json_schema", what));
  if (schema.is_object() && schema.contains("parameters") && decoded(schema["parameters"]).is_object()) {
    tool.input_schema = decoded(schema["parameters"]);
  }
  if (tool.input_schema.contains("properties") && tool.input_schema["properties"].is_object()) {
    tool.input_schema["properties"].erase("request_heartbeat");
  }
  if (tool.input_schema.contains("required") && tool.input_schema["required"].is_array()) {
    Json& required = tool.input_schema["required"];
    required.erase(std::remove(required.begin(), required.end(), Json("request_heartbeat")), required.end());
  }
  if (tool.description.empty() && schema.is_object() && schema.contains("description") &&
      schema["description"].is_string()) {
    tool.description = schema["description"].get<std::string>();
  }
  return std::optional<AgentFileMcpTool>(std::move(tool));
}

Status FileReader::read_tools(const Json& a, const std::string& where, AgentFileAgent& agent) {
  store::AgentSavedState& state = agent.record.state;
  std::vector<std::pair<std::string, std::string>> wanted;  // (name, description for warnings)
  MEMGPT_ASSIGN_OR_RETURN(auto tool_ids, strings_of(a, "tool_ids", where));
  for (const auto& id : tool_ids) {
    auto it = tools_.find(id);
    if (it == tools_.end()) {
      return invalid_argument(fmt::format("{}: tool_ids names tool '{}', which the file does not define", where, id));
    }
    const Json& t = it->second;
    std::string what = fmt::format("tool '{}'", id);
    MEMGPT_ASSIGN_OR_RETURN(auto name, opt_string(t, "name", what));
    MEMGPT_ASSIGN_OR_RETURN(auto type, opt_string(t, "tool_type", what));
    if (!name || name->empty()) return invalid_argument(fmt::format("{}: a tool needs a 'name'", what));
    if (type == "external_mcp") {
      MEMGPT_ASSIGN_OR_RETURN(auto tool, read_mcp_tool(t, what));
      if (tool) agent.mcp_tools.push_back(std::move(*tool));
      continue;
    }
    wanted.emplace_back(*name, fmt::format("{} ({}, {})", what, *name, type.value_or("custom")));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto names, strings_of(a, "tools", where));
  for (const auto& n : names) wanted.emplace_back(n, fmt::format("tool '{}'", n));
  for (const auto& [name, what] : wanted) {
    if (!agent::is_builtin_function(name)) {
      warn(fmt::format("{}: {} is not imported: memgpt runs only its built-in functions and MCP servers' tools", where,
                       what));
      continue;
    }
    if (std::find(state.functions.begin(), state.functions.end(), name) == state.functions.end()) {
      state.functions.push_back(name);
    }
  }
  if (!wanted.empty() && state.functions.empty()) {
    warn(fmt::format("{}: none of its tools is one of memgpt's functions: it gets all of them", where));
  }
  return {};
}

Result<std::optional<store::MessageRecord>> FileReader::read_message(const Json& m, const std::string& agent_where) {
  if (!m.is_object()) return invalid_argument(fmt::format("{}: each message must be an object", agent_where));
  MEMGPT_ASSIGN_OR_RETURN(auto id, opt_string(m, "id", agent_where + " message"));
  if (!id || id->empty()) return invalid_argument(fmt::format("{}: a message needs an 'id'", agent_where));
  const std::string where = fmt::format("{} message '{}'", agent_where, *id);
  store::MessageRecord out;
  out.id = *id;
  MEMGPT_ASSIGN_OR_RETURN(auto role, opt_string(m, "role", where));
  if (!role) return invalid_argument(fmt::format("{}: a message needs a 'role'", where));
  out.role = *role == "function" ? "tool" : *role;
  if (out.role == "approval") {
    warn(fmt::format("{}: an approval message is not imported (memgpt asks for no approvals)", where));
    return std::optional<store::MessageRecord>{};
  }
  if (out.role != "system" && out.role != "user" && out.role != "assistant" && out.role != "tool") {
    return invalid_argument(fmt::format("{}: unknown role '{}'", where, *role));
  }
  // Content: a string, or a list of parts of which the text ones are kept.
  Json content = absent(m, "content") ? Json(nullptr) : m["content"];
  if (content.is_string()) {
    out.text = content.get<std::string>();
  } else if (content.is_array()) {
    for (const auto& part : content) {
      if (!part.is_object()) return wrong_type(where, "content", "a string or a list of content parts");
      std::string type = part.value("type", "text");
      bool text_part = type == "text" || type == "reasoning";
      if (text_part && part.contains("text") && part["text"].is_string()) {
        if (!out.text.empty()) out.text += "\n";
        out.text += part["text"].get<std::string>();
      } else if (type == "tool_return" && part.contains("content") && part["content"].is_string() && out.text.empty()) {
        out.text = part["content"].get<std::string>();
      } else if (!text_part) {
        warn(fmt::format("{}: its '{}' content is not imported", where, type));
      }
    }
  } else if (!content.is_null()) {
    return wrong_type(where, "content", "a string or a list of content parts");
  }
  if (out.role == "tool" && out.text.empty()) {
    MEMGPT_ASSIGN_OR_RETURN(Json returns, list_of(m, "tool_returns", where));
    if (!returns.empty() && returns[0].is_object() && returns[0].contains("func_response") &&
        returns[0]["func_response"].is_string()) {
      out.text = returns[0]["func_response"].get<std::string>();
    }
  }
  MEMGPT_ASSIGN_OR_RETURN(auto name, opt_string(m, "name", where));
  out.name = name.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(auto model, opt_string(m, "model", where));
  out.model = model.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(auto call_id, opt_string(m, "tool_call_id", where));
  out.tool_call_id = call_id.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(out.created_at, time_of(m, "created_at", where));

  MEMGPT_ASSIGN_OR_RETURN(Json calls, list_of(m, "tool_calls", where));
  for (size_t i = 0; i < calls.size(); ++i) {
    std::string call_where = fmt::format("{} tool_calls[{}]", where, i);
    Json call = decoded(calls[i]);
    if (!call.is_object()) return invalid_argument(fmt::format("{}: a tool call must be an object", call_where));
    MEMGPT_ASSIGN_OR_RETURN(auto call_id_i, opt_string(call, "id", call_where));
    MEMGPT_ASSIGN_OR_RETURN(Json function, object_of(call, "function", call_where));
    if (!function.is_object()) return invalid_argument(fmt::format("{}: a tool call needs a 'function'", call_where));
    MEMGPT_ASSIGN_OR_RETURN(auto fname, opt_string(function, "name", call_where + " function"));
    if (!fname || fname->empty()) return invalid_argument(fmt::format("{}: the function needs a 'name'", call_where));
    std::string arguments = "{}";
    if (!absent(function, "arguments")) {
      const Json& args = function["arguments"];
      if (args.is_string()) arguments = args.get<std::string>();
      else if (args.is_object()) arguments = args.dump();
      else return wrong_type(call_where, "arguments", "a JSON object or a string of one");
    }
    out.tool_calls.push_back({{"id", call_id_i.value_or(fmt::format("{}-call-{}", *id, i))},
                              {"type", "function"},
                              {"function", {{"name", *fname}, {"arguments", arguments}}}});
  }
  return std::optional<store::MessageRecord>(std::move(out));
}

Status FileReader::read_extension(const Json& e, const std::string& where, AgentFileAgent& out) {
  const std::string ext_where = fmt::format("{} ({})", where, kAgentFileExtensionKey);
  store::AgentRecord& r = out.record;
  MEMGPT_ASSIGN_OR_RETURN(auto preset, opt_string(e, "preset", ext_where));
  r.preset = preset.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(auto persona, opt_string(e, "persona", ext_where));
  r.persona = persona.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(auto human, opt_string(e, "human", ext_where));
  r.human = human.value_or("");
  MEMGPT_ASSIGN_OR_RETURN(r.created_at, time_of(e, "created_at", ext_where));
  MEMGPT_ASSIGN_OR_RETURN(r.state.memory_edited_at, time_of(e, "memory_edited_at", ext_where));
  MEMGPT_ASSIGN_OR_RETURN(auto alerted, opt_bool(e, "alerted_memory_pressure", ext_where));
  r.state.alerted_memory_pressure = alerted.value_or(false);
  MEMGPT_ASSIGN_OR_RETURN(auto verified, opt_bool(e, "first_message_verified", ext_where));
  r.state.first_message_verified = verified.value_or(false);

  MEMGPT_ASSIGN_OR_RETURN(Json archival, object_of(e, "archival", ext_where));
  if (!archival.is_object()) return {};
  MEMGPT_ASSIGN_OR_RETURN(Json embedder, object_of(archival, "embedding_config", ext_where));
  if (embedder.is_object()) out.passages_embedder = embedding_config_of(embedder);
  MEMGPT_ASSIGN_OR_RETURN(Json passages, list_of(archival, "passages", ext_where));
  for (size_t i = 0; i < passages.size(); ++i) {
    const Json& p = passages[i];
    std::string p_where = fmt::format("{} passage {}", ext_where, i);
    if (!p.is_object()) return invalid_argument(fmt::format("{}: a passage must be an object", p_where));
    AgentFilePassage passage;
    MEMGPT_ASSIGN_OR_RETURN(auto text, opt_string(p, "text", p_where));
    if (!text) return invalid_argument(fmt::format("{}: a passage needs a 'text'", p_where));
    passage.text = *text;
    MEMGPT_ASSIGN_OR_RETURN(auto doc_id, opt_string(p, "doc_id", p_where));
    passage.doc_id = doc_id.value_or("");
    MEMGPT_ASSIGN_OR_RETURN(passage.created_at, time_of(p, "created_at", p_where));
    MEMGPT_ASSIGN_OR_RETURN(Json metadata, object_of(p, "metadata", p_where));
    if (metadata.is_object()) passage.metadata = metadata;
    MEMGPT_ASSIGN_OR_RETURN(Json embedding, list_of(p, "embedding", p_where));
    for (const auto& x : embedding) {
      if (!x.is_number()) return wrong_type(p_where, "embedding", "a list of numbers");
      passage.embedding.push_back(x.get<float>());
    }
    out.passages.push_back(std::move(passage));
  }
  return {};
}

}  // namespace

Result<AgentFileContents> read_agent_file(const Json& document) { return FileReader().read(document); }

Result<AgentFileContents> read_agent_file_text(std::string_view text) {
  if (text.size() > kMaxAgentFileBytes) {
    return Status(ErrorCode::kResourceExhausted,
                  fmt::format("the agent file is {} MB, over the limit of {} MB", text.size() >> 20,
                              kMaxAgentFileBytes >> 20));
  }
  auto doc = parse_json(text, "the agent file");
  if (!doc.ok()) return invalid_argument(doc.status().message());
  return read_agent_file(*doc);
}

Result<int64_t> parse_iso8601_ms(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6 || consumed == 0) {
    return invalid_argument(fmt::format("not an ISO 8601 date and time: {}", text));
  }
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return invalid_argument(fmt::format("not an ISO 8601 date and time: {}", text));
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  size_t i = static_cast<size_t>(consumed);
  if (i < text.size() && text[i] == '.') {  // fraction: milliseconds kept, finer digits dropped
    int64_t scale = 100;
    for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
      ms += (text[i] - '0') * scale;
      scale /= 10;
    }
  }
  if (i == text.size() || text.substr(i) == "Z" || text.substr(i) == "z") return ms;
  int oh = 0, om = 0;
  char sign = text[i];
  if ((sign == '+' || sign == '-') &&
      (std::sscanf(text.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2 ||
       std::sscanf(text.c_str() + i + 1, "%2d%2d", &oh, &om) == 2)) {
    int64_t offset = (oh * 60 + om) * 60'000LL;
    return sign == '+' ? ms - offset : ms + offset;
  }
  return invalid_argument(fmt::format("not an ISO 8601 date and time: {}", text));
}

}  // namespace memgpt::runtime
