// Format-independent parts of extraction: the strings of a JSON value and whitespace tidying.
#include <vector>

#include "sources/extract.h"

namespace memgpt::sources {

std::string json_value_text(const Json& value) {
  if (value.is_object()) {
    auto it = value.find("text");
    if (it != value.end() && it->is_string()) return it->get<std::string>();
  }
  // Depth first with an explicit stack: children pushed last-first so they come out in order.
  std::string out;
  std::vector<const Json*> pending{&value};
  while (!pending.empty()) {
    const Json* v = pending.back();
    pending.pop_back();
    if (v->is_string()) {
      out += v->get_ref<const std::string&>();
      out += '\n';
    } else if (v->is_array() || v->is_object()) {
      for (auto it = v->crbegin(); it != v->crend(); ++it) pending.push_back(&*it);
    }
  }
  return out;
}

std::string tidy_text(std::string_view text) {
  // Collapse runs of spaces; at most one blank line in a row.
  std::string out;
  out.reserve(text.size());
  int newlines = 0;
  bool space = false;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') {
      if (++newlines <= 2) out += '\n';
      space = false;
      continue;
    }
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && newlines == 0 && !out.empty()) out += ' ';
    space = false;
    newlines = 0;
    out += c;
  }
  size_t b = out.find_first_not_of(" \n");
  return b == std::string::npos ? "" : out.substr(b);
}

}  // namespace memgpt::sources
