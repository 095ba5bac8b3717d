// `memgpt add|list|delete`: personas, humans, agents, sources, presets.
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/term.h"
#include "mcp/agent_tools.h"
#include "util/clock.h"
#include "util/files.h"
#include "runtime/agent_service.h"
#include "runtime/profiles_service.h"
#include "runtime/sources_service.h"
#include "sources/ingest.h"
#include "store/recall_store.h"
#include "util/json.h"

namespace memgpt::cli {
namespace {

using store::ProfileKind;

Result<ProfileKind> parse_kind(const std::string& what) {
  if (what == "persona" || what == "personas") return ProfileKind::kPersona;
  if (what == "human" || what == "humans") return ProfileKind::kHuman;
  return invalid_argument(fmt::format("unknown kind '{}'", what));
}

void list_profiles(AppContext& ctx, ProfileKind kind, bool json) {
  auto profiles = check(runtime::ProfilesService(*ctx.store).list(kind, ctx.user_id));
  if (json) {
    Json out = Json::array();
    for (const auto& p : profiles) {
      out.push_back({{"name", p.name}, {"text", p.text}, {"builtin", p.builtin},
                     {"created_at", format_iso8601(p.created_at)}});
    }
    fmt::print("{}\n", out.dump(2));
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : profiles) rows.push_back({p.name, truncate_cell(p.text, 80)});
  print_table({"Name", "Text"}, rows);
}

void list_agents(AppContext& ctx, bool json) {
  auto agents = check(ctx.store->list_agents(ctx.user_id));
  Json out = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : agents) {
    auto sources = check(ctx.store->list_agent_sources(a.id));
    std::string names;
    Json source_names = Json::array();
    for (const auto& s : sources) {
      names += (names.empty() ? "" : ", ") + s.name;
      source_names.push_back(s.name);
    }
    const std::string& model = a.llm_config.model;
    const std::string& emb_model = a.embedding_config.embedding_model;
    int emb_dim = a.embedding_config.embedding_dim;
    if (json) {
      out.push_back({{"name", a.name}, {"id", a.id}, {"llm_model", model},
                     {"embedding_model", emb_model}, {"embedding_dim", emb_dim},
                     {"persona", a.persona}, {"human", a.human}, {"data_sources", source_names},
                     {"created_at", format_iso8601(a.created_at)}});
    } else {
      rows.push_back({a.name, model, emb_model, std::to_string(emb_dim), a.persona, a.human,
                      names, format_local_datetime(a.created_at)});
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  print_table({"Name", "LLM Model", "Embedding Model", "Embedding Dim", "Persona", "Human",
               "Data Source", "Create Time"},
              rows);
}

void list_sources(AppContext& ctx, bool json) {
  auto listings = check(runtime::list_sources(*ctx.store, ctx.user_id));
  Json out = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& [s, names] : listings) {
    std::string agents;
    Json agent_names = Json::array();
    for (const auto& name : names) {
      agents += (agents.empty() ? "" : ", ") + name;
      agent_names.push_back(name);
    }
    if (json) {
      out.push_back({{"name", s.name}, {"id", s.id}, {"description", s.description},
                     {"embedding_model", s.embedding_model}, {"embedding_dim", s.embedding_dim},
                     {"metadata", s.metadata}, {"agents", agent_names},
                     {"created_at", format_iso8601(s.created_at)}});
    } else {
      rows.push_back({s.name, truncate_cell(s.description, 40), s.embedding_model,
                      std::to_string(s.embedding_dim), format_local_datetime(s.created_at),
                      agents});
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  print_table({"Name", "Description", "Embedding Model", "Embedding Dim", "Created At", "Agents"},
              rows);
}

void list_presets(AppContext& ctx, bool json) {
  auto presets = check(ctx.store->list_presets(ctx.user_id));
  Json out = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : presets) {
    std::string fns;
    for (const auto& f : p.functions) fns += (fns.empty() ? "" : ", ") + f;
    out.push_back({{"name", p.name}, {"description", p.description},
                   {"system_prompt", p.system_name}, {"functions", p.functions}});
    rows.push_back({p.name, p.system_name, truncate_cell(p.description, 60)});
  }
  if (json) {
    fmt::print("{}\n", out.dump(2));
    return;
  }
  print_table({"Name", "System Prompt", "Description"}, rows);
}

}  // namespace

void register_profile_commands(CLI::App& app) {
  // memgpt list personas|humans|agents|sources|presets [--json]
  auto* list = app.add_subcommand("list", "List personas, humans, agents, sources or presets");
  static std::string list_what;
  static bool list_json = false;
  list->add_option("what", list_what, "personas, humans, agents, sources or presets")
      ->required()
      ->check(CLI::IsMember({"personas", "humans", "agents", "sources", "presets", "persona",
                             "human", "agent", "source", "preset"}));
  list->add_flag("--json", list_json, "Print JSON");
  list->callback([] {
    AppContext ctx = check(open_context());
    if (list_what.rfind("persona", 0) == 0 || list_what.rfind("human", 0) == 0) {
      list_profiles(ctx, check(parse_kind(list_what)), list_json);
    } else if (list_what.rfind("agent", 0) == 0) {
      list_agents(ctx, list_json);
    } else if (list_what.rfind("source", 0) == 0) {
      list_sources(ctx, list_json);
    } else {
      list_presets(ctx, list_json);
    }
  });

  // memgpt add persona|human --name N (--text T | -f FILE)
  auto* add = app.add_subcommand("add", "Add a persona or human profile");
  static std::string add_what, add_name, add_text, add_file;
  static bool add_force = false;
  add->add_option("what", add_what, "persona or human")
      ->required()
      ->check(CLI::IsMember({"persona", "human"}));
  add->add_option("--name", add_name, "Name of the profile")->required();
  auto* text_opt = add->add_option("--text", add_text, "The profile text");
  auto* file_opt = add->add_option("-f,--filename", add_file, "Read the text from a file");
  text_opt->excludes(file_opt);
  add->add_flag("--force", add_force, "Replace an existing profile of that name");
  add->callback([] {
    if (add_text.empty() && add_file.empty()) fail("give the text with --text or -f FILE");
    std::string text = add_text;
    if (!add_file.empty()) {
      auto content = read_file(expand_user(add_file));
      if (!content.ok()) fail(content.status());
      text = *content;
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    }
    AppContext ctx = check(open_context());
    ProfileKind kind = check(parse_kind(add_what));
    auto added = runtime::ProfilesService(*ctx.store).add(kind, ctx.user_id, add_name, text, add_force);
    if (!added.ok() && added.status().code() == ErrorCode::kAlreadyExists) {
      fail(added.status().message() + " (use --force to replace it)");
    }
    if (!added.ok()) fail(added.status());
    fmt::print("Added {} '{}'\n", add_what, add_name);
  });

  // memgpt delete persona|human|agent|source NAME
  auto* del = app.add_subcommand("delete", "Delete a persona, human, agent or source");
  static std::string del_what, del_name;
  del->add_option("what", del_what, "persona, human, agent or source")
      ->required()
      ->check(CLI::IsMember({"persona", "human", "agent", "source"}));
  del->add_option("name", del_name, "Name to delete")->required();
  del->callback([] {
    AppContext ctx = check(open_context());
    if (del_what == "source") {
      auto src = check(ctx.store->get_source_by_name(ctx.user_id, del_name));
      Archival archival = check(open_archival(ctx));
      auto report = check(runtime::SourcesService(ctx, archival).remove(src));
      fmt::print("Deleted source '{}'", del_name);
      if (!report.detached_agents.empty()) {
        size_t n = report.detached_agents.size();
        fmt::print(" (detached from {} agent{}; {} passages removed from archival memory)", n, n == 1 ? "" : "s",
                   report.archival_copies);
      }
      fmt::print("\n");
      return;
    }
    if (del_what == "agent") {
      auto agent = check(ctx.store->get_agent_by_name(ctx.user_id, del_name));
      Archival archival = check(open_archival(ctx));
      check(archival.passages->ensure_collections());
      runtime::AgentService agents(ctx, archival, {});
      check(agents.remove(agent.id));  // waits for a running step of the agent, as the server does
      if (Status forgot = mcp::McpAgentTools().forget_agent(agent.id); !forgot.ok()) {
        fmt::print(stderr, "warning: the agent's MCP tools stay listed in the home: {}\n", forgot.message());
      }
      fmt::print("Deleted agent '{}'\n", del_name);
      return;
    }
    ProfileKind kind = check(parse_kind(del_what));
    check(runtime::ProfilesService(*ctx.store).remove(kind, ctx.user_id, del_name));
    fmt::print("Deleted {} '{}'\n", del_what, del_name);
  });
}

}  // namespace memgpt::cli
