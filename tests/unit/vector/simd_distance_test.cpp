// The engine's distance kernels at each SIMD level this CPU has (simd_distance.h): the same
// distances as a double-precision reference for every dimension (tails of any length), integer
// SQ8 dot products exact, a graph built at one level searched at another with the same
// results, and the MEMGPT_SIMD override.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "support/test_env.h"
#include "vector/hnsw_graph_file.h"
#include "vector/simd_distance.h"

namespace memgpt::vector::embedded {
namespace {

constexpr size_t kMaxDim = 1030;

std::vector<float> gaussian(std::mt19937& rng, size_t n) {
  std::normal_distribution<float> g;
  std::vector<float> v(n);
  for (auto& x : v) x = g(rng);
  return v;
}

std::string name(SimdLevel l) { return simd_level_name(l); }

// Float sums in any order stay within a few units in the last place of Σ|terms| per term
// added; 1e-6 of Σ|terms| is about 60 of them at 1030 dims (the kernels add at most ~70 terms
// per lane). Leaving out or doubling one term of the ~1000 errs by about 1e-3 of that sum.
constexpr double kRelTolerance = 1e-6;

TEST(SimdDistance, EveryLevelMatchesADoublePrecisionReferenceAtEveryDimension) {
  std::mt19937 rng(5);
  for (SimdLevel level : supported_simd_levels()) {
    auto ip = inner_product_distance(level);
    auto l2 = l2_squared_distance(level);
    for (size_t dim = 1; dim <= kMaxDim; ++dim) {
      for (int trial = 0; trial < 3; ++trial) {
        // One more float on each side than the dimension: a kernel must not read it. `b` starts
        // at every offset from a 64-byte line (graph vectors sit at any 4-byte offset).
        std::vector<float> a = gaussian(rng, dim + 1), b_buffer = gaussian(rng, dim + 32);
        float* b = b_buffer.data() + (16 - (reinterpret_cast<uintptr_t>(b_buffer.data()) & 63) / 4) % 16 +
                   (dim + size_t(trial)) % 16;
        a[dim] = b[dim] = 1e6f;
        double dot = 0, abs_dot = 0, dist2 = 0;
        for (size_t i = 0; i < dim; ++i) {
          dot += double(a[i]) * b[i];
          abs_dot += std::fabs(double(a[i]) * b[i]);
          dist2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
        }
        // 1 - dot is rounded to float once more: half an ulp of max(1, |1 - dot|).
        double ip_tolerance = kRelTolerance * abs_dot + 6e-8 * std::max(1.0, std::fabs(1 - dot));
        ASSERT_NEAR(ip(a.data(), b, &dim), 1 - dot, ip_tolerance) << name(level) << " dim " << dim;
        ASSERT_NEAR(l2(a.data(), b, &dim), dist2, kRelTolerance * dist2) << name(level) << " dim " << dim;
      }
    }
  }
}

TEST(SimdDistance, EveryLevelCountsEachComponentExactlyOnce) {
  // Sums of small integers are exact in float: any element dropped or counted twice shows.
  for (SimdLevel level : supported_simd_levels()) {
    auto ip = inner_product_distance(level);
    auto l2 = l2_squared_distance(level);
    for (size_t dim = 1; dim <= kMaxDim; ++dim) {
      std::vector<float> a(dim), b(dim);
      double dot = 0, dist2 = 0;
      for (size_t i = 0; i < dim; ++i) {
        a[i] = float(i % 7) - 3;
        b[i] = float(i % 5) - 1;
        dot += double(a[i]) * b[i];
        dist2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      }
      ASSERT_EQ(ip(a.data(), b.data(), &dim), float(1 - dot)) << name(level) << " dim " << dim;
      ASSERT_EQ(l2(a.data(), b.data(), &dim), float(dist2)) << name(level) << " dim " << dim;
    }
  }
}

TEST(SimdDistance, Sq8DotProductsAreExactAtEveryLevelAndDimension) {
  std::mt19937 rng(9);
  for (SimdLevel level : supported_simd_levels()) {
    Dot16x8 dot16 = dot16x8_kernel(level);
    Dot8x8 dot8 = dot8x8_kernel(level);
    for (size_t dim = 1; dim <= kMaxDim; ++dim) {
      // The query's bound (Sq8Query): dim·limit·127 within int32.
      int limit = int(std::min<int64_t>(32767, std::numeric_limits<int32_t>::max() / (127 * int64_t(dim))));
      std::uniform_int_distribution<int> q16(-limit, limit), c8(-127, 127);
      std::vector<int16_t> a(dim + 1);
      std::vector<int8_t> b(dim + 1), c(dim + 1);
      for (size_t i = 0; i <= dim; ++i) {
        a[i] = int16_t(q16(rng));
        b[i] = int8_t(c8(rng));
        c[i] = int8_t(c8(rng));
      }
      int64_t want16 = 0, want8 = 0;
      for (size_t i = 0; i < dim; ++i) {
        want16 += int64_t{a[i]} * b[i];
        want8 += int64_t{c[i]} * b[i];
      }
      ASSERT_EQ(dot16(a.data(), b.data(), dim), want16) << name(level) << " dim " << dim;
      ASSERT_EQ(dot8(c.data(), b.data(), dim), want8) << name(level) << " dim " << dim;
    }
  }
}

// Labels of the k best, best first.
std::vector<size_t> top_k(Graph& g, const float* q, size_t k) {
  auto pq = g.searchKnn(q, k);
  std::vector<size_t> out(pq.size());
  for (size_t i = out.size(); i-- > 0; pq.pop()) out[i] = pq.top().second;
  return out;
}

TEST(SimdDistance, AGraphBuiltAtOneLevelIsSearchedAtAnotherWithTheSameResults) {
  constexpr int kDim = 37;  // tails at every level: 37 = 2·16 + 5 = 4·8 + 5 = 9·4 + 1
  constexpr size_t kPoints = 400, kQueries = 40, kK = 10;
  std::mt19937 rng(3);
  std::vector<std::vector<float>> points, queries;
  for (size_t i = 0; i < kPoints; ++i) points.push_back(gaussian(rng, kDim));
  for (size_t i = 0; i < kQueries; ++i) queries.push_back(gaussian(rng, kDim));
  testing::TempDir dir;
  for (MetricType metric : {MetricType::kIP, MetricType::kL2}) {
    for (SimdLevel built_at : supported_simd_levels()) {
      FloatSpace build_space(kDim, metric, built_at);
      Graph built(&build_space, kPoints, 16, 100);
      for (size_t i = 0; i < kPoints; ++i) built.addPoint(points[i].data(), i);
      built.setEf(kPoints);  // exhaustive: the results are the exact top-k
      std::string path = dir.file("g.hnsw");
      auto hash = save_graph(built, path);
      ASSERT_TRUE(hash.ok()) << hash.status().message();
      for (SimdLevel searched_at : supported_simd_levels()) {
        FloatSpace search_space(kDim, metric, searched_at);
        GraphHolder loaded = load_graph(path, &search_space, 16, 100, *hash);
        ASSERT_TRUE(loaded) << name(built_at) << " -> " << name(searched_at);
        loaded->setEf(kPoints);
        for (const auto& q : queries) {
          EXPECT_EQ(top_k(*loaded.get(), q.data(), kK), top_k(built, q.data(), kK))
              << name(built_at) << " -> " << name(searched_at) << (metric == MetricType::kL2 ? " L2" : " IP");
        }
      }
    }
  }
}

TEST(SimdDistance, MemgptSimdPicksASupportedLevelAndFallsBackWithANote) {
  std::vector<SimdLevel> have = supported_simd_levels();
  ASSERT_EQ(have.front(), SimdLevel::kSse);
  SimdLevel widest = have.back();
  EXPECT_EQ(choose_simd_level(nullptr).level, widest);
  EXPECT_EQ(choose_simd_level("").level, widest);
  for (SimdLevel l : {SimdLevel::kSse, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    SimdChoice c = choose_simd_level(simd_level_name(l));
    bool supported = std::find(have.begin(), have.end(), l) != have.end();
    if (supported) {
      EXPECT_EQ(c.level, l);
      EXPECT_EQ(c.note, "");
    } else {
      EXPECT_EQ(c.level, widest);
      EXPECT_EQ(c.note, std::string("MEMGPT_SIMD=") + simd_level_name(l) + ": this CPU does not support it; using " +
                            simd_level_name(widest));
    }
  }
  SimdChoice bogus = choose_simd_level("avx9000");
  EXPECT_EQ(bogus.level, widest);
  EXPECT_EQ(bogus.note, std::string("MEMGPT_SIMD=avx9000: not one of sse, avx2, avx512; using ") + simd_level_name(widest));
}

}  // namespace
}  // namespace memgpt::vector::embedded
