// One loaded copy of each GGUF per process: every in-process chat model that runs the same file
// shares its weights (llama_model, read-only once loaded) and keeps its own llama_context (KV
// cache, prefix reuse). The weights are freed when the last model using them goes; a context is
// freed with its chat model (e.g. when an agent leaves the server's agent cache).
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "util/status.h"
#include "llm/chat_model.h"

struct llama_model;
struct llama_context;
struct llama_context_params;

namespace memgpt::llm {

class LoadedModel {
 public:
  LoadedModel(std::string path, llama_model* model);
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  llama_model* get() const { return model_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  llama_model* model_;
};

struct ContextDeleter {
  void operator()(llama_context* ctx) const;
};
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

// The weights of the GGUF at `path` (the same file: its canonical path, size and modification
// time), loaded now or shared with the chat models already using them. One-line errors: a model
// this llama.cpp cannot load (unknown architecture, damaged file).
Result<std::shared_ptr<const LoadedModel>> acquire_model(const std::string& path);
// Whether the file's weights are loaded in this process now.
bool is_model_loaded(const std::string& path);
// A context on `model` (counted in model_registry_counts); null when llama.cpp refuses.
ContextPtr new_context(const LoadedModel& model, const llama_context_params& params);

struct ModelRegistryCounts {
  int64_t loads = 0;          // weights loaded from a file since the process started
  int64_t live_models = 0;    // weights in memory now
  int64_t live_contexts = 0;  // contexts in memory now
};
ModelRegistryCounts model_registry_counts();

}  // namespace memgpt::llm
