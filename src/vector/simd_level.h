// The SIMD level of the embedded engine's distance kernels (simd_distance.h), chosen once per
// process: the widest this CPU and OS support, or MEMGPT_SIMD=sse|avx2|avx512 for tests and
// benches. A level this CPU lacks, or an unknown value, falls back to the widest supported one
// with a one-line note on stderr (a setting meant for benches should not stop an agent).
#pragma once

#include <string>
#include <vector>

namespace memgpt::vector::embedded {

enum class SimdLevel { kSse, kAvx2, kAvx512 };

const char* simd_level_name(SimdLevel level);
// The levels this CPU (and OS) can run, narrowest first; kSse is always there.
std::vector<SimdLevel> supported_simd_levels();

struct SimdChoice {
  SimdLevel level;
  std::string note;  // empty, or why the requested level was not used
};
// The level for a MEMGPT_SIMD value (null or empty: the widest supported).
SimdChoice choose_simd_level(const char* requested);
// The process's choice: choose_simd_level(getenv("MEMGPT_SIMD")), decided once. Its note is
// for the app layer to show (the CLI prints it at start); this layer prints nothing.
const SimdChoice& simd_choice();
SimdLevel simd_level();

}  // namespace memgpt::vector::embedded
