// INI configuration (util/ini.h; ~/.memgpt/config and credentials): any text parses or fails
// with a Status; what parsed writes back to text that parses to the same sections, keys and
// values; a value set through the API reads back after a save and reload.
#include "fuzz_support.h"
#include "util/ini.h"

namespace {

using memgpt::IniFile;

void expect_same(const IniFile& a, const IniFile& b) {
  if (a.sections() != b.sections()) memgpt::fuzz::finding("sections differ after to_string and parse");
  for (const auto& s : a.sections()) {
    if (a.keys(s) != b.keys(s)) memgpt::fuzz::finding("keys differ after to_string and parse");
    for (const auto& k : a.keys(s)) {
      if (a.get(s, k) != b.get(s, k)) memgpt::fuzz::finding("a value differs after to_string and parse");
    }
  }
}

// What a user can type as one value on the command line (`memgpt configure`): one line, no
// surrounding spaces.
std::string one_line(std::string_view text) {
  std::string v(text.substr(0, text.find_first_of("\r\n")));
  size_t b = v.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return v.substr(b, v.find_last_not_of(" \t") - b + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = memgpt::fuzz::as_text(data, size);
  auto parsed = IniFile::parse(text, "config");
  if (!parsed.ok()) {
    if (parsed.status().message().rfind("config:", 0) != 0) memgpt::fuzz::finding("an INI error does not name its origin");
    return 0;
  }
  auto again = IniFile::parse(parsed->to_string(), "config");
  if (!again.ok()) memgpt::fuzz::finding("to_string of a parsed file does not parse: " + again.status().message());
  expect_same(*parsed, *again);

  IniFile edited = *parsed;
  std::string value = one_line(text);
  edited.set("fuzz", "Key", value);
  if (edited.get("fuzz", "key") != value) memgpt::fuzz::finding("a value set does not read back");
  auto reloaded = IniFile::parse(edited.to_string(), "config");
  if (!reloaded.ok()) memgpt::fuzz::finding("a file with a value set does not parse: " + reloaded.status().message());
  if (reloaded->get("fuzz", "key") != value) memgpt::fuzz::finding("a value set does not read back after reload");
  expect_same(edited, *reloaded);
  return 0;
}
