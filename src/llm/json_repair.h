// Tolerant parsing of the JSON that models write for function arguments: code fences, text
// around the object, trailing commas, single quotes, unquoted keys, Python literals
// (True/False/None), raw newlines inside strings, and objects cut off at the end.
#pragma once

#include <optional>
#include <string>

#include "util/json.h"

namespace memgpt::llm {

// The object parsed as is when valid, else after repairs; nullopt when nothing sensible remains.
std::optional<Json> parse_json_leniently(const std::string& text);

}  // namespace memgpt::llm
