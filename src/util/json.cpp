#include "util/json.h"

#include <fmt/format.h>

namespace memgpt {

int json_nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<Json> parse_json(std::string_view text, std::string_view what) {
  if (json_nesting_depth(text) > kMaxJsonDepth)
    return invalid_argument(
        fmt::format("invalid {}: nested deeper than {} levels", what, kMaxJsonDepth));
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return invalid_argument(fmt::format("invalid {}: {} (at byte {})", what,
                                        "syntax error", e.byte));
  } catch (const Json::out_of_range&) {
    // nlohmann reports a number past double's range (1e309) this way, not as a syntax error.
    return invalid_argument(fmt::format("invalid {}: a number is out of range", what));
  }
}

Json parse_json_or_discarded(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return Json(Json::value_t::discarded);
  return Json::parse(text, nullptr, false);
}

OrderedJson parse_ordered_json_or_discarded(std::string_view text) {
  if (json_nesting_depth(text) > kMaxJsonDepth) return OrderedJson(OrderedJson::value_t::discarded);
  return OrderedJson::parse(text, nullptr, false);
}

void append_json_string(std::string& out, std::string_view text) {
  // Printable ASCII without quote or backslash is written as is; anything else (escapes,
  // UTF-8 and its validation) goes through nlohmann so both ways write the same bytes.
  for (unsigned char c : text) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += Json(text).dump();
      return;
    }
  }
  out += '"';
  out += text;
  out += '"';
}

}  // namespace memgpt
