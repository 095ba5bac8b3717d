// `memgpt server`: the REST API (Letta /v1 + MemGPT /api) on the configured stores.
#include <csignal>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/context.h"
#include "server/auth.h"
#include "server/server.h"

namespace memgpt::cli {
namespace {
std::atomic<bool> g_stop{false};
}  // namespace

void register_server_commands(CLI::App& app) {
  auto* server = app.add_subcommand("server", "Run the REST API server (Letta /v1 API and MemGPT /api routes)");
  static server::ServerOptions opt;
  static bool use_ssl = false, quiet = false;
  static int max_body_mb = 64;
  static double header_timeout_s = 10;
  server->add_option("--host", opt.host, "Address to bind (off loopback a password is required)")->capture_default_str();
  server->add_option("--port", opt.port, "Port to listen on (0 = any free port)")->capture_default_str();
  server->add_flag("--use-ssl", use_ssl, "Serve HTTPS (with --ssl-cert and --ssl-key)");
  server->add_option("--ssl-cert", opt.ssl_cert, "Certificate file (PEM)");
  server->add_option("--ssl-key", opt.ssl_key, "Private key file (PEM)");
  server->add_option("--max-body-mb", max_body_mb, "Largest request body (uploads included), in MiB")->capture_default_str();
  server->add_option("--header-timeout", header_timeout_s,
                     "Seconds a connection has to send a whole request head (and a small body) before it is closed")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  server->add_flag("--quiet", quiet, "No request log lines");
  server->footer(
      "Auth: set MEMGPT_SERVER_PASS to require 'Authorization: Bearer <password>' (required off loopback;\n"
      "generated and printed once when missing). Users and their API keys: POST /v1/admin/users with the\n"
      "password (a server without one refuses the admin routes).");
  server->callback([] {
    if (use_ssl && (opt.ssl_cert.empty() || opt.ssl_key.empty())) fail("--use-ssl needs --ssl-cert and --ssl-key");
    if (!use_ssl && (!opt.ssl_cert.empty() || !opt.ssl_key.empty())) use_ssl = true;
    if (max_body_mb < 1 || max_body_mb > 4096) fail("--max-body-mb must be between 1 and 4096");
    opt.max_body_bytes = static_cast<size_t>(max_body_mb) << 20;
    opt.log_requests = !quiet;
    opt.limits.header_timeout = std::chrono::milliseconds(static_cast<int64_t>(header_timeout_s * 1000));
    if (const char* pass = std::getenv("MEMGPT_SERVER_PASS"); pass && *pass) opt.password = pass;
    if (opt.password.empty() && !server::is_loopback(opt.host)) {
      opt.password = server::new_api_key();
      fmt::print("🔑 No MEMGPT_SERVER_PASS set: generated the server password (shown once):\n   {}\n", opt.password);
    }
    auto ctx = open_context();
    if (!ctx.ok()) fail(ctx.status());
    auto archival = open_archival(*ctx);
    if (!archival.ok()) fail(archival.status());
    if (auto s = archival->passages->ensure_collections(); !s.ok()) fail(s);
    server::Server srv(*ctx, *archival, opt);
    auto port = srv.start();
    if (!port.ok()) fail(port.status());
    fmt::print("🚀 memgpt server running at {}://{}:{} (Letta /v1 API; Ctrl-C to stop)\n", use_ssl ? "https" : "http",
               opt.host, *port);
    std::fflush(stdout);
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fmt::print("Stopping: finishing running requests...\n");
    std::fflush(stdout);
    srv.stop();
    fmt::print("Stopped.\n");
  });
}

}  // namespace memgpt::cli
