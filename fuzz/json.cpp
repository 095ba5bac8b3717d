// The one JSON entry point for outside text (util/json.h): parse_json either refuses or gives
// a value no deeper than kMaxJsonDepth, which dumps without exhausting the stack; the depth
// count agrees with the parser's verdict.
#include "fuzz_support.h"
#include "json_depth.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = memgpt::fuzz::as_text(data, size);
  auto parsed = memgpt::parse_json(text, "body");
  memgpt::Json discarded = memgpt::parse_json_or_discarded(text);
  if (parsed.ok() == discarded.is_discarded()) memgpt::fuzz::finding("parse_json and parse_json_or_discarded disagree");
  if (!parsed.ok()) {
    if (parsed.status().message().empty()) memgpt::fuzz::finding("a refused JSON text has no message");
    return 0;
  }
  if (memgpt::fuzz::depth_of(*parsed) > memgpt::kMaxJsonDepth) memgpt::fuzz::finding("a value deeper than kMaxJsonDepth was accepted");
  std::string dumped = parsed->dump(-1, ' ', false, memgpt::Json::error_handler_t::replace);
  auto back = memgpt::parse_json(dumped);
  if (!back.ok() || *back != *parsed) memgpt::fuzz::finding("dump of a parsed value does not parse back to it");
  return 0;
}
