#include "util/ini.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "util/files.h"

namespace memgpt {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

Result<IniFile> IniFile::parse(std::string_view text, std::string_view origin) {
  IniFile ini;
  std::string current;
  bool in_section = false;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string t = trim(raw);
    Line line;
    if (t.empty() || t[0] == '#' || t[0] == ';') {
      line.raw = std::string(raw);
    } else if (t[0] == '[') {
      if (t.back() != ']' || t.size() < 3) {
        return invalid_argument(
            fmt::format("{}:{}: malformed section header '{}'", origin, line_no, t));
      }
      current = trim(std::string_view(t).substr(1, t.size() - 2));
      if (current.empty()) {  // "[ ]" would be written back as "[]", which does not parse
        return invalid_argument(fmt::format("{}:{}: empty section name '{}'", origin, line_no, t));
      }
      in_section = true;
      line.kind = Line::Kind::kSection;
      line.section = current;
    } else {
      size_t eq = t.find_first_of("=:");
      if (eq == std::string::npos || eq == 0) {
        return invalid_argument(fmt::format("{}:{}: expected 'key = value', got '{}'", origin,
                                            line_no, t));
      }
      if (!in_section) {
        return invalid_argument(
            fmt::format("{}:{}: '{}' appears before any [section] header", origin, line_no, t));
      }
      line.kind = Line::Kind::kEntry;
      line.section = current;
      line.key = lower(trim(std::string_view(t).substr(0, eq)));  // configparser lowercases keys
      line.value = trim(std::string_view(t).substr(eq + 1));
    }
    ini.lines_.push_back(std::move(line));
    if (nl == text.size()) break;
    pos = nl + 1;
  }
  // A trailing newline yields one empty kOther line; drop it so to_string round-trips.
  if (!ini.lines_.empty() && ini.lines_.back().kind == Line::Kind::kOther &&
      ini.lines_.back().raw.empty() && !text.empty() && text.back() == '\n') {
    ini.lines_.pop_back();
  }
  return ini;
}

Result<IniFile> IniFile::load(const std::string& path) {
  auto text = read_file(path);
  if (!text.ok()) {
    if (text.status().code() == ErrorCode::kNotFound) return IniFile{};
    return text.status();
  }
  return parse(*text, path);
}

std::optional<std::string> IniFile::get(std::string_view section, std::string_view key) const {
  std::string k = lower(std::string(key));
  for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
    if (it->kind == Line::Kind::kEntry && it->section == section && it->key == k) return it->value;
  }
  return std::nullopt;
}

std::string IniFile::get_or(std::string_view section, std::string_view key,
                            std::string_view fallback) const {
  auto v = get(section, key);
  return v ? *v : std::string(fallback);
}

bool IniFile::has_section(std::string_view section) const {
  return std::any_of(lines_.begin(), lines_.end(), [&](const Line& l) {
    return l.kind == Line::Kind::kSection && l.section == section;
  });
}

std::vector<std::string> IniFile::sections() const {
  std::vector<std::string> out;
  for (const auto& l : lines_) {
    if (l.kind == Line::Kind::kSection &&
        std::find(out.begin(), out.end(), l.section) == out.end()) {
      out.push_back(l.section);
    }
  }
  return out;
}

std::vector<std::string> IniFile::keys(std::string_view section) const {
  std::vector<std::string> out;
  for (const auto& l : lines_) {
    if (l.kind == Line::Kind::kEntry && l.section == section &&
        std::find(out.begin(), out.end(), l.key) == out.end()) {
      out.push_back(l.key);
    }
  }
  return out;
}

void IniFile::set(std::string_view section, std::string_view key, std::string_view value) {
  std::string k = lower(std::string(key));
  for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
    if (it->kind == Line::Kind::kEntry && it->section == section && it->key == k) {
      it->value = std::string(value);
      return;
    }
  }
  Line entry;
  entry.kind = Line::Kind::kEntry;
  entry.section = std::string(section);
  entry.key = k;
  entry.value = std::string(value);
  // Insert after the last entry (or header) of the section's final occurrence.
  ptrdiff_t insert_at = -1;
  for (size_t i = 0; i < lines_.size(); ++i) {
    const Line& l = lines_[i];
    if (l.section == section && (l.kind == Line::Kind::kSection || l.kind == Line::Kind::kEntry)) {
      insert_at = static_cast<ptrdiff_t>(i) + 1;
    }
  }
  if (insert_at < 0) {
    if (!lines_.empty() && !(lines_.back().kind == Line::Kind::kOther && lines_.back().raw.empty())) {
      lines_.push_back(Line{});
    }
    Line header;
    header.kind = Line::Kind::kSection;
    header.section = std::string(section);
    lines_.push_back(std::move(header));
    lines_.push_back(std::move(entry));
    return;
  }
  lines_.insert(lines_.begin() + insert_at, std::move(entry));
}

bool IniFile::erase(std::string_view section, std::string_view key) {
  std::string k = lower(std::string(key));
  auto before = lines_.size();
  std::erase_if(lines_, [&](const Line& l) {
    return l.kind == Line::Kind::kEntry && l.section == section && l.key == k;
  });
  return lines_.size() != before;
}

std::string IniFile::to_string() const {
  std::string out;
  for (const auto& l : lines_) {
    switch (l.kind) {
      case Line::Kind::kOther: out += l.raw; break;
      case Line::Kind::kSection: out += "[" + l.section + "]"; break;
      case Line::Kind::kEntry: out += l.key + " = " + l.value; break;
    }
    out += '\n';
  }
  return out;
}

Status IniFile::save(const std::string& path, unsigned mode) const {
  return write_file_atomic(path, to_string(), mode);
}

}  // namespace memgpt
