// hnswlib (Debian's libhnswlib-dev 0.6.2) for the embedded engine's files. That version defines
// four functions (cpuid, xgetbv, AVXCapable, AVX512Capable) and five function-pointer variables
// (the SIMD distance kernels it selects at run time) in its headers without `inline`; the
// engine includes it from several files, so they are declared weak first and the linker keeps
// one copy of each instead of refusing duplicates.
#pragma once

#include <cstdint>

void cpuid(int32_t cpuInfo[4], int32_t eax, int32_t ecx) __attribute__((weak));
uint64_t xgetbv(unsigned int index) __attribute__((weak));
bool AVXCapable() __attribute__((weak));
bool AVX512Capable() __attribute__((weak));
namespace hnswlib {
using WeakDistance = float (*)(const void*, const void*, const void*);
extern WeakDistance L2SqrSIMD16Ext __attribute__((weak));
extern WeakDistance InnerProductSIMD16Ext __attribute__((weak));
extern WeakDistance InnerProductSIMD4Ext __attribute__((weak));
extern WeakDistance InnerProductDistanceSIMD16Ext __attribute__((weak));
extern WeakDistance InnerProductDistanceSIMD4Ext __attribute__((weak));
}  // namespace hnswlib

#include <hnswlib/hnswlib.h>

namespace memgpt::vector::embedded {
using Graph = hnswlib::HierarchicalNSW<float>;
}  // namespace memgpt::vector::embedded
