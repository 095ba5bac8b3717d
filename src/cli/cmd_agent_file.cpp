// `memgpt export --agent NAME [-o FILE]` and `memgpt import FILE [--name NEW]`: agents in
// Letta's Agent File format (runtime/agent_file_service.h; docs/agent-files.md).
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/progress.h"
#include "mcp/agent_file_tools.h"
#include "runtime/agent_file_service.h"
#include "runtime/embedder_records.h"
#include "util/files.h"

namespace memgpt::cli {
namespace {

struct ExportFlags {
  std::string agent;
  std::string output;
};

struct ImportFlags {
  std::string file;
  std::string name;
  bool json = false;
};

ExportFlags g_export;
ImportFlags g_import;

void run_export() {
  AppContext ctx = check(open_context());
  Archival archival = check(open_archival(ctx));
  runtime::AgentService agents(ctx, archival, {});
  mcp::McpAgentTools mcp_tools;
  mcp::McpToolCatalog catalog(mcp_tools);
  runtime::AgentFileService files(ctx, archival, agents, &catalog);
  auto rec = ctx.store->get_agent_by_name(ctx.user_id, g_export.agent);
  if (!rec.ok()) fail(fmt::format("no agent named '{}' (see `memgpt list agents`)", g_export.agent));
  std::string text = check(files.export_agent(rec->id));
  if (g_export.output.empty() || g_export.output == "-") {
    fmt::print("{}\n", text);
    return;
  }
  std::string path = expand_user(g_export.output);
  check(write_file_atomic(path, text + "\n").with_context(fmt::format("cannot write {}", g_export.output)));
  fmt::print("Exported agent '{}' to {}.\n", rec->name, g_export.output);
}

void run_import() {
  std::string path = expand_user(g_import.file);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(fmt::format("cannot read {}: no such file", g_import.file));
  if (static_cast<uint64_t>(st.st_size) > runtime::kMaxAgentFileBytes) {
    fail(fmt::format("{} is {} MB: agent files over {} MB are refused", g_import.file, st.st_size >> 20,
                     runtime::kMaxAgentFileBytes >> 20));
  }
  std::string text = check(read_file(path));

  AppContext ctx = check(open_context());
  Archival archival = check(open_archival(ctx));
  runtime::AgentService agents(ctx, archival, {});
  mcp::McpAgentTools mcp_tools;
  mcp::McpToolCatalog catalog(mcp_tools);  // the file's MCP servers and tools
  runtime::AgentFileService files(ctx, archival, agents, &catalog);
  runtime::AgentImportOptions options;
  options.user_id = ctx.user_id;
  options.name = g_import.name;
  ProgressBar bar(fmt::format("Embedding archival memory with {}",
                              runtime::embedder_label(archival.embedder->model(), archival.embedder->dim())));
  options.on_embed_progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
  auto report = files.import_text(text, options);
  bar.finish();
  if (!report.ok()) fail(report.status().with_context(fmt::format("cannot import {}", g_import.file)));

  if (g_import.json) {
    Json agents_json = Json::array();
    for (const auto& a : report->agents) {
      agents_json.push_back({{"id", a.id},
                             {"name", a.name},
                             {"messages", a.messages},
                             {"passages", a.passages},
                             {"reembedded", a.reembedded}});
    }
    fmt::print("{}\n", Json({{"agents", agents_json}, {"warnings", report->warnings}, {"registered", report->registered}})
                           .dump(2));
    return;
  }
  for (const auto& w : report->warnings) fmt::print(stderr, "warning: {}\n", w);
  for (const auto& r : report->registered) fmt::print("Registered {} from the file.\n", r);
  for (const auto& a : report->agents) {
    fmt::print("Imported agent '{}' (id {}): {} messages, {} archival passages{}.\n", a.name, a.id, a.messages,
               a.passages, a.reembedded ? ", embedded again with this home's embedder" : "");
  }
  if (report->agents.size() == 1) fmt::print("Chat with it: memgpt run --agent {}\n", report->agents[0].name);
}

}  // namespace

void register_agent_file_commands(CLI::App& app) {
  auto* exp = app.add_subcommand("export", "Write an agent to a Letta Agent File (.af): memory, messages, tools and "
                                           "archival memory; no keys");
  exp->add_option("--agent", g_export.agent, "The agent's name")->required();
  exp->add_option("-o,--output", g_export.output, "The file to write (default: standard output)");
  exp->callback(run_export);

  auto* imp = app.add_subcommand("import", "Create agents from an Agent File (.af) written by memgpt or Letta; what "
                                           "cannot be honoured is listed as warnings");
  imp->add_option("file", g_import.file, "The .af file")->required();
  imp->add_option("--name", g_import.name, "A new name for the agent (files with one agent)");
  imp->add_flag("--json", g_import.json, "Print the result as JSON");
  imp->callback(run_import);
}

}  // namespace memgpt::cli
