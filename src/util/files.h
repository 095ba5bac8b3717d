// Filesystem helpers with the project's error model.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace memgpt {

// Reads a whole file; kNotFound when absent, kPermissionDenied / kIo otherwise.
Result<std::string> read_file(const std::string& path);
// Writes to a temporary file beside `path`, fsyncs it and renames it over `path`, so readers
// see the old or the new content, never a torn file.
Status write_file_atomic(const std::string& path, std::string_view data, unsigned mode = 0644);
// Creates `dir` and its parents (mode 0700 for new folders); ok when it exists.
Status ensure_dir(const std::string& dir, unsigned mode = 0700);
bool path_exists(const std::string& path);
// "~" or "~/x" -> $HOME/x; other paths unchanged.
std::string expand_user(std::string_view path);

// Where memgpt keeps its files: $MEMGPT_HOME, else ~/.memgpt.
std::string memgpt_home();
// $MEMGPT_CONFIG_PATH, else <home>/config.
std::string config_path();
// $MEMGPT_CREDENTIALS_PATH, else <home>/credentials.
std::string credentials_path();
// The path with $HOME shown as "~", for user-facing messages.
std::string display_path(const std::string& path);

}  // namespace memgpt
