#include "cli/term.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>

namespace memgpt::cli {
namespace {
bool g_strip_ui = false;

// Decodes one code point; returns its byte length (1 for invalid bytes).
size_t next_cp(const std::string& s, size_t i, char32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  cp = len == 1 ? c : (c & (0x7f >> len));
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
  return len;
}

size_t cp_width(char32_t cp) {
  if (cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f)) return 0;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd)) {
    return 2;
  }
  return 1;
}
}  // namespace

bool stdout_is_tty() { return ::isatty(STDOUT_FILENO) == 1; }
bool stdin_is_tty() { return ::isatty(STDIN_FILENO) == 1; }

bool use_color() {
  const char* no_color = std::getenv("NO_COLOR");
  return !g_strip_ui && stdout_is_tty() && !(no_color && *no_color);
}

void set_strip_ui(bool strip) { g_strip_ui = strip; }

size_t display_width(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    i += next_cp(s, i, cp);
    w += cp_width(cp);
  }
  return w;
}

std::string truncate_cell(const std::string& s, size_t width) {
  std::string flat;
  for (char c : s) flat += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (display_width(flat) <= width) return flat;
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < flat.size();) {
    char32_t cp;
    size_t len = next_cp(flat, i, cp);
    size_t cw = cp_width(cp);
    if (w + cw + 3 > width) break;
    out.append(flat, i, len);
    w += cw;
    i += len;
  }
  return out + "...";
}

void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size(), 0);
  for (size_t c = 0; c < headers.size(); ++c) widths[c] = display_width(headers[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      line += cell;
      if (c + 1 < widths.size()) line += std::string(widths[c] - display_width(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    fmt::print("{}\n", line);
  };
  print_row(headers);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  print_row(rule);
  for (const auto& row : rows) print_row(row);
}

}  // namespace memgpt::cli
