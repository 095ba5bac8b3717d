// Questions on a terminal (readline line editing): free text with a default, yes/no, numbered
// choices. Only used when stdin and stdout are terminals; scripts answer with flags instead.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace memgpt::cli {

// One line (readline on a terminal); nullopt at end of input.
std::optional<std::string> read_line(const std::string& prompt, bool interactive);
// "? question (default): " -> the answer or the default when empty.
std::string ask(const std::string& question, const std::string& fallback);
bool confirm(const std::string& question, bool fallback, bool interactive);
// Numbered list; returns the index, `fallback` on an empty answer, nullopt to cancel.
std::optional<size_t> choose(const std::string& question, const std::vector<std::string>& items,
                             std::optional<size_t> fallback = std::nullopt);

}  // namespace memgpt::cli
