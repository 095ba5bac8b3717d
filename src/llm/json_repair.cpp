#include "llm/json_repair.h"

#include <cctype>

namespace memgpt::llm {
namespace {

// From the first '{' to its matching '}' (or to the end when cut off), outside code fences.
std::string extract_object(const std::string& text) {
  size_t start = text.find('{');
  if (start == std::string::npos) return "";
  int depth = 0;
  bool in_string = false;
  char quote = 0;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        in_string = false;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      in_string = true;
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}') {
      if (--depth == 0) return text.substr(start, i - start + 1);
    }
  }
  return text.substr(start);
}

// Rewrites to strict JSON: single-quoted strings, unquoted keys, Python literals, raw control
// characters in strings, trailing commas; closes what was left open.
std::string normalise(const std::string& in) {
  std::string out;
  std::string closers;  // stack of expected closing brackets
  bool in_string = false;
  char quote = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (in_string) {
      if (c == '\\' && i + 1 < in.size()) {
        char n = in[i + 1];
        if (quote == '\'' && n == '\'') {
          out += '\'';
        } else {
          out += c;
          out += n;
        }
        ++i;
      } else if (c == quote) {
        out += '"';
        in_string = false;
      } else if (c == '"' && quote == '\'') {
        out += "\\\"";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\r') {
        out += "\\r";
      } else {
        out += c;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      in_string = true;
      quote = c;
      out += '"';
    } else if (c == '{' || c == '[') {
      closers.push_back(c == '{' ? '}' : ']');
      out += c;
    } else if (c == '}' || c == ']') {
      // Drop a trailing comma before the bracket.
      size_t k = out.find_last_not_of(" \t\r\n");
      if (k != std::string::npos && out[k] == ',') out.erase(k, 1);
      if (!closers.empty()) closers.pop_back();
      out += c;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])) || in[j] == '_')) ++j;
      std::string word = in.substr(i, j - i);
      size_t k = j;
      while (k < in.size() && std::isspace(static_cast<unsigned char>(in[k]))) ++k;
      if (k < in.size() && in[k] == ':') {
        out += "\"" + word + "\"";  // an unquoted key
      } else if (word == "True" || word == "true") {
        out += "true";
      } else if (word == "False" || word == "false") {
        out += "false";
      } else if (word == "None" || word == "null") {
        out += "null";
      } else {
        out += "\"" + word + "\"";  // a bare word as a value
      }
      i = j - 1;
    } else {
      out += c;
    }
  }
  if (in_string) out += '"';
  size_t k = out.find_last_not_of(" \t\r\n");
  if (k != std::string::npos && (out[k] == ',' || out[k] == ':')) {
    if (out[k] == ':') out += " null";
    else out.erase(k, 1);
  }
  while (!closers.empty()) {
    out += closers.back();
    closers.pop_back();
  }
  return out;
}

}  // namespace

std::optional<Json> parse_json_leniently(const std::string& text) {
  Json direct = parse_json_or_discarded(text);
  if (direct.is_object()) return direct;
  std::string object = extract_object(text);
  if (object.empty()) return std::nullopt;
  Json extracted = parse_json_or_discarded(object);
  if (extracted.is_object()) return extracted;
  Json repaired = parse_json_or_discarded(normalise(object));
  if (repaired.is_object()) return repaired;
  return std::nullopt;
}

}  // namespace memgpt::llm
