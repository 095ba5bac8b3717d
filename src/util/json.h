// JSON for the whole project: nlohmann::json, ordered where output order matters to users.
#pragma once

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace memgpt {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Parses text, turning a syntax error into a one-line Status naming `what`.
Result<Json> parse_json(std::string_view text, std::string_view what = "JSON");

}  // namespace memgpt
