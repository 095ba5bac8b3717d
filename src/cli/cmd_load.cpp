// `memgpt load directory` and `memgpt search`.
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <filesystem>

#include "cli/commands.h"
#include "cli/context.h"
#include "cli/progress.h"
#include "cli/stop_signals.h"
#include "cli/term.h"
#include "runtime/memory_access.h"
#include "runtime/sources_service.h"
#include "sources/ingest.h"
#include "util/files.h"

namespace memgpt::cli {
namespace {

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

void register_load_commands(CLI::App& app) {
  auto* load = app.add_subcommand("load", "Load data into a named data source");
  load->require_subcommand(1);
  auto* dir = load->add_subcommand("directory", "Load files from a folder or a list of files");
  static std::string name, input_dir, extensions, description;
  static std::vector<std::string> input_files;
  static bool recursive = false, strict = false;
  static int threads = 0;
  dir->add_option("--name", name, "Name of the data source")->required();
  dir->add_option("--input-dir", input_dir, "Folder to read");
  dir->add_option("--input-files", input_files, "Files to read")->allow_extra_args();
  dir->add_flag("--recursive", recursive, "Descend into sub-folders");
  dir->add_option("--extensions", extensions,
                  "Comma-separated extensions (default .txt,.md,.pdf,.html,.htm,.docx,.json,.jsonl; "
                  "add e.g. .py,.cpp for code)");
  dir->add_option("--description", description, "Description of the source");
  dir->add_flag("--strict", strict, "Fail when any file cannot be read (default: skip it)");
  dir->add_option("--threads", threads,
                  "Threads that chunk and embed while files are read and passages stored (default 0: one per "
                  "core; 1: everything on one thread)")
      ->envname("MEMGPT_LOAD_THREADS")
      ->check(CLI::Range(0, 256));
  dir->callback([] {
    AppContext ctx = check(open_context());
    Archival archival = check(open_archival(ctx, runtime::ArchivalUse::kBulkLoad));
    runtime::SourcesService service(ctx, archival);
    sources::LoadRequest req;
    req.user_id = ctx.user_id;
    req.name = name;
    req.description = description;
    req.input_dir = input_dir;
    req.input_files = input_files;
    req.recursive = recursive;
    req.extensions = split_csv(extensions);
    req.strict = strict;
    req.chunk_tokens = ctx.config.embedding_chunk_size;
    req.threads = threads;
    // One bar over the whole load: files read, and the passages stored so far beside it.
    ProgressBar bar("Loading files");
    size_t files_done = 0, files_total = 0;
    int64_t passages_stored = 0;
    auto draw = [&] {
      bar.update(static_cast<int64_t>(files_done), static_cast<int64_t>(files_total),
                 fmt::format("{} passages", passages_stored));
    };
    sources::LoadProgress progress;
    progress.cancel = &stop_requested();
    progress.on_file = [&](size_t done, size_t total, const std::string&) {
      files_done = done;
      files_total = total;
      draw();
    };
    progress.on_passages = [&](int64_t n) {
      passages_stored = n;
      if (files_total > 0) draw();
    };
    progress.on_warning = [&](const std::string& w) {
      bar.interrupt();  // the warning on its own line, the bar drawn again below it
      fmt::print(stderr, "⚠️  {}\n", w);
    };
    Result<sources::LoadReport> report = unavailable("not run");
    {
      StopSignals stop;  // a stop signal ends the load at the next document, removing what was stored
      report = service.load(req, progress);
    }
    bar.finish();
    if (!report.ok()) {
      if (report.status().code() == ErrorCode::kCancelled) {
        fail("interrupted: nothing was loaded (the partial source was removed)", 128 + (stop_signal() ? stop_signal() : SIGINT));
      }
      fail(report.status());
    }
    fmt::print("Loaded {} passages and {} documents from {}\n", report->passages, report->documents,
               name);
    const sources::FitReport& fit = report->fit;
    if (fit.split > 0) {
      fmt::print("Split {} {} longer than the embedding model {} reads ({} word pieces) into smaller passages\n",
                 fit.split, fit.split == 1 ? "chunk" : "chunks", ctx.config.embedding_model, fit.max_tokens);
    }
    if (fit.truncated > 0) {
      fmt::print("Truncated {} {} longer than the embedding model {} reads: it embeds the first {} word pieces\n",
                 fit.truncated, fit.truncated == 1 ? "passage" : "passages", ctx.config.embedding_model,
                 fit.max_tokens);
    }
  });

  auto* search = app.add_subcommand("search", "Search a data source or an agent's archival memory (no LLM)");
  static std::string source, agent, mode = "hybrid", query, queries_file;
  static int top_k = 10;
  static bool json = false;
  auto* source_opt = search->add_option("--source", source, "Data source to search");
  auto* agent_opt = search->add_option("--agent", agent, "Agent whose archival memory to search");
  source_opt->excludes(agent_opt);
  search->add_option("--top-k", top_k, "Number of passages")->capture_default_str()->check(CLI::Range(1, 1000));
  search->add_option("--mode", mode, "hybrid, vector or text")
      ->capture_default_str()
      ->check(CLI::IsMember({"hybrid", "vector", "text"}));
  search->add_flag("--json", json, "Print JSON");
  auto* query_opt = search->add_option("query", query, "What to search for");
  search->add_option("--queries-file", queries_file,
                     "Run every line of FILE as a query; print one JSON line per query (for evaluation)")
      ->excludes(query_opt);
  search->callback([] {
    if (source.empty() && agent.empty()) fail("name what to search with --source NAME or --agent NAME");
    if (query.empty() && queries_file.empty()) fail("give a QUERY (or --queries-file FILE)");
    AppContext ctx = check(open_context());
    Archival archival = check(open_archival(ctx));
    sources::SearchMode m = check(sources::parse_search_mode(mode));
    sources::PassagePage page;
    std::string what;
    if (!source.empty()) {
      auto src = check(ctx.store->get_source_by_name(ctx.user_id, source));
      check(runtime::check_source_embedder(src, *archival.embedder));
      sources::PassageStore passages = archival.passages->in(sources::space_of(src));
      if (!queries_file.empty()) {
        std::string text = check(read_file(expand_user(queries_file)));
        size_t pos = 0;
        while (pos < text.size()) {
          size_t nl = text.find('\n', pos);
          if (nl == std::string::npos) nl = text.size();
          std::string q = text.substr(pos, nl - pos);
          pos = nl + 1;
          if (q.empty()) continue;
          auto p = check(passages.search_source(src.id, q, 0, top_k, m));
          Json hits = Json::array();
          for (const auto& h : p.hits) {
            hits.push_back({{"id", h.passage.id}, {"doc_id", h.passage.doc_id}, {"score", h.score}});
          }
          fmt::print("{}\n", Json({{"query", q}, {"hits", hits}}).dump());
        }
        return;
      }
      page = check(runtime::search_source_text(archival, src, query, top_k, m));
      what = "source '" + source + "'";
    } else {
      auto a = check(ctx.store->get_agent_by_name(ctx.user_id, agent));
      page = check(runtime::search_archival_text(archival, a, query, top_k, m));
      what = "agent '" + agent + "'";
    }
    if (json) {
      Json out = Json::array();
      for (size_t i = 0; i < page.hits.size(); ++i) {
        const auto& p = page.hits[i].passage;
        out.push_back({{"rank", i + 1}, {"score", page.hits[i].score}, {"id", p.id},
                       {"doc_id", p.doc_id}, {"text", p.text}, {"metadata", p.metadata},
                       {"created_at", p.created_at}});
      }
      fmt::print("{}\n", out.dump(2));
      return;
    }
    if (page.hits.empty()) {
      fmt::print("No results in {} ({} passages searched).\n", what, page.total);
      return;
    }
    fmt::print("Top {} of {} passages in {} ({} search):\n\n", page.hits.size(), page.total, what, mode);
    for (size_t i = 0; i < page.hits.size(); ++i) {
      const auto& p = page.hits[i].passage;
      fmt::print("{}. [{:.4f}] {}\n   {}\n\n", i + 1, page.hits[i].score, p.doc_id,
                 truncate_cell(p.text, 300));
    }
  });
}

}  // namespace memgpt::cli
