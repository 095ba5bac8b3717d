// The local backends of MemGPT for models without native tool calling: each speaks its
// server's own completion API with one text prompt built by a prompt wrapper
// (llm/prompt_wrapper.h), constrains the output with a grammar or JSON schema where the server
// supports one (llm/function_grammar.h), and parses the completion back into one tool call.
//   ollama     POST {endpoint}/api/generate      raw prompt, `format` = JSON schema
//   llamacpp   POST {endpoint}/completion        `grammar` (GBNF)
//   koboldcpp  POST {endpoint}/api/v1/generate   `grammar` (GBNF)
//   webui      POST {endpoint}/v1/completions    `grammar_string` (GBNF)
//   lmstudio   POST {endpoint}/v1/completions    unconstrained (answer prefix + JSON repair)
// These servers' OpenAI-compatible /v1 APIs stay usable with model_endpoint_type=openai.
#pragma once

#include <memory>
#include <string>

#include "llm/llm_config.h"

namespace memgpt::llm {

bool is_local_backend(const std::string& endpoint_type);

// kInvalidArgument for a missing endpoint/model or an unknown model_wrapper.
Result<std::unique_ptr<ChatModel>> make_local_chat_model(const LlmConfig& config,
                                                         std::shared_ptr<HttpClient> http);

}  // namespace memgpt::llm
