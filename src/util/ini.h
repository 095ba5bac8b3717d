// INI files in the dialect of Python's configparser (what MemGPT wrote): `[section]` headers,
// `key = value` (or `key: value`) lines, `#`/`;` comment lines. Keeps every line it does not
// change, so rewriting a file preserves comments, order and keys this build does not know.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace memgpt {

class IniFile {
 public:
  // Parses `text`; `origin` (a file path) names the source in error messages:
  // "<origin>:<line>: <what is wrong>".
  static Result<IniFile> parse(std::string_view text, std::string_view origin);
  static Result<IniFile> load(const std::string& path);  // missing file = empty IniFile

  std::optional<std::string> get(std::string_view section, std::string_view key) const;
  std::string get_or(std::string_view section, std::string_view key,
                     std::string_view fallback) const;
  bool has_section(std::string_view section) const;
  std::vector<std::string> sections() const;
  std::vector<std::string> keys(std::string_view section) const;

  // Replaces the value in place when the key exists; appends to the section otherwise
  // (creating the section at the end of the file when needed).
  void set(std::string_view section, std::string_view key, std::string_view value);
  bool erase(std::string_view section, std::string_view key);

  std::string to_string() const;
  // Writes atomically (temp file + rename) with the given permission bits.
  Status save(const std::string& path, unsigned mode = 0644) const;

 private:
  struct Line {
    enum class Kind { kOther, kSection, kEntry } kind = Kind::kOther;
    std::string raw;      // kOther: the text verbatim
    std::string section;  // kSection: name; kEntry: the owning section
    std::string key;
    std::string value;
  };
  std::vector<Line> lines_;
};

}  // namespace memgpt
