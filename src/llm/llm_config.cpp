#include "llm/llm_config.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace memgpt::llm {
namespace {
// Beyond 4 threads a small model on a shared machine gains little and its neighbours lose.
constexpr int kMaxDefaultThreads = 4;
}  // namespace

int local_model_threads(int configured) {
  if (configured > 0) return configured;
  if (const char* env = std::getenv("MEMGPT_LLM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, kMaxDefaultThreads);
}

}  // namespace memgpt::llm
