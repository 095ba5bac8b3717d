#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace memgpt::cli {

int run_main(int argc, char** argv) {
  CLI::App app{"memgpt: stateful LLM agents that manage their own memory", "memgpt"};
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the memgpt version")->callback([] {
    fmt::print("0.1.0\n");
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}

}  // namespace memgpt::cli
