#include "llm/llama_memory.h"

#include <fmt/format.h>
#include <gguf.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

namespace memgpt::llm {
namespace {

struct GgufDeleter {
  void operator()(gguf_context* g) const { gguf_free(g); }
};

// An unsigned or signed integer value of `key` (0 when missing or not an integer).
int64_t int_value(const gguf_context* g, const std::string& key) {
  int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0) return 0;
  switch (gguf_get_kv_type(g, id)) {
    case GGUF_TYPE_UINT8: return gguf_get_val_u8(g, id);
    case GGUF_TYPE_INT8: return gguf_get_val_i8(g, id);
    case GGUF_TYPE_UINT16: return gguf_get_val_u16(g, id);
    case GGUF_TYPE_INT16: return gguf_get_val_i16(g, id);
    case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
    case GGUF_TYPE_INT32: return gguf_get_val_i32(g, id);
    case GGUF_TYPE_UINT64: return static_cast<int64_t>(gguf_get_val_u64(g, id));
    case GGUF_TYPE_INT64: return gguf_get_val_i64(g, id);
    default: return 0;
  }
}

// The sum over layers of an integer that may be one value or one per layer (head_count_kv of
// models whose layers differ).
int64_t per_layer_sum(const gguf_context* g, const std::string& key, int64_t layers) {
  int64_t id = gguf_find_key(g, key.c_str());
  if (id < 0) return 0;
  if (gguf_get_kv_type(g, id) != GGUF_TYPE_ARRAY) return int_value(g, key) * layers;
  const size_t n = gguf_get_arr_n(g, id);
  const void* data = gguf_get_arr_data(g, id);
  int64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    switch (gguf_get_arr_type(g, id)) {
      case GGUF_TYPE_INT32: sum += static_cast<const int32_t*>(data)[i]; break;
      case GGUF_TYPE_UINT32: sum += static_cast<const uint32_t*>(data)[i]; break;
      default: return 0;
    }
  }
  return sum;
}

uint64_t read_u64(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  try {
    return std::stoull(text);
  } catch (...) {
    return 0;
  }
}

// The cgroup v2 the process is in ("0::/path" in /proc/self/cgroup).
std::string cgroup_dir() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return "/sys/fs/cgroup" + line.substr(3);
  }
  return "";
}

constexpr uint64_t kMiB = 1024 * 1024;
constexpr int64_t kKvElementBytes = 2;  // llama.cpp's default KV cache type is f16

}  // namespace

Result<GgufFacts> read_gguf_facts(const std::string& path) {
  gguf_init_params params{/*no_alloc=*/true, /*ctx=*/nullptr};
  std::unique_ptr<gguf_context, GgufDeleter> g(gguf_init_from_file(path.c_str(), params));
  if (!g) return invalid_argument(fmt::format("{} is not a readable GGUF file (damaged or truncated)", path));
  GgufFacts f;
  int64_t arch_id = gguf_find_key(g.get(), "general.architecture");
  if (arch_id >= 0 && gguf_get_kv_type(g.get(), arch_id) == GGUF_TYPE_STRING) {
    f.architecture = gguf_get_val_str(g.get(), arch_id);
  }
  const std::string& a = f.architecture;
  f.context_length = int_value(g.get(), a + ".context_length");
  f.layers = int_value(g.get(), a + ".block_count");
  f.embedding = int_value(g.get(), a + ".embedding_length");
  int64_t heads = int_value(g.get(), a + ".attention.head_count");
  int64_t head_size = heads > 0 ? f.embedding / heads : 0;
  int64_t key_size = int_value(g.get(), a + ".attention.key_length");
  int64_t value_size = int_value(g.get(), a + ".attention.value_length");
  if (key_size == 0) key_size = head_size;
  if (value_size == 0) value_size = head_size;
  int64_t kv_heads = per_layer_sum(g.get(), a + ".attention.head_count_kv", f.layers);
  if (kv_heads == 0) kv_heads = heads * f.layers;  // no grouped-query attention
  if (f.layers > 0) f.kv_width = (kv_heads * (key_size + value_size) + f.layers - 1) / f.layers;
  f.vocab = int_value(g.get(), a + ".vocab_size");
  if (f.vocab == 0) {
    int64_t tokens = gguf_find_key(g.get(), "tokenizer.ggml.tokens");
    if (tokens >= 0 && gguf_get_kv_type(g.get(), tokens) == GGUF_TYPE_ARRAY) {
      f.vocab = static_cast<int64_t>(gguf_get_arr_n(g.get(), tokens));
    }
  }
  return f;
}

MemoryNeed estimate_memory(const GgufFacts& facts, uint64_t file_bytes, int64_t n_ctx, int64_t n_batch) {
  MemoryNeed need;
  need.weights = file_bytes;
  need.kv_cache = static_cast<uint64_t>(std::max<int64_t>(n_ctx, 0) * facts.layers * facts.kv_width * kKvElementBytes);
  // llama.cpp reserves its compute buffer for a whole batch of logits (n_batch x vocab floats:
  // 258 MiB for Llama 3 8B) and a few rows of activations per token; plus a little for itself
  // and the grammar sampler. (SmolLM2-135M at 8192 tokens: 406 MiB estimated, 375 MiB peak RSS
  // of a whole `memgpt run`.)
  uint64_t batch = static_cast<uint64_t>(n_batch * (facts.vocab + 4 * facts.embedding) * 4);
  need.compute = batch + 32 * kMiB;
  return need;
}

std::optional<uint64_t> available_memory() {
  std::optional<uint64_t> out;
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    uint64_t kib = 0;
    if (fields >> kib) out = kib * 1024;
    break;
  }
  std::string dir = cgroup_dir();
  if (!dir.empty()) {
    uint64_t max = read_u64(dir + "/memory.max");
    if (max > 0) {
      uint64_t current = read_u64(dir + "/memory.current");
      uint64_t left = max > current ? max - current : 0;
      out = out ? std::min(*out, left) : left;
    }
  }
  return out;
}

std::string human_bytes(uint64_t bytes) {
  if (bytes >= 1024 * kMiB) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1024.0 * kMiB));
  return fmt::format("{} MiB", (bytes + kMiB - 1) / kMiB);
}

Status check_memory(const MemoryNeed& need, uint64_t available, int64_t n_ctx) {
  if (need.total() <= available) return Status::ok_status();
  return Status(ErrorCode::kResourceExhausted,
                fmt::format("not enough memory for the local model: it needs about {} (weights {}, context of {} "
                            "tokens {}) but {} is free; use a smaller --context-window or a smaller model",
                            human_bytes(need.total()), human_bytes(need.weights), n_ctx,
                            human_bytes(need.kv_cache + need.compute), human_bytes(available)));
}

}  // namespace memgpt::llm
