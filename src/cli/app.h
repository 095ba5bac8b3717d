// The `memgpt` command line: parses arguments (CLI11), dispatches to command groups, and turns
// any Status into a one-line error and an exit code (0 ok, 1 failure, 2 usage/unavailable).
#pragma once

namespace memgpt::cli {

int run_main(int argc, char** argv);

}  // namespace memgpt::cli
