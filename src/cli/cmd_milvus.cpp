// `memgpt milvus serve`: the embedded store over the Milvus REST API v2, so other programs (and
// other memgpt processes) can share one local store.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include "cli/commands.h"
#include "util/files.h"
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
}

}  // namespace memgpt::cli
