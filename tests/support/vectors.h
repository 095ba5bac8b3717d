// Test vectors, reproducible from a seed: Gaussian directions scaled to length 1, so cosine and
// inner product agree and a stored vector's best match is itself.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <utility>
#include <vector>

namespace memgpt::testing {

inline std::vector<float> unit_vector(std::mt19937& rng, int dim) {
  std::normal_distribution<float> g;
  std::vector<float> v(static_cast<size_t>(dim));
  float norm = 0;
  for (auto& x : v) {
    x = g(rng);
    norm += x * x;
  }
  for (auto& x : v) x /= std::sqrt(norm);
  return v;
}

inline std::vector<float> unit_vector(int seed, int dim) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  return unit_vector(rng, dim);
}

inline float dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// The exact top k rows (0..rows-1, vector `vector_of(i)`) by inner product with `q`, among those
// `keep` accepts, best first: the truth that searches are checked against.
inline std::vector<int64_t> exact_top_k(const std::vector<float>& q, size_t k, int rows,
                                        const std::function<std::vector<float>(int)>& vector_of,
                                        const std::function<bool(int)>& keep) {
  std::vector<std::pair<float, int64_t>> scored;
  for (int i = 0; i < rows; ++i) {
    if (keep(i)) scored.emplace_back(-dot(q, vector_of(i)), i);
  }
  size_t top = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(top), scored.end());
  std::vector<int64_t> ids;
  for (size_t j = 0; j < top; ++j) ids.push_back(scored[j].second);
  return ids;
}

}  // namespace memgpt::testing
