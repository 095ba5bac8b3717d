// Test vectors, reproducible from a seed: Gaussian directions scaled to length 1, so cosine and
// inner product agree and a stored vector's best match is itself.
#pragma once

#include <cmath>
#include <random>
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

}  // namespace memgpt::testing
