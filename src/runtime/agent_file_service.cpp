#include "runtime/agent_file_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "agent/agent.h"
#include "agent/message_records.h"
#include "config/providers.h"
#include "runtime/embedder_records.h"
#include "util/clock.h"

namespace memgpt::runtime {

// An agent of the file, ready to store: its record (with its new id), messages and passages.
struct AgentFileService::Prepared {
  store::AgentRecord record;
  std::vector<store::MessageRecord> messages;
  std::vector<sources::Passage> passages;
  bool embed = false;  // the passages need vectors from the home's embedder
};

AgentFileService::AgentFileService(AppContext& ctx, Archival& archival, AgentService& agents,
                                   ExternalToolCatalog* tools)
    : ctx_(ctx), archival_(archival), agents_(agents), tools_(tools) {}

Result<std::string> AgentFileService::export_agent(const std::string& agent_id,
                                                   const AgentExportOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(OpenAgent open, agents_.open(agent_id, false));
  AgentFileAgent out;
  out.record = open.agent().record();
  MEMGPT_ASSIGN_OR_RETURN(out.system_message, open.agent().system_message());
  if (options.without_messages) {
    out.record.state.message_ids.clear();
  } else {
    MEMGPT_ASSIGN_OR_RETURN(out.messages, agents_.recall().list(agent_id, 0, 0, -1, false));
  }
  out.passages_embedder = effective_embedder(out.record.embedding_config, *archival_.embedder);
  sources::PassageStore archival = agents_.archival_of(out.record);
  constexpr int64_t kPage = 256;
  MEMGPT_RETURN_IF_ERROR(archival.for_each_page(true, "agent_id", agent_id, kPage, true, [&](auto& page) -> Status {
    for (auto& p : page) {
      out.passages.push_back({std::move(p.text), std::move(p.doc_id), p.created_at, std::move(p.metadata),
                              std::move(p.embedding)});
    }
    return {};
  }));
  // Oldest first; the store returns them by id, so passages of the same moment go by text (the
  // same file for the same memory, whatever ids an import gave them).
  std::sort(out.passages.begin(), out.passages.end(), [](const AgentFilePassage& a, const AgentFilePassage& b) {
    return std::tie(a.created_at, a.text) < std::tie(b.created_at, b.text);
  });
  AgentFileContents contents;
  if (tools_) {
    MEMGPT_ASSIGN_OR_RETURN(ExternalToolsOfAgent external, tools_->export_tools(agent_id));
    out.mcp_tools = std::move(external.tools);
    contents.mcp_servers = std::move(external.servers);
  }
  contents.agents.push_back(std::move(out));
  return agent_file_json(contents, SystemClock::instance().now_ms()).dump(2);
}

Result<AgentImportReport> AgentFileService::import_text(std::string_view text, const AgentImportOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(AgentFileContents contents, read_agent_file_text(text));
  return import_contents(std::move(contents), options);
}

Status AgentFileService::prepare_agent(AgentFileAgent& in, const AgentImportOptions& options, Prepared& out,
                                       std::vector<std::string>& warnings) {
  const MemgptConfig& cfg = ctx_.config;
  const int64_t now = SystemClock::instance().now_ms();
  store::AgentRecord& r = out.record;
  r = in.record;
  const std::string file_id = r.id;
  r.id = new_uuid();
  r.user_id = options.user_id;
  if (!options.name.empty()) r.name = options.name;
  if (r.name.empty()) r.name = agent::random_agent_name();
  if (ctx_.store->get_agent_by_name(options.user_id, r.name).ok()) {
    return already_exists(fmt::format("an agent named '{}' already exists: import it under another name", r.name));
  }

  // The model: the file's when this caller may use it here, else the configured one.
  auto configured = llm_config_for_handle(cfg, ctx_.credentials, "");
  if (!configured.ok()) return configured.status();
  if (options.model) {
    r.llm_config = *options.model;
  } else if (in.llm_config.is_object()) {
    Json requested = Json::object();
    for (const char* key : {"model", "model_endpoint_type", "model_endpoint", "model_wrapper", "context_window"}) {
      if (in.llm_config.contains(key) && !in.llm_config[key].is_null()) requested[key] = in.llm_config[key];
    }
    auto checked = checked_llm_config(cfg, ctx_.credentials, requested, options.endpoint_choice);
    if (checked.ok() && !find_provider(checked->model_endpoint_type)) {
      checked = invalid_argument(
          fmt::format("provider '{}' is not one memgpt connects to", checked->model_endpoint_type));
    }
    if (checked.ok()) {
      r.llm_config = *checked;
    } else {
      warnings.push_back(fmt::format("agent '{}': its model cannot be used here ({}); it gets the configured model {}",
                                     file_id, checked.status().message(), configured->model));
      r.llm_config = *configured;
    }
  } else {
    warnings.push_back(fmt::format("agent '{}' names no llm_config; it gets the configured model {}", file_id,
                                   configured->model));
    r.llm_config = *configured;
  }

  // What the home gives where the file says nothing (a file written by Letta).
  auto named = ctx_.store->get_preset(options.user_id, r.preset.empty() ? cfg.preset : r.preset);
  if (!named.ok()) {
    if (!r.preset.empty()) {
      warnings.push_back(
          fmt::format("agent '{}': preset '{}' is not known here; it gets '{}'", file_id, r.preset, cfg.preset));
    }
    MEMGPT_ASSIGN_OR_RETURN(named, ctx_.store->get_preset(options.user_id, cfg.preset));
  }
  r.preset = named->name;
  if (r.state.system_prompt.empty()) r.state.system_prompt = system_prompt_for(*named);
  if (r.created_at == 0) r.created_at = now;
  if (r.state.memory_edited_at == 0) r.state.memory_edited_at = now;
  r.embedding_config = agents_.embedding_config();
  r.state_problem.clear();

  // Messages get ids of ours; the context keeps its order.
  std::map<std::string, std::string> new_ids;
  for (auto& m : in.messages) {
    std::string id = new_uuid();
    new_ids[m.id] = id;
    m.id = id;
    m.user_id = r.user_id;
    m.agent_id = r.id;
    if (m.created_at == 0) m.created_at = now;
    m.search_text = agent::searchable_text(m);
  }
  for (auto& id : r.state.message_ids) id = new_ids.at(id);  // the reader checked every id
  out.messages = std::move(in.messages);

  // Passages keep their vectors only when they are the home embedder's.
  const embed::Embedder& home = *archival_.embedder;
  out.embed = !same_embedder(in.passages_embedder, home);
  for (size_t i = 0; i < in.passages.size(); ++i) {
    AgentFilePassage& p = in.passages[i];
    if (p.embedding.size() != static_cast<size_t>(home.dim())) out.embed = true;
    sources::Passage passage;
    passage.id = sources::passage_id({r.id, std::to_string(i), p.text});
    passage.text = std::move(p.text);
    passage.user_id = r.user_id;
    passage.agent_id = r.id;
    passage.doc_id = std::move(p.doc_id);
    passage.created_at = p.created_at == 0 ? now : p.created_at;
    passage.metadata = std::move(p.metadata);
    passage.embedding = std::move(p.embedding);
    out.passages.push_back(std::move(passage));
  }
  if (out.embed) {
    for (auto& p : out.passages) p.embedding.clear();
  }
  return {};
}

Status AgentFileService::embed_passages(std::vector<Prepared>& prepared, const AgentImportOptions& options) {
  int64_t total = 0, done = 0;
  for (const auto& p : prepared) total += p.embed ? static_cast<int64_t>(p.passages.size()) : 0;
  if (total == 0) return {};
  embed::Embedder& home = *archival_.embedder;
  if (options.on_embed_progress) options.on_embed_progress(0, total);
  const size_t batch = static_cast<size_t>(std::max(1, options.batch_size));
  for (auto& agent : prepared) {
    if (!agent.embed) continue;
    for (size_t start = 0; start < agent.passages.size(); start += batch) {
      size_t end = std::min(agent.passages.size(), start + batch);
      std::vector<std::string> texts;
      for (size_t i = start; i < end; ++i) texts.push_back(agent.passages[i].text);
      auto vectors = home.embed(texts);
      if (!vectors.ok()) {
        return vectors.status().with_context(fmt::format("embedding the archival memory of agent '{}' with {}",
                                                         agent.record.name, embedder_label(home.model(), home.dim())));
      }
      for (size_t i = start; i < end; ++i) agent.passages[i].embedding = std::move((*vectors)[i - start]);
      done += static_cast<int64_t>(end - start);
      if (options.on_embed_progress) options.on_embed_progress(done, total);
    }
  }
  return {};
}

Status AgentFileService::store_agents(std::vector<Prepared>& prepared) {
  store::MetadataStore& meta = *ctx_.store;
  store::RecallStore& recall = agents_.recall();
  auto write_one = [&](Prepared& p) -> Status {
    MEMGPT_RETURN_IF_ERROR(meta.create_agent(p.record).status());
    if (p.messages.empty()) return {};
    return recall.append(p.messages);
  };
  std::vector<std::string> created;
  Status written;
  if (recall.database().get() == &meta.db()) {
    written = meta.db().transaction([&]() -> Status {
      for (auto& p : prepared) MEMGPT_RETURN_IF_ERROR(write_one(p));
      return {};
    });
    if (written.ok()) {
      for (const auto& p : prepared) created.push_back(p.record.id);
    }
  } else {
    for (auto& p : prepared) {
      created.push_back(p.record.id);  // removed below if any step fails
      written = write_one(p);
      if (!written.ok()) break;
    }
  }
  if (written.ok()) {
    for (auto& p : prepared) {
      sources::PassageStore archival = agents_.archival_of(p.record);
      written = archival.ensure_collections();  // the agent's archival memory exists, as at create
      if (written.ok() && !p.passages.empty()) written = archival.upsert_rows(true, p.passages);
      if (!written.ok()) break;
    }
  }
  if (!written.ok()) {
    for (const auto& id : created) (void)agents_.remove(id);  // nothing half imported stays
    return written;
  }
  return {};
}

void AgentFileService::import_mcp_tools(const AgentFileContents& contents, const std::vector<Prepared>& prepared,
                                        AgentImportReport& report) {
  std::set<std::string> used;
  for (size_t i = 0; i < contents.agents.size(); ++i) {
    const auto& tools = contents.agents[i].mcp_tools;
    for (const auto& t : tools) used.insert(t.server);
    if (tools.empty()) continue;
    if (!tools_) {
      for (const auto& t : tools) {
        report.warnings.push_back(fmt::format("agent '{}': MCP tool '{}' (server '{}') is not imported",
                                              contents.agents[i].record.id, t.name, t.server));
      }
      continue;
    }
    tools_->import_tools(prepared[i].record.id, tools, contents.mcp_servers,
                         report.warnings, report.registered);
  }
  for (const auto& server : contents.mcp_servers) {
    if (!used.count(server.name)) {
      report.warnings.push_back(fmt::format("MCP server '{}' ({}) is not imported: no tool of the file's agents uses it",
                                            server.id, server.name));
    }
  }
}

Result<AgentImportReport> AgentFileService::import_contents(AgentFileContents contents,
                                                            const AgentImportOptions& options) {
  if (!options.name.empty() && contents.agents.size() > 1) {
    return invalid_argument(
        fmt::format("a new name is for a file with one agent; this one has {}", contents.agents.size()));
  }
  AgentImportReport report;
  report.warnings = std::move(contents.warnings);
  std::vector<Prepared> prepared(contents.agents.size());
  std::set<std::string> names;
  for (size_t i = 0; i < contents.agents.size(); ++i) {
    MEMGPT_RETURN_IF_ERROR(prepare_agent(contents.agents[i], options, prepared[i], report.warnings));
    if (!names.insert(prepared[i].record.name).second) {
      return invalid_argument(fmt::format("the file has two agents named '{}'", prepared[i].record.name));
    }
  }
  MEMGPT_RETURN_IF_ERROR(embed_passages(prepared, options));
  MEMGPT_RETURN_IF_ERROR(store_agents(prepared));
  import_mcp_tools(contents, prepared, report);
  for (const auto& p : prepared) {
    report.agents.push_back({p.record.id, p.record.name, static_cast<int64_t>(p.messages.size()),
                             static_cast<int64_t>(p.passages.size()), p.embed && !p.passages.empty()});
  }
  return report;
}

}  // namespace memgpt::runtime
