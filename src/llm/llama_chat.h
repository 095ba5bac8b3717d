// The in-process local model (model_endpoint_type "local"): a GGUF file run by llama.cpp inside
// memgpt, no server. The prompt is the wrappers' function protocol (llm/prompt_wrapper.h) laid
// out with the chat template from the GGUF's metadata (or, for templates llama.cpp does not
// know, the configured prompt wrapper); function calls are constrained by the GBNF grammar of
// the offered functions (llm/function_grammar.h), so every call parses. The tokens a call shares
// with the previous prompt stay in the KV cache: a step evaluates only what changed.
// The weights are shared with every other chat model of the process that runs the same file
// (llm/llama_models.h); the context (KV cache) is this model's own, created at its first call.
// Streaming: on_delta gets the call as it is generated (llm/call_stream.h). Cancelling is
// honoured between tokens, and between batches while the prompt is evaluated.
// Thread-safety: calls are serialised (one model context).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "llm/llm_config.h"

namespace memgpt::llm {

// The model a quickstart picks: SmolLM2-135M-Instruct (Q4_1), which scripts/setup.sh fetches.
inline constexpr const char* kPackagedLocalModel = "smollm2-135m-instruct";

// The GGUF file for `model`: the packaged default by name (or empty), else a path ("~/" expands).
// kNotFound with what to do when there is no such file.
Result<std::string> resolve_local_model(const std::string& model);

// What the last completed call did, for tests and benchmarks.
struct LocalCallStats {
  int64_t prompt_tokens = 0;     // the whole prompt
  int64_t evaluated_tokens = 0;  // of which evaluated now (the rest came from the KV cache)
  int64_t generated_tokens = 0;
  double evaluate_ms = 0;  // evaluating the prompt tokens
  double generate_ms = 0;  // sampling and evaluating the generated tokens
};

// Switches for benchmarks (bench/llm); both on in memgpt itself.
struct LocalModelSwitches {
  bool grammar = true;       // constrain function calls by the GBNF grammar of the functions
  bool reuse_prefix = true;  // keep the prefix shared with the previous prompt in the KV cache
};

class LlamaChatModel : public ChatModel {
 public:
  ~LlamaChatModel() override;
  virtual LocalCallStats last_call_stats() const = 0;
  virtual void set_switches(LocalModelSwitches switches) = 0;
  // The number of CPU threads in use.
  virtual int threads() const = 0;
};

struct LocalModelOptions {
  // The bytes the process may still allocate (tests); unset: llm::available_memory().
  std::function<std::optional<uint64_t>()> available_memory;
};

// Loads the model (or shares the weights already loaded). The context window is the configured
// one, clamped to the model's trained window (see context_window()). One-line errors: no such
// file, not a GGUF file, not enough memory for the weights and the context (estimated before
// loading), a model this llama.cpp cannot load (unknown architecture, damaged file), an unknown
// model_wrapper.
Result<std::unique_ptr<LlamaChatModel>> make_llama_chat_model(const LlmConfig& config,
                                                              const LocalModelOptions& options = {});

}  // namespace memgpt::llm
