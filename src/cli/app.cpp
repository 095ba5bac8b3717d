#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "config/config.h"
#include "vector/simd_level.h"

namespace memgpt::cli {

void fail(const Status& status) {
  int code = status.code() == ErrorCode::kUnimplemented ? kExitUnavailable : kExitFailure;
  fail(status.message(), code);
}

void fail(const std::string& message, int exit_code) {
  std::fflush(stdout);
  fmt::print(stderr, "error: {}\n", message);
  throw CLI::RuntimeError(exit_code);
}

int run_main(int argc, char** argv) {
  CLI::App app{"memgpt: stateful LLM agents that manage their own memory", "memgpt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kMemgptVersion);
  app.footer("Docs: docs/ in the source tree. Home folder: $MEMGPT_HOME or ~/.memgpt.");

  register_config_commands(app);
  register_profile_commands(app);
  register_load_commands(app);
  register_run_commands(app);
  register_server_commands(app);
  register_milvus_commands(app);
  register_reembed_commands(app);
  register_agent_file_commands(app);
  register_mcp_commands(app);

  // A MEMGPT_SIMD the CPU cannot honour falls back to the widest level: say so once, up front.
  if (const auto& simd = vector::embedded::simd_choice(); !simd.note.empty()) fmt::print(stderr, "memgpt: {}\n", simd.note);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 returns 106 etc. for usage errors; normalise to 2 like other CLIs.
    int code = app.exit(e);
    return code == 0 ? 0 : (dynamic_cast<const CLI::RuntimeError*>(&e) ? code : kExitUnavailable);
  } catch (const std::exception& e) {
    // A bug, not a user error: still one line, but say it is ours.
    std::fflush(stdout);
    fmt::print(stderr, "error: internal error: {} (please report this)\n", e.what());
    return 70;
  }
  return 0;
}

}  // namespace memgpt::cli
