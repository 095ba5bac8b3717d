#pragma once
// The one UTF-8 well-formedness rule (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), for text that did not come through a JSON parser (files, model output assembled
// from token bytes, rows): nlohmann::json refuses to serialise anything else.
#include <string>
#include <string_view>

namespace memgpt {

// Position of the first byte that does not start a well-formed character, or npos.
size_t invalid_utf8_at(std::string_view s);

inline bool is_valid_utf8(std::string_view s) { return invalid_utf8_at(s) == std::string_view::npos; }

// `s` with every byte that does not start a well-formed character (including a sequence cut
// off at the end) replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

}  // namespace memgpt
