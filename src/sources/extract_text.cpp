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

bool is_blank(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c != ' ' && (c < '\t' || c > '\r')) return false;  // \t \n \v \f \r
      ++i;
      continue;
    }
    // The spaces of Unicode's White_Space property beyond ASCII, and the invisible U+200B
    // (zero width space) and U+FEFF (byte order mark).
    size_t n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > text.size()) return false;
    char32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    bool space = cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200b) || cp == 0x2028 ||
                 cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
    if (!space) return false;
    i += n;
  }
  return true;
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
