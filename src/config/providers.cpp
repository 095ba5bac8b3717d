#include "config/providers.h"

namespace memgpt {
namespace {

constexpr Provider kProviders[] = {
    // type, api, endpoint, quickstart model, window, wrapper, credentials, +/v1, thoughts, models
    {"openai", ProviderApi::kOpenAI, "https://api.openai.com/v1", "gpt-4o-mini", 128000, "", "openai", false,
     false, "/models"},
    {"azure", ProviderApi::kOpenAI, "", "gpt-4o-mini", 128000, "", "azure", false, false, "/models"},
    {"groq", ProviderApi::kOpenAI, "https://api.groq.com/openai/v1", "llama-3.1-70b-versatile", 8192, "", "groq",
     false, false, "/models"},
    {"together", ProviderApi::kOpenAI, "https://api.together.xyz/v1", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
     8192, "", "openai", false, false, "/models"},
    {"openrouter", ProviderApi::kOpenAI, "https://openrouter.ai/api/v1", "openai/gpt-4o-mini", 128000, "", "openai",
     false, false, "/models"},
    {"ollama", ProviderApi::kLocal, "http://localhost:11434", "llama3.1", 8192, "chatml", "openai", false, true,
     "/api/tags"},
    {"llamacpp", ProviderApi::kLocal, "http://localhost:8080", "local", 8192, "chatml", "openai", true, true, "/models"},
    {"vllm", ProviderApi::kOpenAI, "http://localhost:8000", "meta-llama/Meta-Llama-3.1-8B-Instruct", 8192, "chatml",
     "openai", true, true, "/models"},
    {"lmstudio", ProviderApi::kLocal, "http://localhost:1234", "local-model", 8192, "chatml", "openai", true, true,
     "/models"},
    {"koboldcpp", ProviderApi::kLocal, "http://localhost:5001", "local", 8192, "chatml", "openai", false, true,
     "/api/v1/model"},
    {"webui", ProviderApi::kLocal, "http://localhost:5000", "local", 8192, "chatml", "openai", true, true, "/models"},
    // In process: a GGUF file run by llama.cpp (llm/llama_chat.h); the model is a path or the packaged name.
    {"local", ProviderApi::kInProcess, "", "smollm2-135m-instruct", 8192, "chatml", "openai", false, true, ""},
    {"anthropic", ProviderApi::kAnthropic, "https://api.anthropic.com/v1", "claude-3-5-sonnet-20241022", 200000, "",
     "anthropic", false, false, "/models"},
};

}  // namespace

std::span<const Provider> providers() { return kProviders; }

const Provider* find_provider(std::string_view type) {
  for (const Provider& p : kProviders) {
    if (p.type == type) return &p;
  }
  return nullptr;
}

std::string provider_type_list() {
  std::string out;
  for (const Provider& p : kProviders) {
    if (!out.empty()) out += ", ";
    out += p.type;
  }
  return out;
}

}  // namespace memgpt
