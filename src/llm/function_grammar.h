// Constrained output for local backends: from OpenAI tool definitions to the only answers the
// prompt-wrapper protocol allows,
//   {"function": <one of the names>, "params": {"inner_thoughts": string, <that function's args>}}
// as (a) a GBNF grammar (llama.cpp `grammar`, koboldcpp `grammar`, text-generation-webui
// `grammar_string`) and (b) a JSON schema (Ollama `format`, llama.cpp `json_schema`).
// inner_thoughts always comes first so the model thinks before it acts; then the required
// arguments in the order of `required`, then the optional ones.
#pragma once

#include <string>
#include <vector>

#include "util/json.h"

namespace memgpt::llm {

struct FunctionParam {
  std::string name;
  Json schema;  // the property's JSON schema
  bool required = false;
};

// The parameters of one tool's `function` object in answer order: inner_thoughts (added when
// the tool lacks it), the required ones in `required` order, then the optional ones.
std::vector<FunctionParam> function_params(const Json& function);

// GBNF text whose start rule is `root`.
std::string function_call_gbnf(const Json& tools);

// JSON schema (anyOf over the functions). Ordered, because grammar converters keep property
// order and inner_thoughts must be generated first.
OrderedJson function_call_json_schema(const Json& tools);

}  // namespace memgpt::llm
