#include "util/json.h"

#include <fmt/format.h>

namespace memgpt {

Result<Json> parse_json(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    return invalid_argument(fmt::format("invalid {}: {} (at byte {})", what,
                                        "syntax error", e.byte));
  }
}

}  // namespace memgpt
