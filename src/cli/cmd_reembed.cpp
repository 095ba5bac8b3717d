// `memgpt reembed source NAME` and `memgpt reembed agent NAME`: new vectors for every passage of
// a source or of an agent's archival memory (runtime/reembed_service.h), with the configured
// embedder or the one the flags name.
#include <fmt/format.h>

#include <csignal>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/progress.h"
#include "cli/stop_signals.h"
#include "config/config.h"
#include "runtime/agent_service.h"
#include "runtime/embedder_records.h"
#include "runtime/reembed_service.h"
#include "runtime/sources_service.h"

namespace memgpt::cli {
namespace {

struct ReembedFlags {
  std::string name;
  std::string provider, model, endpoint;
  int dim = 0;
  int batch_size = 64;
  bool json = false;
};

ReembedFlags g_flags;

// The configured embedder with the flags' changes; a provider without a model takes its
// default model, as `configure` does.
MemgptConfig target_config(MemgptConfig c) {
  if (!g_flags.provider.empty() && g_flags.provider != c.embedding_endpoint_type) {
    c.embedding_endpoint_type = g_flags.provider;
    c.embedding_endpoint.clear();
    c.embedding_dim = 0;
    if (g_flags.provider == "local") {
      c.embedding_model = kBuiltinEmbeddingModel;
      c.embedding_dim = kBuiltinEmbeddingDim;
    } else if (g_flags.provider == "openai") {
      c.embedding_endpoint = "https://api.openai.com/v1";
      if (c.embedding_model == kBuiltinEmbeddingModel) c.embedding_model = "text-embedding-ada-002";
      c.embedding_dim = c.embedding_model == "text-embedding-ada-002" ? 1536 : 0;
    }
  }
  if (!g_flags.model.empty() && g_flags.model != c.embedding_model) {
    c.embedding_model = g_flags.model;
    if (c.embedding_endpoint_type != "local") c.embedding_dim = 0;
  }
  if (!g_flags.endpoint.empty()) c.embedding_endpoint = g_flags.endpoint;
  if (g_flags.dim > 0) c.embedding_dim = g_flags.dim;
  return c;
}

// The embedder to write with: the configured one unless the flags name another; `endpoint` is
// set to its base URL.
std::unique_ptr<embed::Embedder> target_embedder(const AppContext& ctx, std::string& endpoint) {
  bool flags = !g_flags.provider.empty() || !g_flags.model.empty() || !g_flags.endpoint.empty() || g_flags.dim > 0;
  MemgptConfig c = flags ? target_config(ctx.config) : ctx.config;
  if (c.embedding_endpoint_type != "local" && c.embedding_dim <= 0) {
    fail(fmt::format("the dimension of '{}' is not known: give it with --embedding-dim N", c.embedding_model));
  }
  endpoint = c.embedding_endpoint_type == "local" ? "" : c.embedding_endpoint;
  auto made = embed::make_embedder(embedder_config(c, ctx.credentials));
  if (!made.ok()) fail(made.status().with_context("cannot make the embedder to re-embed with"));
  return std::move(*made);
}

Json embedder_json(const store::AgentEmbeddingConfig& e) {
  return {{"embedding_endpoint_type", e.embedding_endpoint_type},
          {"embedding_model", e.embedding_model},
          {"embedding_dim", e.embedding_dim}};
}

void run_reembed(bool agent) {
  AppContext ctx = check(open_context());
  Archival archival = check(open_archival(ctx));
  runtime::AgentService agents(ctx, archival, {});
  runtime::SourcesService sources(ctx, archival);
  runtime::ReembedService service(ctx, archival, agents, sources);
  runtime::ReembedOptions options;
  std::unique_ptr<embed::Embedder> target = target_embedder(ctx, options.endpoint);
  const char* kind = agent ? "agent" : "source";

  ProgressBar bar("Re-embedding passages");
  options.batch_size = g_flags.batch_size;
  options.cancel = &stop_requested();
  options.on_progress = [&](int64_t done, int64_t total) { bar.update(done, total); };
  Result<runtime::ReembedReport> report = unavailable("not run");
  {
    StopSignals stop;  // a stop signal ends the re-embed at the next batch; the old vectors stay in use
    if (agent) {
      store::AgentRecord rec = check(ctx.store->get_agent_by_name(ctx.user_id, g_flags.name));
      report = service.reembed_agent(rec, *target, options);
    } else {
      store::SourceRecord rec = check(ctx.store->get_source_by_name(ctx.user_id, g_flags.name));
      report = service.reembed_source(rec, *target, options);
    }
  }
  bar.finish();
  if (!report.ok()) {
    if (report.status().code() == ErrorCode::kCancelled) {
      fail(fmt::format("interrupted: {} '{}' keeps its old vectors; run the same command again to finish", kind,
                       g_flags.name),
           128 + (stop_signal() ? stop_signal() : SIGINT));
    }
    fail(report.status());
  }
  if (g_flags.json) {
    fmt::print("{}\n", Json({{"kind", kind},
                             {"name", g_flags.name},
                             {"from", embedder_json(report->from)},
                             {"to", embedder_json(report->to)},
                             {"passages", report->passages},
                             {"resumed", report->resumed},
                             {"unchanged", report->unchanged}})
                           .dump(2));
    return;
  }
  std::string to = runtime::embedder_label(report->to.embedding_model, report->to.embedding_dim);
  if (report->unchanged) {
    fmt::print("The {} '{}' is embedded with {} already ({} passages): nothing to do.\n", kind, g_flags.name, to,
               report->passages);
  } else {
    fmt::print("Re-embedded {} '{}': {} passages now embedded with {} (was {}){}.\n", kind, g_flags.name,
               report->passages, to, runtime::embedder_label(report->from.embedding_model, report->from.embedding_dim),
               report->resumed > 0 ? fmt::format("; {} were stored by the interrupted run", report->resumed) : "");
  }
  if (!runtime::same_embedder(report->to, *archival.embedder)) {
    fmt::print("Note: the configured embedder is {}; to use this {} configure its embedder: `memgpt configure "
               "--embedding-provider {} --embedding-model {}`.\n",
               runtime::embedder_label(archival.embedder->model(), archival.embedder->dim()), kind,
               report->to.embedding_endpoint_type, report->to.embedding_model);
  }
}

void add_reembed_flags(CLI::App* cmd) {
  cmd->add_option("name", g_flags.name, "Its name")->required();
  cmd->add_option("--embedding-provider", g_flags.provider,
                  "Embed with this provider (local, openai, azure, ollama, llamacpp, vllm, tei); default: the "
                  "configured embedder");
  cmd->add_option("--embedding-model", g_flags.model, "Embed with this model (default: the configured one)");
  cmd->add_option("--embedding-endpoint", g_flags.endpoint, "Endpoint URL of that embedder");
  cmd->add_option("--embedding-dim", g_flags.dim, "Dimension of that model's vectors")->check(CLI::Range(1, 65536));
  cmd->add_option("--batch-size", g_flags.batch_size, "Passages embedded and stored together")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--json", g_flags.json, "Print the result as JSON");
}

}  // namespace

void register_reembed_commands(CLI::App& app) {
  auto* reembed = app.add_subcommand(
      "reembed",
      "Give every passage of a source or of an agent's archival memory new vectors from another embedder "
      "(resumable; the old vectors stay in use until the new ones are complete)");
  reembed->require_subcommand(1);
  auto* source = reembed->add_subcommand("source", "Re-embed a data source");
  add_reembed_flags(source);
  source->callback([] { run_reembed(false); });
  auto* agent = reembed->add_subcommand("agent", "Re-embed an agent's archival memory");
  add_reembed_flags(agent);
  agent->callback([] { run_reembed(true); });
}

}  // namespace memgpt::cli
