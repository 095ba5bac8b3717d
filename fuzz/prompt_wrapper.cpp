// Reading local models' completions back through each prompt wrapper (llm/prompt_wrapper.h):
// parsing never fails and never throws; the answer is one assistant message whose calls all
// have a name (the agent answers unreadable output with a failed call, by that name).
#include "fuzz_support.h"
#include "llm/prompt_wrapper.h"

namespace {

using namespace memgpt::llm;

struct Wrapped {
  std::unique_ptr<PromptWrapper> wrapper;
  WrappedPrompt prompt;
};

const std::vector<Wrapped>& wrappers() {
  static const std::vector<Wrapped> all = [] {
    ChatRequest request;
    request.messages = {{"system", "You are a test.", {}, "", ""}, {"user", "hello", {}, "", ""}};
    request.tools = memgpt::Json::parse(R"([
      {"type": "function", "function": {"name": "send_message", "description": "Sends a message.",
        "parameters": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}}},
      {"type": "function", "function": {"name": "archival_memory_search", "description": "Searches.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}, "page": {"type": "integer"}},
        "required": ["query"]}}}])");
    std::vector<Wrapped> out;
    for (const auto& name : known_prompt_wrappers()) {
      for (bool prefill : {false, true}) {
        auto w = make_prompt_wrapper(name);
        if (!w.ok()) memgpt::fuzz::finding("a known wrapper cannot be made: " + name);
        WrappedPrompt p = (*w)->render(request, prefill);
        out.push_back({std::move(*w), std::move(p)});
      }
    }
    return out;
  }();
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& all = wrappers();
  const Wrapped& w = all[data[0] % all.size()];
  std::string completion(memgpt::fuzz::as_text(data + 1, size - 1));
  ChatMessage m = w.wrapper->parse(completion, w.prompt);
  if (m.role != "assistant") memgpt::fuzz::finding("a parsed completion is not an assistant message");
  for (const auto& call : m.tool_calls) {
    if (call.name.empty()) memgpt::fuzz::finding("a parsed call has no name");
  }
  ChatMessage again = parse_function_call_output(completion, w.prompt.prefill);
  if (again.tool_calls.size() != 1) memgpt::fuzz::finding("parse_function_call_output gave other than one call");
  return 0;
}
