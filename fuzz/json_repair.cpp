// The tolerant reading of model output as a JSON object (llm/json_repair.h): any text gives an
// object or nothing, within the nesting bound, and what it gives dumps as JSON that parses back
// (the agent stores it and sends it to the model again).
#include "fuzz_support.h"
#include "json_depth.h"
#include "llm/json_repair.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(memgpt::fuzz::as_text(data, size));
  auto parsed = memgpt::llm::parse_json_leniently(text);
  if (!parsed) return 0;
  if (!parsed->is_object()) memgpt::fuzz::finding("parse_json_leniently gave something other than an object");
  if (memgpt::fuzz::depth_of(*parsed) > memgpt::kMaxJsonDepth) memgpt::fuzz::finding("a repaired object is deeper than kMaxJsonDepth");
  std::string dumped = parsed->dump();  // strict: a repaired string must be valid UTF-8
  auto back = memgpt::parse_json(dumped);
  if (!back.ok() || *back != *parsed) memgpt::fuzz::finding("a repaired object does not dump and parse back to itself");
  return 0;
}
