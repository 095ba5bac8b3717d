// Commands whose implementation lands with later work: declared here with their full flag set
// and --help, so scripts see the final interface; running them says they are not built yet.
#include "cli/commands.h"

namespace memgpt::cli {

void register_run_commands(CLI::App& app) {
  auto* run = app.add_subcommand("run", "Start chatting with a MemGPT agent");
  static std::string persona, human, agent, model, endpoint, endpoint_type, wrapper, system,
      system_file;
  static int context_window = 0, core_memory_limit = 2000;
  static bool first = false, strip_ui = false, debug = false, no_verify = false, yes = false,
              stream = false;
  run->add_option("--persona", persona, "Persona to create the agent with");
  run->add_option("--human", human, "Human profile to create the agent with");
  run->add_option("--agent", agent, "Name of the agent to create or resume");
  run->add_option("--model", model, "LLM model name");
  run->add_option("--model-endpoint", endpoint, "LLM endpoint URL");
  run->add_option("--model-endpoint-type", endpoint_type, "LLM backend type (openai, ollama, ...)");
  run->add_option("--model-wrapper", wrapper, "Prompt wrapper for local models (chatml, ...)");
  run->add_option("--context-window", context_window, "Context window of the model in tokens");
  run->add_flag("--first", first, "Let the user send the first message");
  run->add_flag("--strip-ui", strip_ui, "No colours or decorations");
  run->add_flag("--debug", debug, "Show debug output");
  run->add_flag("--no-verify", no_verify, "Skip verification of the first message");
  run->add_flag("-y,--yes", yes, "Answer yes to all questions");
  run->add_flag("--stream", stream, "Print tokens as they arrive");
  run->add_option("--system", system, "System prompt text for a new agent");
  run->add_option("--system-file", system_file, "File holding the system prompt");
  run->add_option("--core-memory-limit", core_memory_limit,
                  "Character limit of each core memory block")
      ->capture_default_str();
  mark_unavailable(run, "run");

  auto* quickstart = app.add_subcommand("quickstart", "Configure memgpt for a backend in one step");
  static std::string backend;
  static bool latest = false;
  quickstart->add_option("--backend", backend, "openai, ollama, llamacpp, ...");
  quickstart->add_flag("--latest", latest, "Use the newest recommended settings");
  mark_unavailable(quickstart, "quickstart");
}

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
