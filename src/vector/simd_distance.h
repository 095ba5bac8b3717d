// Distance kernels of the embedded engine's graphs, chosen once at run time for this CPU.
//
// memgpt is built for x86-64-v2 (SSE4.2), so code the compiler writes is SSE only; these
// kernels carry their own AVX2+FMA and AVX-512 versions (per-function `target` attributes, so
// nothing else in the binary is built for a wider ISA) and the engine uses the widest one the
// CPU and OS support (CPUID through `__builtin_cpu_supports`, which also checks that the OS saves
// the wide registers; valgrind's CPUID hides AVX-512, so under valgrind AVX2 or SSE is picked).
// MEMGPT_SIMD overrides the choice (simd_level.h).
//
// Every level computes the same distances as hnswlib's float spaces (inner product: 1 - a·b;
// L2: the squared distance) up to float rounding (the sums are taken in a different order),
// over any dimension. Graph files hold vectors and links only, so a graph written at one level
// is read and searched at another.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vector/hnsw.h"
#include "vector/simd_level.h"
#include "vector/vector_store.h"

namespace memgpt::vector::embedded {

// Kernels with hnswlib's signature: `param` points to the dimension (a size_t).
hnswlib::DISTFUNC<float> inner_product_distance(SimdLevel level);
hnswlib::DISTFUNC<float> l2_squared_distance(SimdLevel level);

// Integer dot products of the SQ8 space (sq8_space.cpp): 16-bit by 8-bit, and 8-bit by 8-bit.
// The caller bounds the values so that the sum fits in 32 bits.
using Dot16x8 = int32_t (*)(const int16_t* a, const int8_t* b, size_t dim);
using Dot8x8 = int32_t (*)(const int8_t* a, const int8_t* b, size_t dim);
Dot16x8 dot16x8_kernel(SimdLevel level);
Dot8x8 dot8x8_kernel(SimdLevel level);

// hnswlib's float space for a metric (IP: 1 - a·b, also COSINE on normalised vectors; L2:
// squared distance) with the kernels of `level`.
class FloatSpace final : public hnswlib::SpaceInterface<float> {
 public:
  FloatSpace(int dim, MetricType metric, SimdLevel level = simd_level());

  size_t get_data_size() override { return dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return dist_; }
  void* get_dist_func_param() override { return &dim_; }

 private:
  size_t dim_;
  hnswlib::DISTFUNC<float> dist_;
};

}  // namespace memgpt::vector::embedded
