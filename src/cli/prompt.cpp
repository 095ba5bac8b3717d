#include "cli/prompt.h"

#include <fmt/format.h>
#include <readline/history.h>
#include <readline/readline.h>

#include <cstdlib>
#include <iostream>

namespace memgpt::cli {

std::optional<std::string> read_line(const std::string& prompt, bool interactive) {
  if (interactive) {
    char* line = ::readline(prompt.c_str());
    if (!line) return std::nullopt;
    std::string s(line);
    std::free(line);
    if (!s.empty()) ::add_history(s.c_str());
    return s;
  }
  std::string s;
  if (!std::getline(std::cin, s)) return std::nullopt;
  if (!s.empty() && s.back() == '\r') s.pop_back();
  return s;
}

std::string ask(const std::string& question, const std::string& fallback) {
  auto answer = read_line(fmt::format("? {}{}: ", question, fallback.empty() ? "" : " (" + fallback + ")"), true);
  if (!answer || answer->empty()) return fallback;
  return *answer;
}

bool confirm(const std::string& question, bool fallback, bool interactive) {
  if (!interactive) return fallback;
  auto answer = read_line(fmt::format("? {} ({}) ", question, fallback ? "Y/n" : "y/N"), true);
  if (!answer || answer->empty()) return fallback;
  return (*answer)[0] == 'y' || (*answer)[0] == 'Y';
}

std::optional<size_t> choose(const std::string& question, const std::vector<std::string>& items,
                             std::optional<size_t> fallback) {
  fmt::print("? {}\n", question);
  for (size_t i = 0; i < items.size(); ++i) {
    fmt::print("  {}) {}{}\n", i + 1, items[i], fallback && *fallback == i ? "  (default)" : "");
  }
  for (;;) {
    auto answer = read_line(fallback ? "Enter a number (empty for the default): " : "Enter a number (empty to cancel): ", true);
    if (!answer || answer->empty()) return fallback;
    char* end = nullptr;
    long n = std::strtol(answer->c_str(), &end, 10);
    if (*end == '\0' && n >= 1 && static_cast<size_t>(n) <= items.size()) return static_cast<size_t>(n - 1);
    // Typing the name works too.
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i] == *answer) return i;
    }
    fmt::print("Not a choice: {}\n", *answer);
  }
}

}  // namespace memgpt::cli
