// hnswlib's own inner-product kernel as compiled for this CPU's widest SIMD (hnswlib_native.cpp
// is built with -mavx2 -mfma -mavx512f, so hnswlib 0.6.2 compiles its USE_AVX/USE_AVX512
// kernels and picks one by CPUID). Only the bench uses it: the "raw hnswlib at its best" row.
#pragma once

#include <cstddef>

namespace bench_native {

using Distance = float (*)(const void* a, const void* b, const void* dim);
// hnswlib's InnerProductSpace(dim) kernel (1 - a·b; `dim` points to a size_t), and its ISA.
Distance hnswlib_inner_product(size_t dim);
const char* hnswlib_inner_product_level(size_t dim);

}  // namespace bench_native
