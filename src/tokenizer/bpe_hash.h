// The hash shared by the build-time table generator and the run-time lookup (FNV-1a, 64 bit).
#pragma once

#include <cstddef>
#include <cstdint>

namespace memgpt::tokenizer {

inline uint64_t bpe_hash(const char* data, size_t size) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace memgpt::tokenizer
