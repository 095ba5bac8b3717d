#include "llm/llama_runtime.h"

#include <llama.h>

#include <cstring>
#include <fstream>
#include <mutex>

namespace memgpt::llm {
namespace {

std::mutex log_mu;
std::string first_log_error;

void on_llama_log(ggml_log_level level, const char* text, void*) {
  if (level != GGML_LOG_LEVEL_ERROR || text == nullptr) return;
  std::string line = text;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  // "llama_model_load: error loading model: unknown model architecture: 'x'" -> the cause.
  const std::string kLoading = "error loading model: ";
  if (size_t at = line.find(kLoading); at != std::string::npos) line = line.substr(at + kLoading.size());
  std::lock_guard lock(log_mu);
  if (first_log_error.empty()) first_log_error = line;
}

}  // namespace

void init_llama_runtime() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(on_llama_log, nullptr);
    llama_backend_init();
  });
}

std::string take_llama_log_error() {
  std::lock_guard lock(log_mu);
  std::string out = std::move(first_log_error);
  first_log_error.clear();
  return out;
}

bool is_gguf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

}  // namespace memgpt::llm
