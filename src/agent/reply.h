// Reading a model's reply: the inner monologue (the message content, or an inner_thoughts
// argument for models that leave it empty), the one function call that runs, with arguments
// repaired when they are almost JSON (never when the reply was cut off at the token limit),
// and MemGPT's limit on how much of a function's result goes back into the context.
// Pure functions: no store, no model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "llm/chat_model.h"
#include "util/json.h"

namespace memgpt::agent {

// The monologue: the content, else (with `inner_thoughts_in_args`) the first call's
// inner_thoughts argument.
std::string inner_thoughts(const llm::ChatMessage& reply, bool inner_thoughts_in_args);

struct ParsedCall {
  llm::ToolCall call;            // the first call of the reply, with an id
  Json args = Json::object();    // to run with: without request_heartbeat and inner_thoughts
  std::string stored_arguments;  // as stored with the message: the model's, minus inner_thoughts
  bool heartbeat = false;        // request_heartbeat (true or "true")
  bool runnable = false;         // the arguments are a JSON object
  std::string failure;           // why it cannot run (for the model), when not runnable
};

// The first call of `reply` (which must have one); `finish_reason` "length" marks a reply cut
// off at the output token limit.
ParsedCall parse_first_call(const llm::ChatMessage& reply, const std::string& finish_reason);

// Search results may fill the context window; everything else is cut at MemGPT's 3000
// characters (on a UTF-8 boundary, with a note saying so).
int64_t result_char_limit(const std::string& function_name, int64_t context_window);
std::string cut_result(const std::string& text, int64_t limit);

}  // namespace memgpt::agent
