// JSON for the whole project: nlohmann::json, ordered where output order matters to users.
//
// Every text from outside (request bodies, files, model output, stored rows) goes through the
// parsers below, never Json::parse directly: they refuse nesting deeper than kMaxJsonDepth, so
// no later dump() or recursive walk can exhaust the stack (nlohmann parses iteratively but
// serialises recursively: 100,000 nested arrays parse, then crash the process on dump()).
#pragma once

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace memgpt {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Deeper than any document, request or tool call we read; shallow enough for recursion.
inline constexpr int kMaxJsonDepth = 256;

// The deepest nesting of arrays and objects in `text`, counted without parsing (linear, strings
// and escapes skipped); stops counting once past `limit`.
int json_nesting_depth(std::string_view text, int limit = kMaxJsonDepth);

// Parses text, turning a syntax error or too deep nesting into a one-line Status naming `what`.
Result<Json> parse_json(std::string_view text, std::string_view what = "JSON");

// Parses text; a syntax error or too deep nesting gives a discarded value (is_discarded()).
Json parse_json_or_discarded(std::string_view text);
OrderedJson parse_ordered_json_or_discarded(std::string_view text);

// Appends `text` as a JSON string, exactly as Json(text).dump() writes it, without building a
// Json: for rows written on every agent step (thousands of message ids).
void append_json_string(std::string& out, std::string_view text);

}  // namespace memgpt
