// What a backend needs to know, mapped from the config file / agent state by the caller.
#pragma once

#include <memory>
#include <string>

#include "config/providers.h"
#include "llm/chat_model.h"
#include "util/http_client.h"

namespace memgpt::llm {

inline constexpr int kDefaultModelTimeoutMs = 120000;

struct LlmConfig {
  std::string model;
  std::string model_endpoint;       // base URL, e.g. https://api.openai.com/v1
  std::string model_endpoint_type;  // openai | azure | anthropic | groq | together | openrouter |
                                    // ollama | llamacpp | vllm | lmstudio | koboldcpp | webui
  std::string model_wrapper;        // local backends without tool calling (chatml, ...)
  int context_window = kDefaultContextWindow;
  std::string api_key;
  std::string api_version;  // azure
  // One model call, every attempt and wait included, ends within this ([model] timeout).
  int timeout_ms = kDefaultModelTimeoutMs;
  int max_attempts = 4;  // attempts on 429 / 5xx / connection errors, all within timeout_ms
  // In-process model (endpoint type "local"): CPU threads ([model] threads); 0 = see
  // local_model_threads. More threads than free cores make every token slower.
  int threads = 0;
};

// The CPU threads of the in-process model: `configured` ([model] threads) when > 0, else
// MEMGPT_LLM_THREADS from the environment when it is a positive number, else min(cores, 4).
int local_model_threads(int configured);

// The backend for `config`; kUnimplemented for endpoint types this build cannot speak.
Result<std::unique_ptr<ChatModel>> make_chat_model(const LlmConfig& config,
                                                   std::shared_ptr<HttpClient> http = nullptr);

// Context window of well-known models (0 when unknown).
int known_context_window(const std::string& model);

}  // namespace memgpt::llm
