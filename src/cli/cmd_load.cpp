// Placeholder until the sources work lands: declares `load` and `search` with their flags.
#include "cli/commands.h"

namespace memgpt::cli {

void register_load_commands(CLI::App& app) {
  auto* load = app.add_subcommand("load", "Load data into a named data source");
  load->require_subcommand(1);
  auto* dir = load->add_subcommand("directory", "Load files from a folder or a list of files");
  static std::string name, input_dir, extensions, description;
  static std::vector<std::string> input_files;
  static bool recursive = false, strict = false;
  dir->add_option("--name", name, "Name of the data source")->required();
  dir->add_option("--input-dir", input_dir, "Folder to read");
  dir->add_option("--input-files", input_files, "Files to read");
  dir->add_flag("--recursive", recursive, "Descend into sub-folders");
  dir->add_option("--extensions", extensions, "Comma-separated extensions, e.g. .txt,.md,.pdf");
  dir->add_option("--description", description, "Description of the source");
  dir->add_flag("--strict", strict, "Fail when any file cannot be read");
  mark_unavailable(dir, "load directory");

  auto* search = app.add_subcommand("search", "Search a data source or an agent's archival memory");
  static std::string source, agent, mode = "hybrid", query;
  static int top_k = 10;
  static bool json = false;
  search->add_option("--source", source, "Data source to search");
  search->add_option("--agent", agent, "Agent whose archival memory to search");
  search->add_option("--top-k", top_k, "Number of passages")->capture_default_str();
  search->add_option("--mode", mode, "hybrid, vector or text")->capture_default_str();
  search->add_flag("--json", json, "Print JSON");
  search->add_option("query", query, "What to search for")->required();
  mark_unavailable(search, "search");
}

}  // namespace memgpt::cli
