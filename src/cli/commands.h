// Command groups of the `memgpt` CLI. Each adds its subcommands (with flags and --help) to the
// app; app.cpp calls them all. Commands report failure by calling fail(), which prints one line
// to stderr and ends the command with an exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "util/status.h"

namespace memgpt::cli {

void register_config_commands(CLI::App& app);   // configure, version, folder
void register_profile_commands(CLI::App& app);  // add, list, delete
void register_load_commands(CLI::App& app);     // load directory, search
void register_milvus_commands(CLI::App& app);   // milvus serve
void register_run_commands(CLI::App& app);      // run, quickstart
void register_server_commands(CLI::App& app);   // server
void register_reembed_commands(CLI::App& app);  // reembed source, reembed agent
void register_agent_file_commands(CLI::App& app);  // export, import (Agent Files)
void register_mcp_commands(CLI::App& app);      // mcp (MCP server on stdio)

// Writes a configuration for a backend preset (openai, ollama, llamacpp, vllm, lmstudio, groq).
void run_quickstart(const std::string& backend, const std::string& model, bool check_endpoint,
                    const std::string& endpoint = "");

// Exit codes: 0 ok, 1 the command failed, 2 usage error or capability not in this build.
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUnavailable = 2;

// Prints "error: <message>" to stderr and ends the command (throws CLI::RuntimeError).
[[noreturn]] void fail(const Status& status);
[[noreturn]] void fail(const std::string& message, int exit_code = kExitFailure);

// Ends the command unless ok; returns the value otherwise.
inline void check(const Status& s) {
  if (!s.ok()) fail(s);
}
template <typename T>
T check(Result<T> r) {
  if (!r.ok()) fail(r.status());
  return std::move(r).value();
}


}  // namespace memgpt::cli
