// Terminal facts for user-facing output: colour only on a terminal (and never with NO_COLOR),
// aligned tables, JSON for scripts.
#pragma once

#include <string>
#include <vector>

namespace memgpt::cli {

bool stdout_is_tty();
bool stdin_is_tty();
// Colour and other decoration is used only when stdout is a terminal, NO_COLOR is unset and
// the UI was not stripped (--strip-ui).
bool use_color();
void set_strip_ui(bool strip);

// Prints rows under headers, columns padded to their widest cell (UTF-8 aware).
void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);

// Display width of a UTF-8 string (code points; wide CJK/emoji count as 2).
size_t display_width(const std::string& s);
// Cuts to at most `width` display columns, ending in "..." when cut; newlines become spaces.
std::string truncate_cell(const std::string& s, size_t width);

}  // namespace memgpt::cli
