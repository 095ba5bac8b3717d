#include "vector/simd_distance.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

#if !defined(__x86_64__)
#error "the embedded engine's distance kernels are written for x86-64"
#endif
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics start from _mm*_undefined_*() values, which its own
// -Wuninitialized then reports wherever they are inlined (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wuninitialized"

// The wide kernels carry `target` attributes instead of living in files built with -mavx2 or
// -mavx512f: a file built with wider flags would also emit its copies of inline library code
// (std::vector, hnswlib) with wide instructions, and the linker may keep those copies for the
// whole program, which then crashes on an older CPU (or under valgrind).
#define MEMGPT_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define MEMGPT_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

namespace memgpt::vector::embedded {
namespace {

size_t dim_of(const void* param) { return *static_cast<const size_t*>(param); }

// ---- SSE (the build's baseline, x86-64-v2) ----

float hsum128(__m128 v) {
  __m128 high = _mm_movehl_ps(v, v);
  v = _mm_add_ps(v, high);
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 0x55));
  return _mm_cvtss_f32(v);
}

// Σ a·b (kL2: Σ (a-b)²) with four independent sums, so consecutive adds do not wait on each other.
template <bool kL2>
__m128 term_sse(__m128 a, __m128 b) {
  if constexpr (kL2) {
    __m128 d = _mm_sub_ps(a, b);
    return _mm_mul_ps(d, d);
  } else {
    return _mm_mul_ps(a, b);
  }
}

template <bool kL2>
float sum_sse(const float* a, const float* b, size_t n) {
  __m128 s0 = _mm_setzero_ps(), s1 = _mm_setzero_ps(), s2 = _mm_setzero_ps(), s3 = _mm_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm_add_ps(s0, term_sse<kL2>(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
    s1 = _mm_add_ps(s1, term_sse<kL2>(_mm_loadu_ps(a + i + 4), _mm_loadu_ps(b + i + 4)));
    s2 = _mm_add_ps(s2, term_sse<kL2>(_mm_loadu_ps(a + i + 8), _mm_loadu_ps(b + i + 8)));
    s3 = _mm_add_ps(s3, term_sse<kL2>(_mm_loadu_ps(a + i + 12), _mm_loadu_ps(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4) s0 = _mm_add_ps(s0, term_sse<kL2>(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
  float sum = hsum128(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
  for (; i < n; ++i) {
    float d = kL2 ? a[i] - b[i] : a[i] * b[i];
    sum += kL2 ? d * d : d;
  }
  return sum;
}

// ---- AVX2 + FMA ----

// Lanes [0, r) of a load of 8 floats, r in 0..8: the all-ones words of kTailMask + 8 - r.
constexpr int32_t kTailMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <bool kL2>
MEMGPT_TARGET_AVX2 __m256 fma_avx2(__m256 a, __m256 b, __m256 acc) {
  if constexpr (kL2) {
    __m256 d = _mm256_sub_ps(a, b);
    return _mm256_fmadd_ps(d, d, acc);
  } else {
    return _mm256_fmadd_ps(a, b, acc);
  }
}

template <bool kL2>
MEMGPT_TARGET_AVX2 float sum_avx2(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  // A masked head brings `b` (the graph's side) to a 32-byte boundary, so that no load of it
  // straddles two cache lines (see sum_avx512).
  size_t i = std::min(n, ((32 - (reinterpret_cast<uintptr_t>(b) & 31)) & 31) / sizeof(float));
  if (i > 0) {
    __m256i head = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - i));
    s3 = fma_avx2<kL2>(_mm256_maskload_ps(a, head), _mm256_maskload_ps(b, head), s3);
  }
  for (; i + 32 <= n; i += 32) {
    s0 = fma_avx2<kL2>(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = fma_avx2<kL2>(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = fma_avx2<kL2>(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = fma_avx2<kL2>(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = fma_avx2<kL2>(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  if (i < n) {  // masked loads read nothing past the end
    __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kTailMask + 8 - (n - i)));
    s1 = fma_avx2<kL2>(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask), s1);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
  __m128 half = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
  __m128 high = _mm_movehl_ps(half, half);
  half = _mm_add_ps(half, high);
  half = _mm_add_ss(half, _mm_shuffle_ps(half, half, 0x55));
  return _mm_cvtss_f32(half);
}

// ---- AVX-512 ----

// Horizontal sums folded by 128-bit blocks.
MEMGPT_TARGET_AVX512 float hsum512(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  return hsum128(_mm512_castps512_ps128(v));
}

MEMGPT_TARGET_AVX512 int32_t hsum512_epi32(__m512i v) {
  v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_epi32(v, _mm512_shuffle_i32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128i acc = _mm512_castsi512_si128(v);
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
  return _mm_cvtsi128_si32(acc);
}

template <bool kL2>
MEMGPT_TARGET_AVX512 __m512 fma_avx512(__m512 a, __m512 b, __m512 acc) {
  if constexpr (kL2) {
    __m512 d = _mm512_sub_ps(a, b);
    return _mm512_fmadd_ps(d, d, acc);
  } else {
    return _mm512_fmadd_ps(a, b, acc);
  }
}

template <bool kL2>
MEMGPT_TARGET_AVX512 float sum_avx512(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
  // A 64-byte load off a 64-byte boundary reads two cache lines. Graph vectors sit at any 4-byte
  // offset (hnswlib's element layout) and are read from memory, so a masked head first brings
  // `b` (the graph's side) to a boundary; `a`, the query, stays in L1 where a split costs little.
  size_t i = std::min(n, ((64 - (reinterpret_cast<uintptr_t>(b) & 63)) & 63) / sizeof(float));
  if (i > 0) {
    __mmask16 head = static_cast<__mmask16>((1u << i) - 1);
    s3 = fma_avx512<kL2>(_mm512_maskz_loadu_ps(head, a), _mm512_maskz_loadu_ps(head, b), s3);
  }
  for (; i + 64 <= n; i += 64) {
    s0 = fma_avx512<kL2>(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = fma_avx512<kL2>(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    s2 = fma_avx512<kL2>(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
    s3 = fma_avx512<kL2>(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
  }
  for (; i + 16 <= n; i += 16) s0 = fma_avx512<kL2>(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {  // masked loads read nothing past the end
    __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    s1 = fma_avx512<kL2>(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i), s1);
  }
  return hsum512(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// ---- hnswlib-shaped distances (IP: 1 - a·b, L2: Σ (a-b)²), each compiled for its level so
// that its sum is inlined ----

template <bool kL2>
float distance_sse(const void* a, const void* b, const void* param) {
  float s = sum_sse<kL2>(static_cast<const float*>(a), static_cast<const float*>(b), dim_of(param));
  return kL2 ? s : 1.0f - s;
}

template <bool kL2>
MEMGPT_TARGET_AVX2 float distance_avx2(const void* a, const void* b, const void* param) {
  float s = sum_avx2<kL2>(static_cast<const float*>(a), static_cast<const float*>(b), dim_of(param));
  return kL2 ? s : 1.0f - s;
}

template <bool kL2>
MEMGPT_TARGET_AVX512 float distance_avx512(const void* a, const void* b, const void* param) {
  float s = sum_avx512<kL2>(static_cast<const float*>(a), static_cast<const float*>(b), dim_of(param));
  return kL2 ? s : 1.0f - s;
}

// ---- SQ8 integer dot products ----

int32_t dot16x8_sse(const int16_t* a, const int8_t* b, size_t dim) {
  __m128i acc = _mm_setzero_si128();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m128i bw = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + i)));
    __m128i aw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(aw, bw));
  }
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
  int32_t sum = _mm_cvtsi128_si32(acc);
  for (; i < dim; ++i) sum += int32_t{a[i]} * b[i];
  return sum;
}

int32_t dot8x8_sse(const int8_t* a, const int8_t* b, size_t dim) {
  __m128i acc = _mm_setzero_si128();
  size_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    __m128i aw = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + i)));
    __m128i bw = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(aw, bw));
  }
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
  int32_t sum = _mm_cvtsi128_si32(acc);
  for (; i < dim; ++i) sum += int32_t{a[i]} * b[i];
  return sum;
}

MEMGPT_TARGET_AVX2 int32_t hsum256_epi32(__m256i v) {
  __m128i acc = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4e));
  acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xb1));
  return _mm_cvtsi128_si32(acc);
}

MEMGPT_TARGET_AVX2 int32_t dot16x8_avx2(const int16_t* a, const int8_t* b, size_t dim) {
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256i bw = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    __m256i aw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(aw, bw));
  }
  int32_t sum = hsum256_epi32(acc);
  for (; i < dim; ++i) sum += int32_t{a[i]} * b[i];
  return sum;
}

MEMGPT_TARGET_AVX2 int32_t dot8x8_avx2(const int8_t* a, const int8_t* b, size_t dim) {
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    __m256i aw = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    __m256i bw = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(aw, bw));
  }
  int32_t sum = hsum256_epi32(acc);
  for (; i < dim; ++i) sum += int32_t{a[i]} * b[i];
  return sum;
}

MEMGPT_TARGET_AVX512 int32_t dot16x8_avx512(const int16_t* a, const int8_t* b, size_t dim) {
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512i bw = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    __m512i aw = _mm512_loadu_si512(a + i);
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(aw, bw));
  }
  if (i < dim) {  // masked loads read nothing past the end
    __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << (dim - i)) - 1);
    __m512i bw = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, b + i));
    __m512i aw = _mm512_maskz_loadu_epi16(mask, a + i);
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(aw, bw));
  }
  return hsum512_epi32(acc);
}

MEMGPT_TARGET_AVX512 int32_t dot8x8_avx512(const int8_t* a, const int8_t* b, size_t dim) {
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m512i aw = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    __m512i bw = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(aw, bw));
  }
  if (i < dim) {
    __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << (dim - i)) - 1);
    __m512i aw = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, a + i));
    __m512i bw = _mm512_cvtepi8_epi16(_mm256_maskz_loadu_epi8(mask, b + i));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(aw, bw));
  }
  return hsum512_epi32(acc);
}

bool cpu_supports(SimdLevel level) {
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kSse: return true;
    case SimdLevel::kAvx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SimdLevel::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
  }
  return false;
}

}  // namespace

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kSse: return "sse";
    case SimdLevel::kAvx2: return "avx2";
    case SimdLevel::kAvx512: return "avx512";
  }
  return "sse";
}

std::vector<SimdLevel> supported_simd_levels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l : {SimdLevel::kSse, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (cpu_supports(l)) out.push_back(l);
  }
  return out;
}

SimdChoice choose_simd_level(const char* requested) {
  SimdLevel best = supported_simd_levels().back();
  if (!requested || !*requested) return {best, ""};
  std::string_view want(requested);
  for (SimdLevel l : {SimdLevel::kSse, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (want != simd_level_name(l)) continue;
    if (cpu_supports(l)) return {l, ""};
    return {best, fmt::format("MEMGPT_SIMD={}: this CPU does not support it; using {}", simd_level_name(l),
                              simd_level_name(best))};
  }
  return {best, fmt::format("MEMGPT_SIMD={}: not one of sse, avx2, avx512; using {}", want.substr(0, 32),
                            simd_level_name(best))};
}

const SimdChoice& simd_choice() {
  static const SimdChoice choice = choose_simd_level(std::getenv("MEMGPT_SIMD"));
  return choice;
}

SimdLevel simd_level() { return simd_choice().level; }

hnswlib::DISTFUNC<float> inner_product_distance(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return distance_avx512<false>;
    case SimdLevel::kAvx2: return distance_avx2<false>;
    case SimdLevel::kSse: break;
  }
  return distance_sse<false>;
}

hnswlib::DISTFUNC<float> l2_squared_distance(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return distance_avx512<true>;
    case SimdLevel::kAvx2: return distance_avx2<true>;
    case SimdLevel::kSse: break;
  }
  return distance_sse<true>;
}

Dot16x8 dot16x8_kernel(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return dot16x8_avx512;
    case SimdLevel::kAvx2: return dot16x8_avx2;
    case SimdLevel::kSse: break;
  }
  return dot16x8_sse;
}

Dot8x8 dot8x8_kernel(SimdLevel level) {
  switch (level) {
    case SimdLevel::kAvx512: return dot8x8_avx512;
    case SimdLevel::kAvx2: return dot8x8_avx2;
    case SimdLevel::kSse: break;
  }
  return dot8x8_sse;
}

FloatSpace::FloatSpace(int dim, MetricType metric, SimdLevel level)
    : dim_(static_cast<size_t>(dim)),
      dist_(metric == MetricType::kL2 ? l2_squared_distance(level) : inner_product_distance(level)) {}

}  // namespace memgpt::vector::embedded
