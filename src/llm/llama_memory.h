// What a GGUF model needs in memory before it is loaded, so a model too big for the machine is a
// one-line error instead of a process the kernel kills: the weights (the file's size), the KV
// cache (n_ctx x layers x (key width + value width) x element size, from the GGUF's metadata
// read with llama.cpp's gguf API) and a margin for the compute buffers. Compared with what the
// process may still use: MemAvailable, and a cgroup v2 memory.max when one is set.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "util/status.h"

namespace memgpt::llm {

// What the GGUF's header says about the model (0 where a key is missing).
struct GgufFacts {
  std::string architecture;
  int64_t context_length = 0;  // the trained window
  int64_t layers = 0;
  int64_t kv_width = 0;        // key width + value width of one layer (heads_kv x head size each)
  int64_t vocab = 0;
  int64_t embedding = 0;
};

// kInvalidArgument when the file is not a readable GGUF (damaged, truncated).
Result<GgufFacts> read_gguf_facts(const std::string& path);

struct MemoryNeed {
  uint64_t weights = 0;  // 0 when the weights are already loaded in this process
  uint64_t kv_cache = 0;
  uint64_t compute = 0;  // the margin for compute buffers and llama.cpp's own allocations
  uint64_t total() const { return weights + kv_cache + compute; }
};

// The need of a context of `n_ctx` tokens (f16 KV cache, batches of `n_batch` tokens).
MemoryNeed estimate_memory(const GgufFacts& facts, uint64_t file_bytes, int64_t n_ctx, int64_t n_batch);

// Bytes this process may still allocate: min(MemAvailable, cgroup v2 memory.max - current);
// nullopt when neither can be read.
std::optional<uint64_t> available_memory();

// kResourceExhausted, one line, when `need` exceeds `available`: how much is needed, how much is
// free, and what to do about it.
Status check_memory(const MemoryNeed& need, uint64_t available, int64_t n_ctx);

// "1.2 GiB", "300 MiB".
std::string human_bytes(uint64_t bytes);

}  // namespace memgpt::llm
