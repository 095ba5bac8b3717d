// `memgpt milvus serve`: the embedded store over the Milvus REST API v2, so other programs (and
// other memgpt processes) can share one local store. `memgpt milvus index`: builds now the
// graph that the next process would otherwise build in the background after a bulk load.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "cli/commands.h"
#include "cli/progress.h"
#include "util/files.h"
#include "util/json.h"
#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"

namespace memgpt::cli {
namespace {
std::atomic<bool> g_stop{false};
}

void register_milvus_commands(CLI::App& app) {
  auto* milvus = app.add_subcommand("milvus", "Milvus tools");
  milvus->require_subcommand(1);
  auto* serve = milvus->add_subcommand("serve", "Serve an embedded store over the Milvus REST v2 API");
  static std::string uri, host = "127.0.0.1", token;
  static int port = 19530;
  static bool log = false;
  static double header_timeout_s = 10;
  serve->add_option("--uri", uri, "Embedded store file (e.g. ~/.memgpt/milvus.db)")->required();
  serve->add_option("--host", host, "Address to bind")->capture_default_str();
  serve->add_option("--port", port, "Port to listen on (0 = any free port)")->capture_default_str();
  serve->add_option("--token", token, "Require this bearer token (user:password or API key)")
      ->envname("MILVUS_TOKEN");
  serve->add_flag("--log", log, "Log one line per request to stderr");
  serve->add_option("--header-timeout", header_timeout_s,
                    "Seconds a connection has to send a whole request head (and a small body) before it is closed")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  serve->callback([] {
    if (uri.find("://") != std::string::npos) fail("--uri must be a local file (the embedded store to serve)");
    bool loopback = host == "127.0.0.1" || host == "localhost" || host == "::1";
    if (!loopback && token.empty()) {
      fail(fmt::format("serving on {} (not loopback) requires --token so strangers cannot read the store", host));
    }
    auto store = vector::open_embedded_store(expand_user(uri));
    if (!store.ok()) fail(store.status());
    vector::MilvusRestServer::Options options;
    options.token = token;
    options.log_requests = log;
    options.limits.header_timeout = std::chrono::milliseconds(static_cast<int64_t>(header_timeout_s * 1000));
    vector::MilvusRestServer server(store->get(), options);
    auto bound = server.start(host, port);
    if (!bound.ok()) fail(bound.status());
    fmt::print("Serving {} over the Milvus REST API at http://{}:{} (Ctrl-C to stop)\n",
               display_path(expand_user(uri)), host, *bound);
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.stop();
    fmt::print("Stopped.\n");
  });

  auto* index = milvus->add_subcommand(
      "index", "Build an embedded store's vector index now (memgpt load leaves it to the next process)");
  static std::string index_uri;
  static std::vector<std::string> collections;
  static bool json = false;
  index->add_option("--uri", index_uri, "Embedded store file (e.g. ~/.memgpt/milvus.db)")->required();
  index->add_option("--collection", collections, "Only these collections (default: all)");
  index->add_flag("--json", json, "Print the rows indexed per collection as JSON");
  index->callback([] {
    if (index_uri.find("://") != std::string::npos) fail("--uri must be a local file (a Milvus server indexes by itself)");
    vector::EmbeddedOptions options;
    options.background_index_min_rows = 0;  // every row past the saved graph is built by the builder
    auto store = vector::open_embedded_store(expand_user(index_uri), options);
    if (!store.ok()) fail(store.status());
    std::vector<std::string> names = collections;
    if (names.empty()) names = check((*store)->list_collections());
    Json report = Json::object();
    auto started = std::chrono::steady_clock::now();
    for (const auto& name : names) {
      ProgressBar bar("Indexing " + name);
      vector::IndexProgress p = check((*store)->index_progress(name));
      int64_t pending_at_start = p.pending_rows;
      auto moved = std::chrono::steady_clock::now();
      while (p.pending_rows > 0) {
        bar.update(pending_at_start - p.pending_rows, pending_at_start, "rows");
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        int64_t before = p.pending_rows;
        p = check((*store)->index_progress(name));
        if (p.pending_rows != before) moved = std::chrono::steady_clock::now();
        // A chunk takes well under a second; a minute without one is a builder that stopped
        // (out of memory): its rows stay searchable, exactly.
        if (std::chrono::steady_clock::now() - moved > std::chrono::minutes(1)) {
          fail(fmt::format("building the index of {} stopped with {} rows left (out of memory?); they stay "
                           "searchable, and running this command again resumes it",
                           name, p.pending_rows));
        }
      }
      if (pending_at_start > 0) bar.finish();
      report[name] = {{"indexed_rows", p.indexed_rows}, {"built_now", pending_at_start}};
      if (!json) fmt::print("{}: {} rows indexed ({} built now)\n", name, p.indexed_rows, pending_at_start);
    }
    store->reset();  // saves the graphs
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (json) fmt::print("{}\n", Json{{"collections", report}, {"seconds", seconds}}.dump());
  });
}

}  // namespace memgpt::cli
