#include "llm/llama_models.h"

#include "llm/llama_runtime.h"

#include <fmt/format.h>
#include <llama.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>

namespace memgpt::llm {
namespace {

// The same file: where it really is, how long it is and when it last changed (a file replaced
// in place is loaded again).
std::string file_identity(const std::string& path) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path, ec);
  std::string where = ec ? path : canonical.string();
  auto size = std::filesystem::file_size(where, ec);
  auto changed = std::filesystem::last_write_time(where, ec);
  return fmt::format("{}\n{}\n{}", where, ec ? 0 : size, ec ? 0 : changed.time_since_epoch().count());
}

struct Registry {
  std::mutex mu;  // held while loading, so two agents opening the same file load it once
  std::map<std::string, std::weak_ptr<const LoadedModel>> models;
  std::atomic<int64_t> loads{0};
  std::atomic<int64_t> live_models{0};
  std::atomic<int64_t> live_contexts{0};
};

Registry& registry() {
  static Registry* r = new Registry();  // never destroyed: models may outlive static teardown
  return *r;
}

}  // namespace

LoadedModel::LoadedModel(std::string path, llama_model* model) : path_(std::move(path)), model_(model) {
  ++registry().live_models;
}

LoadedModel::~LoadedModel() {
  llama_model_free(model_);
  --registry().live_models;
}

void ContextDeleter::operator()(llama_context* ctx) const {
  llama_free(ctx);
  --registry().live_contexts;
}

Result<std::shared_ptr<const LoadedModel>> acquire_model(const std::string& path) {
  init_llama_runtime();
  Registry& r = registry();
  const std::string key = file_identity(path);
  std::lock_guard lock(r.mu);
  if (auto shared = r.models[key].lock()) return shared;
  take_llama_log_error();
  llama_model_params params = llama_model_default_params();
  params.n_gpu_layers = 0;
  llama_model* model = llama_model_load_from_file(path.c_str(), params);
  if (model == nullptr) {
    r.models.erase(key);
    std::string why = take_llama_log_error();
    return llm_failure(ErrorCode::kInvalidArgument,
                       fmt::format("{}: llama.cpp cannot load this model{}{}", path, why.empty() ? "" : ": ", why),
                       LlmError::kModelNotFound);
  }
  ++r.loads;
  auto shared = std::make_shared<const LoadedModel>(path, model);
  r.models[key] = shared;
  return shared;
}

bool is_model_loaded(const std::string& path) {
  Registry& r = registry();
  const std::string key = file_identity(path);
  std::lock_guard lock(r.mu);
  auto it = r.models.find(key);
  return it != r.models.end() && !it->second.expired();
}

ContextPtr new_context(const LoadedModel& model, const llama_context_params& params) {
  llama_context* ctx = llama_init_from_model(model.get(), params);
  if (ctx == nullptr) return nullptr;
  ++registry().live_contexts;
  return ContextPtr(ctx);
}

ModelRegistryCounts model_registry_counts() {
  Registry& r = registry();
  return {r.loads.load(), r.live_models.load(), r.live_contexts.load()};
}

}  // namespace memgpt::llm
