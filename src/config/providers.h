// What memgpt knows about each LLM provider, in one table: the API it speaks, where it listens
// by default, the model and context window a quickstart picks, whether its output needs a prompt
// wrapper, where its credentials live and where an agent's inner thoughts travel. configure,
// quickstart, the runtime, the backends and the server all read this table; a new provider is
// one row here plus, if it speaks a new API, a backend in llm/.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace memgpt {

// The context window of a model nobody gave one for (an agent, the configuration, a backend).
inline constexpr int kDefaultContextWindow = 8192;

enum class ProviderApi {
  kOpenAI,     // Chat Completions with tool calls (OpenAI and compatible servers)
  kAnthropic,  // Messages API with tool use
  kLocal,      // a local server's native completion API with a prompt wrapper
  kInProcess,  // a GGUF file run inside memgpt (llama.cpp), the wrappers' protocol
};

struct Provider {
  std::string_view type;              // the [model] model_endpoint_type value
  ProviderApi api;
  std::string_view default_endpoint;  // empty when the user must give one (azure)
  std::string_view default_model;     // what `memgpt quickstart` picks
  int default_context_window;
  std::string_view default_wrapper;   // prompt wrapper for kLocal providers, else empty
  // [section] key in ~/.memgpt/credentials. Local servers started with an API key (llama.cpp
  // --api-key) take the [openai] key as a bearer token, as OpenAI-compatible clients do.
  std::string_view credential_section;
  // Local OpenAI-compatible servers are often configured without the /v1 suffix.
  bool appends_v1;
  // Models of prompt-wrapped providers leave the message content empty when they call a
  // function, so the monologue travels as an `inner_thoughts` argument.
  bool inner_thoughts_in_args;
  // Where the configure check lists models, relative to the endpoint.
  std::string_view models_path;
};

// Every provider, in the order `memgpt configure` offers them.
std::span<const Provider> providers();

// The provider of `type`, or nullptr when memgpt does not know it.
const Provider* find_provider(std::string_view type);

// "openai, azure, ..." for error messages.
std::string provider_type_list();

}  // namespace memgpt
