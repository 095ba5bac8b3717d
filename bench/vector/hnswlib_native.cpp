// Built with -mavx2 -mfma -mavx512f (bench/vector/CMakeLists.txt). Every name hnswlib's headers
// define is renamed here, so nothing compiled in this file with wide instructions can stand in
// for the engine's or the bench's own copies at link time; only the space and its kernels are
// used (no std:: template is instantiated here).
#define hnswlib hnswlib_native
#define cpuid hnswlib_native_cpuid
#define xgetbv hnswlib_native_xgetbv
#define AVXCapable hnswlib_native_AVXCapable
#define AVX512Capable hnswlib_native_AVX512Capable
#include <hnswlib/hnswlib.h>

#include "hnswlib_native.h"

namespace bench_native {

Distance hnswlib_inner_product(size_t dim) {
  hnswlib_native::InnerProductSpace space(dim);
  return space.get_dist_func();
}

// What InnerProductSpace picks: its 16-wide kernels (AVX-512 when the CPU has it) for
// dimensions that are multiples of 16 or not of 4; its 4-wide ones (AVX at most) otherwise.
const char* hnswlib_inner_product_level(size_t dim) {
  bool wide16 = dim % 16 == 0 || (dim % 4 != 0 && dim > 16);
  if (wide16 && hnswlib_native_AVX512Capable()) return "AVX-512";
  return hnswlib_native_AVXCapable() ? "AVX" : "SSE";
}

}  // namespace bench_native
