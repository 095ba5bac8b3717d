#include "mcp/memory_tools.h"

#include <fmt/format.h>

#include "agent/core_memory.h"
#include "runtime/memory_access.h"
#include "runtime/sources_service.h"
#include "util/clock.h"

namespace memgpt::mcp {
namespace {

Json agent_property() {
  return {{"type", "string"},
          {"description", "The agent's name or id (see list_agents). Optional when the server was started with a "
                          "default agent (memgpt mcp --agent NAME)."}};
}

Json top_k_property(int fallback) {
  return {{"type", "integer"}, {"minimum", 1}, {"maximum", 50},
          {"description", fmt::format("How many results to return (default {}).", fallback)}};
}

Json object_schema(Json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)},
          {"additionalProperties", false}};
}

std::vector<Tool> make_tools() {
  Json label = {{"type", "string"}, {"minLength", 1},
                {"description", "The memory block's label, e.g. 'persona' (who the agent is) or 'human' (what it knows "
                                "about the user); core_memory_read lists them."}};
  return {
      {"list_agents", "List agents",
       "Lists the memgpt agents you can use: name, id, model, memory block labels and description. Use a name or id "
       "as the `agent` argument of the other tools.",
       object_schema(Json::object(), {}), true},
      {"list_sources", "List data sources",
       "Lists the data sources (documents loaded with `memgpt load`): name, id, description and the agents each is "
       "attached to. Search one with search_source.",
       object_schema(Json::object(), {}), true},
      {"search_source", "Search a data source",
       "Searches a data source's passages by meaning and keywords (hybrid search) and returns the best matches with "
       "the document each comes from.",
       object_schema({{"source", {{"type", "string"}, {"minLength", 1}, {"description", "The source's name or id (see list_sources)."}}},
                      {"query", {{"type", "string"}, {"minLength", 1}, {"description", "What to look for, in words."}}},
                      {"top_k", top_k_property(5)}},
                     {"source", "query"}),
       true},
      {"archival_memory_search", "Search archival memory",
       "Searches the agent's archival memory (its long-term store of facts and documents, unlimited in size) by "
       "meaning and keywords; returns the best passages with when they were stored.",
       object_schema({{"agent", agent_property()},
                      {"query", {{"type", "string"}, {"minLength", 1}, {"description", "What to look for, in words."}}},
                      {"top_k", top_k_property(5)}},
                     {"query"}),
       true},
      {"archival_memory_insert", "Add to archival memory",
       "Stores text in the agent's archival memory (long texts are split into passages). The agent finds it later "
       "with its own archival search. Returns the ids of the stored passages.",
       object_schema({{"agent", agent_property()},
                      {"text", {{"type", "string"}, {"minLength", 1}, {"description", "The text to remember."}}}},
                     {"text"}),
       false},
      {"conversation_search", "Search the conversation",
       "Searches everything said between the user and the agent (recall memory), case-insensitive substring match, "
       "oldest first, a page at a time.",
       object_schema({{"agent", agent_property()},
                      {"query", {{"type", "string"}, {"minLength", 1}, {"description", "Text the messages must contain."}}},
                      {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", 50}, {"description", "Messages per page (default 10)."}}},
                      {"page", {{"type", "integer"}, {"minimum", 0}, {"maximum", 1000000}, {"description", "Which page, from 0 (default 0)."}}}},
                     {"query"}),
       true},
      {"core_memory_read", "Read core memory",
       "Reads the agent's core memory: the labelled blocks (e.g. persona, human) that are always in its context, "
       "with each block's size and character limit.",
       object_schema({{"agent", agent_property()},
                      {"label", {{"type", "string"}, {"description", "Only this block (default: all)."}}}},
                     {}),
       true},
      {"core_memory_append", "Append to core memory",
       "Appends text to a core memory block (on a new line). Fails, changing nothing, when the block would pass its "
       "character limit.",
       object_schema({{"agent", agent_property()}, {"label", label},
                      {"content", {{"type", "string"}, {"minLength", 1}, {"description", "The text to append."}}}},
                     {"label", "content"}),
       false},
      {"core_memory_replace", "Replace text in core memory",
       "Replaces every occurrence of old_content (exact match) in a core memory block with new_content; an empty "
       "new_content deletes it. Fails, changing nothing, when old_content is not there or the block would pass its "
       "character limit.",
       object_schema({{"agent", agent_property()}, {"label", label},
                      {"old_content", {{"type", "string"}, {"minLength", 1}, {"description", "The exact text to replace."}}},
                      {"new_content", {{"type", "string"}, {"description", "The text to put instead ('' deletes)."}}}},
                     {"label", "old_content", "new_content"}),
       false},
      {"core_memory_set", "Rewrite a core memory block",
       "Replaces the whole value of a core memory block. Fails, changing nothing, over the block's character limit.",
       object_schema({{"agent", agent_property()}, {"label", label},
                      {"value", {{"type", "string"}, {"description", "The block's new text."}}}},
                     {"label", "value"}),
       false},
      {"send_message", "Talk to the agent",
       "Sends a message to the agent as the user and returns its reply. The agent may search and edit its memory "
       "while answering (those steps are listed). Takes as long as the agent's model needs.",
       object_schema({{"agent", agent_property()},
                      {"message", {{"type", "string"}, {"minLength", 1}, {"description", "What to say to the agent."}}}},
                     {"message"}),
       false},
  };
}

int64_t int_arg(const Json& arguments, const char* name, int64_t fallback) {
  return arguments.contains(name) ? arguments[name].get<int64_t>() : fallback;
}

std::string str_arg(const Json& arguments, const char* name) {
  return arguments.contains(name) ? arguments[name].get<std::string>() : std::string();
}

ToolResult passages_result(const sources::PassagePage& page, const std::string& what, bool with_doc) {
  Json hits = Json::array();
  std::string text;
  for (size_t i = 0; i < page.hits.size(); ++i) {
    const auto& p = page.hits[i].passage;
    Json hit = {{"id", p.id}, {"text", p.text}, {"score", page.hits[i].score}, {"created_at", format_iso8601(p.created_at)}};
    if (with_doc) hit["document"] = p.doc_id;
    hits.push_back(hit);
    text += with_doc ? fmt::format("{}. [{}] {}\n", i + 1, p.doc_id, p.text)
                     : fmt::format("{}. ({}) {}\n", i + 1, format_iso8601(p.created_at), p.text);
  }
  if (page.hits.empty()) text = fmt::format("No results in {} ({} passages searched).", what, page.total);
  else text = fmt::format("{} of {} passages in {}:\n{}", page.hits.size(), page.total, what, text);
  return {text, {{"results", hits}, {"total", page.total}}, false};
}

Json block_json(const store::MemoryBlock& b) {
  return {{"label", b.label}, {"value", b.value}, {"characters", agent::utf8_chars(b.value)}, {"limit", b.limit}};
}

std::string block_text(const store::MemoryBlock& b) {
  return fmt::format("<{} characters=\"{}/{}\">\n{}\n</{}>", b.label, agent::utf8_chars(b.value), b.limit, b.value, b.label);
}

}  // namespace

std::string memory_tools_instructions(const std::string& default_agent) {
  std::string who = default_agent.empty() ? "Name the agent in each tool's `agent` argument (list_agents shows them)."
                                          : fmt::format("The tools act on agent '{}' unless you name another.", default_agent);
  return "memgpt keeps stateful agents with long-term memory: core memory (blocks always in the agent's context), "
         "archival memory (searchable long-term store) and recall memory (the whole conversation). " + who;
}

MemoryTools::MemoryTools(runtime::AppContext& app, runtime::Archival& archival, runtime::AgentService& agents,
                         MemoryToolsOptions options)
    : app_(app), archival_(archival), agents_(agents), options_(std::move(options)) {
  if (!options_.error_text) options_.error_text = [](const Status& s) { return s.message(); };
}

const std::vector<Tool>& MemoryTools::tools() const {
  static const std::vector<Tool> tools = make_tools();
  return tools;
}

ToolResult MemoryTools::call(const std::string& name, const Json& arguments) {
  Result<ToolResult> result = run(name, arguments);
  if (result.ok()) return std::move(result).value();
  return {options_.error_text(result.status()), Json(), true};
}

Result<ToolResult> MemoryTools::run(const std::string& name, const Json& a) {
  if (name == "list_agents") return list_agents();
  if (name == "list_sources") return list_sources();
  if (name == "search_source") return search_source(a);
  if (name == "archival_memory_search") return archival_search(a);
  if (name == "archival_memory_insert") return archival_insert(a);
  if (name == "conversation_search") return conversation_search(a);
  if (name == "core_memory_read") return core_memory_read(a);
  if (name == "core_memory_append" || name == "core_memory_replace" || name == "core_memory_set") {
    return core_memory_edit(name, a);
  }
  if (name == "send_message") return send_message(a);
  return not_found(fmt::format("unknown tool: {}", name));
}

Result<store::AgentRecord> MemoryTools::agent_of(const Json& arguments) {
  std::string wanted = arguments.contains("agent") ? arguments["agent"].get<std::string>() : options_.default_agent;
  if (wanted.empty()) {
    return invalid_argument("name the agent in the 'agent' argument (list_agents shows them)");
  }
  auto by_name = app_.store->get_agent_by_name(options_.user_id, wanted);
  if (by_name.ok()) return by_name;
  if (by_name.status().code() != ErrorCode::kNotFound) return by_name.status();
  auto by_id = app_.store->get_agent(wanted);
  if (by_id.ok() && by_id->user_id == options_.user_id) return by_id;
  return not_found(fmt::format("no agent named '{}' (list_agents shows the agents)", wanted));
}

Result<ToolResult> MemoryTools::list_agents() {
  MEMGPT_ASSIGN_OR_RETURN(auto agents, app_.store->list_agents(options_.user_id));
  Json list = Json::array();
  std::string text;
  for (const auto& a : agents) {
    Json labels = Json::array();
    for (const auto& b : a.state.memory) labels.push_back(b.label);
    list.push_back({{"name", a.name}, {"id", a.id}, {"model", a.llm_config.model}, {"blocks", labels},
                    {"description", a.description.value_or("")}, {"created_at", format_iso8601(a.created_at)}});
    text += fmt::format("- {} (id {}, model {}){}\n", a.name, a.id, a.llm_config.model,
                        a.description && !a.description->empty() ? ": " + *a.description : "");
  }
  if (agents.empty()) text = "No agents yet: create one with `memgpt run`.";
  return ToolResult{text, {{"agents", list}}, false};
}

Result<ToolResult> MemoryTools::list_sources() {
  MEMGPT_ASSIGN_OR_RETURN(auto sources, runtime::list_sources(*app_.store, options_.user_id));
  Json list = Json::array();
  std::string text;
  for (const auto& s : sources) {
    list.push_back({{"name", s.source.name}, {"id", s.source.id}, {"description", s.source.description},
                    {"agents", s.agent_names}, {"created_at", format_iso8601(s.source.created_at)}});
    text += fmt::format("- {} (id {}){}; attached to: {}\n", s.source.name, s.source.id,
                        s.source.description.empty() ? "" : ": " + s.source.description,
                        s.agent_names.empty() ? "no agent" : fmt::format("{}", fmt::join(s.agent_names, ", ")));
  }
  if (sources.empty()) text = "No data sources yet: load documents with `memgpt load directory --name NAME --input-dir DIR`.";
  return ToolResult{text, {{"sources", list}}, false};
}

Result<ToolResult> MemoryTools::search_source(const Json& a) {
  std::string wanted = str_arg(a, "source");
  auto source = app_.store->get_source_by_name(options_.user_id, wanted);
  if (!source.ok() && source.status().code() == ErrorCode::kNotFound) {
    auto by_id = app_.store->get_source(wanted);
    if (by_id.ok() && by_id->user_id == options_.user_id && by_id->state == store::SourceState::kReady) source = by_id;
    else return not_found(fmt::format("no data source named '{}' (list_sources shows them)", wanted));
  }
  if (!source.ok()) return source.status();
  MEMGPT_ASSIGN_OR_RETURN(auto page, runtime::search_source_text(archival_, *source, str_arg(a, "query"), int_arg(a, "top_k", 5)));
  return passages_result(page, fmt::format("source '{}'", source->name), true);
}

Result<ToolResult> MemoryTools::archival_search(const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord agent, agent_of(a));
  MEMGPT_ASSIGN_OR_RETURN(auto page, runtime::search_archival_text(archival_, agent, str_arg(a, "query"), int_arg(a, "top_k", 5)));
  return passages_result(page, fmt::format("the archival memory of '{}'", agent.name), false);
}

Result<ToolResult> MemoryTools::archival_insert(const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord agent, agent_of(a));
  MEMGPT_ASSIGN_OR_RETURN(auto stored, runtime::insert_archival_text(archival_, agent, str_arg(a, "text"),
                                                                     app_.config.embedding_chunk_size));
  Json ids = Json::array();
  for (const auto& p : stored) ids.push_back(p.id);
  return ToolResult{fmt::format("Stored {} {} in the archival memory of '{}'.", stored.size(),
                                stored.size() == 1 ? "passage" : "passages", agent.name),
                    {{"ids", ids}}, false};
}

Result<ToolResult> MemoryTools::conversation_search(const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord agent, agent_of(a));
  int64_t limit = int_arg(a, "limit", 10), page = int_arg(a, "page", 0);
  MEMGPT_ASSIGN_OR_RETURN(auto found, agents_.recall().search_text(agent.id, str_arg(a, "query"), page * limit, limit));
  Json messages = Json::array();
  std::string text;
  for (const auto& m : found.rows) {
    messages.push_back({{"role", m.role}, {"text", m.search_text}, {"created_at", format_iso8601(m.created_at)}});
    text += fmt::format("({}) {}: {}\n", format_iso8601(m.created_at), m.role, m.search_text);
  }
  if (found.rows.empty()) {
    text = fmt::format("No messages of '{}' match (page {}, {} matches in all).", agent.name, page, found.total);
  } else {
    text = fmt::format("Messages {}-{} of {} that match:\n{}", page * limit + 1, page * limit + static_cast<int64_t>(found.rows.size()),
                       found.total, text);
  }
  return ToolResult{text, {{"messages", messages}, {"total", found.total}, {"page", page}}, false};
}

Result<ToolResult> MemoryTools::core_memory_read(const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord agent, agent_of(a));
  std::string label = str_arg(a, "label");
  Json blocks = Json::array();
  std::string text;
  for (const auto& b : agent.state.memory) {
    if (!label.empty() && b.label != label) continue;
    blocks.push_back(block_json(b));
    text += block_text(b) + "\n";
  }
  if (!label.empty() && blocks.empty()) {
    return not_found(fmt::format("agent '{}' has no memory block '{}'", agent.name, label));
  }
  return ToolResult{text, {{"blocks", blocks}}, false};
}

Result<ToolResult> MemoryTools::core_memory_edit(const std::string& name, const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord record, agent_of(a));
  MEMGPT_ASSIGN_OR_RETURN(runtime::OpenAgent open, agents_.open(record.id, false));
  agent::Agent& agent = open.agent();
  const std::string label = str_arg(a, "label");
  if (!agent.memory().block(label)) return not_found(fmt::format("agent '{}' has no memory block '{}'", record.name, label));
  // The edit as the agent's own functions make it (same rules and limits), then stored.
  agent::CoreMemory edited = agent.memory();
  if (name == "core_memory_append") {
    MEMGPT_RETURN_IF_ERROR(edited.append(label, str_arg(a, "content")));
  } else if (name == "core_memory_replace") {
    MEMGPT_RETURN_IF_ERROR(edited.replace(label, str_arg(a, "old_content"), str_arg(a, "new_content")));
  } else {
    MEMGPT_RETURN_IF_ERROR(edited.set_value(label, str_arg(a, "value")));
  }
  MEMGPT_RETURN_IF_ERROR(agent.set_core_memory(label, edited.block(label)->value));
  open.keep_cached();
  const store::MemoryBlock& block = *agent.memory().block(label);
  return ToolResult{"Updated. " + block_text(block), {{"block", block_json(block)}}, false};
}

Result<ToolResult> MemoryTools::send_message(const Json& a) {
  MEMGPT_ASSIGN_OR_RETURN(store::AgentRecord record, agent_of(a));
  MEMGPT_ASSIGN_OR_RETURN(runtime::OpenAgent open, agents_.open(record.id, true));
  std::vector<std::string> replies, steps;
  auto sink = [&](const agent::AgentEvent& e) {
    if (e.kind == agent::AgentEvent::Kind::kAssistantMessage) replies.push_back(e.text);
    if (e.kind == agent::AgentEvent::Kind::kFunctionCall && e.function_name != "send_message") {
      steps.push_back(fmt::format("{}({})", e.function_name, e.arguments.dump()));
    }
  };
  runtime::TurnInput input{runtime::TurnInput::Kind::kUser, str_arg(a, "message")};
  MEMGPT_ASSIGN_OR_RETURN(runtime::TurnTotals totals, agents_.send(open, {input}, sink, {}));
  open.keep_cached();
  std::string text = replies.empty() ? fmt::format("'{}' did not answer in words.", record.name)
                                     : fmt::format("{}", fmt::join(replies, "\n"));
  if (!steps.empty()) text += fmt::format("\n\n(steps: {})", fmt::join(steps, "; "));
  return ToolResult{text, {{"agent", record.name}, {"replies", replies}, {"function_calls", steps}, {"steps", totals.steps}},
                    false};
}

}  // namespace memgpt::mcp
