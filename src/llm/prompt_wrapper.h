// Prompt wrappers for local models without native tool calling (MemGPT's
// llm_chat_completion_wrappers). A wrapper turns a ChatRequest into one text prompt in the chat
// template a model was trained on, lists the functions in the system block, and reads the
// completion back. The model answers with one JSON object:
//   {"function": "<name>", "params": {"inner_thoughts": "...", <arguments>}}
// inner_thoughts becomes ChatMessage::content, the rest the arguments of one ToolCall.
// Parsing never fails: output that cannot be understood becomes a tool call whose arguments are
// the raw text, which the agent reports back to the model as a Failed function result.
// Thread-safety: wrappers are immutable after construction.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "llm/chat_model.h"
#include "util/json.h"
#include "util/status.h"

namespace memgpt::llm {

// The tool call name used when a completion names no function at all.
inline constexpr const char* kUnknownFunctionName = "unknown_function";

struct WrappedPrompt {
  std::string prompt;
  // Text the prompt already ends with that belongs to the answer (e.g. `{\n  "function":`),
  // so unconstrained models start the JSON right; parse() puts it back in front.
  std::string prefill;
  std::vector<std::string> stop;       // stop sequences for the backend
  bool expects_function_call = false;  // false: plain text answer (no tools, tool_choice none)
  Json tools = Json::array();          // the tools offered (after tool_choice narrowing)
};

class PromptWrapper {
 public:
  virtual ~PromptWrapper() = default;
  virtual std::string name() const = 0;
  // `prefill`: end the prompt with the start of the JSON answer. Off when the backend constrains
  // the output with a grammar or schema (the constraint then starts at the opening brace).
  virtual WrappedPrompt render(const ChatRequest& request, bool prefill) const = 0;
  // The assistant message for `completion` (the text generated after `prompt.prompt`).
  virtual ChatMessage parse(const std::string& completion, const WrappedPrompt& prompt) const = 0;
};

// chatml (default for an empty name), llama3, airoboros-l2-70b-2.1, zephyr-7B,
// dolphin-2.1-mistral-7b, and their "-grammar" variants. Unknown names: kInvalidArgument listing
// the known ones.
Result<std::unique_ptr<PromptWrapper>> make_prompt_wrapper(const std::string& name);
std::vector<std::string> known_prompt_wrappers();

// The same protocol as (role, content) turns for a model's own chat template (the in-process
// backend applies the template from the GGUF): the functions listed in the system turn, earlier
// calls written as the JSON answers, function results and later system messages as user turns
// (few templates know a tool role or a second system turn).
struct ProtocolTurn {
  std::string role;  // system | user | assistant
  std::string content;
};
struct ProtocolTurns {
  std::vector<ProtocolTurn> turns;
  bool expects_function_call = false;
  // The tools the model may call (after tool_choice narrowing); the system turn lists all of
  // the request's tools either way.
  Json tools = Json::array();
};
ProtocolTurns protocol_turns(const ChatRequest& request);

// Shared by every wrapper: the ChatMessage for a completion in the JSON protocol above.
ChatMessage parse_function_call_output(const std::string& completion, const std::string& prefill);

}  // namespace memgpt::llm
