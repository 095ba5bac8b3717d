// memgpt: one binary for the CLI, the chat REPL and the servers.
#include "cli/app.h"

int main(int argc, char** argv) { return memgpt::cli::run_main(argc, argv); }
