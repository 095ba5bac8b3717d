// Placeholder until the Milvus REST server lands: declares `milvus serve` with its flags.
#include "cli/commands.h"

namespace memgpt::cli {

void register_milvus_commands(CLI::App& app) {
  auto* milvus = app.add_subcommand("milvus", "Milvus tools");
  milvus->require_subcommand(1);
  auto* serve = milvus->add_subcommand("serve", "Serve an embedded store over the Milvus REST v2 API");
  static std::string uri, host = "127.0.0.1", token;
  static int port = 19530;
  serve->add_option("--uri", uri, "Embedded store file (e.g. ~/.memgpt/milvus.db)")->required();
  serve->add_option("--host", host, "Address to bind")->capture_default_str();
  serve->add_option("--port", port, "Port to listen on")->capture_default_str();
  serve->add_option("--token", token, "Require this bearer token (user:password or API key)");
  mark_unavailable(serve, "milvus serve");
}

}  // namespace memgpt::cli
