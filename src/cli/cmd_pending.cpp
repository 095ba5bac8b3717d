// Commands whose implementation lands with later work: declared here with their full flag set
// and --help, so scripts see the final interface; running them says they are not built yet.
#include "cli/commands.h"

namespace memgpt::cli {

void register_server_commands(CLI::App& app) {
  auto* server = app.add_subcommand("server", "Run the REST API server");
  static std::string host = "127.0.0.1", ssl_cert, ssl_key;
  static int port = 8283;
  static bool use_ssl = false, debug = false;
  server->add_option("--host", host, "Address to bind")->capture_default_str();
  server->add_option("--port", port, "Port to listen on")->capture_default_str();
  server->add_flag("--use-ssl", use_ssl, "Serve HTTPS");
  server->add_option("--ssl-cert", ssl_cert, "Certificate file (PEM)");
  server->add_option("--ssl-key", ssl_key, "Private key file (PEM)");
  server->add_flag("--debug", debug, "Log request bodies");
  mark_unavailable(server, "server");
}

}  // namespace memgpt::cli
