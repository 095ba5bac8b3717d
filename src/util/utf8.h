#pragma once
// UTF-8 checks for text that did not come through a JSON parser (model output assembled from
// token bytes, file contents): nlohmann::json refuses to serialise invalid UTF-8.
#include <string>
#include <string_view>

namespace memgpt {

// `s` with every byte that does not start a well-formed UTF-8 character (overlong forms,
// surrogates, code points past U+10FFFF, cut-off sequences) replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

}  // namespace memgpt
