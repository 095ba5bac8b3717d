// Constrained output for local models (llm/function_grammar.h) from tool definitions with any
// JSON schema in their parameters: the GBNF grammar and the JSON schema are produced without
// crashing; the grammar is well formed (the tests' GBNF interpreter reads it) and accepts the
// smallest call of a function that requires no arguments.
#include "fuzz_support.h"
#include "llm/function_grammar.h"
#include "unit/llm/gbnf_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto tools = memgpt::parse_json(memgpt::fuzz::as_text(data, size));
  // The contract is OpenAI tool definitions: a list of objects (their contents are free).
  if (!tools.ok() || !tools->is_array()) return 0;
  for (const auto& t : *tools) {
    if (!t.is_object()) return 0;
  }
  std::string gbnf = memgpt::llm::function_call_gbnf(*tools);
  std::string schema = memgpt::llm::function_call_json_schema(*tools).dump(-1, ' ', false, memgpt::Json::error_handler_t::replace);
  if (memgpt::parse_json_or_discarded(schema).is_discarded()) memgpt::fuzz::finding("the JSON schema does not parse");
  if (gbnf.empty()) return 0;
  try {
    memgpt::llm::testing::GbnfMatcher grammar(gbnf);
    for (const auto& t : *tools) {
      const memgpt::Json fn = t.value("function", memgpt::Json::object());
      if (!fn.contains("name") || !fn["name"].is_string()) continue;
      auto params = memgpt::llm::function_params(fn);
      if (params.size() != 1 || !params[0].schema.is_object() || params[0].schema.value("type", "") != "string" ||
          params[0].schema.contains("enum") || params[0].schema.contains("const")) {
        break;
      }
      std::string call = "{\"function\": " + fn["name"].dump() + ", \"params\": {\"inner_thoughts\": \"hm\"}}";
      if (!grammar.matches(call)) memgpt::fuzz::finding("the grammar refuses the smallest call: " + call);
      break;
    }
  } catch (const std::exception& e) {
    memgpt::fuzz::finding(std::string("the grammar is not well formed: ") + e.what());
  }
  return 0;
}
