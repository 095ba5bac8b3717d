// Graph vectors in 8 bits: the space of an HNSW_SQ collection with sq_type SQ8 (Milvus's index
// type and parameter names). Each vector is kept as its own scale and 8-bit codes, v ≈ scale·c
// with c in [-127, 127] and scale = max|v_i| / 127, so a vector is encoded alone: the graph
// grows row by row with no training set and no range learnt from the first rows that later
// rows could fall outside of. A code takes dim + 8 bytes instead of 4·dim.
//
// Code layout (host byte order): f32 scale, f32 |v̂|² (the squared norm of the decoded vector,
// for L2), dim int8 codes.
//
// Distances are those of hnswlib's float spaces for the metric (IP: 1 - dot, L2: squared
// distance), computed on the decoded vectors:
//  - between two codes (what hnswlib's graph building calls): get_dist_func();
//  - between a float query and a code (searches): an Sq8Query, the query in 16 bits (its own
//    scale), against which a code costs one integer dot product. Its rounding (2^-15 of the
//    query's largest component) is far below the codes' own.
// The integer dot products are simd_distance.h's, at the process's SIMD level.
// Thread-safety: the space is immutable after construction; an Sq8Query belongs to one search.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vector/hnsw.h"
#include "vector/simd_distance.h"
#include "vector/vector_store.h"

namespace memgpt::vector::embedded {

class Sq8Space final : public hnswlib::SpaceInterface<float> {
 public:
  Sq8Space(int dim, MetricType metric, SimdLevel level = simd_level());

  size_t get_data_size() override { return kHeaderBytes + param_.dim; }
  hnswlib::DISTFUNC<float> get_dist_func() override;
  void* get_dist_func_param() override { return &param_; }

  int dim() const { return static_cast<int>(param_.dim); }
  bool l2() const { return param_.l2; }
  Dot16x8 dot16x8() const { return param_.dot16x8; }
  // Writes the code of `v` (dim floats) to `out` (get_data_size() bytes).
  void encode(const float* v, char* out) const;

  struct Param {
    size_t dim;
    bool l2;
    Dot8x8 dot8x8;
    Dot16x8 dot16x8;
  };
  static constexpr size_t kHeaderBytes = 8;

 private:
  Param param_;
};

// A float query prepared for distances to codes.
class Sq8Query {
 public:
  Sq8Query(const Sq8Space& space, const float* q);
  float distance(const char* code) const;

 private:
  std::vector<int16_t> q_;
  float scale_ = 0;  // q ≈ scale_·q_
  float norm2_ = 0;  // |q|², for L2
  Dot16x8 dot16x8_;
  bool l2_;
};

}  // namespace memgpt::vector::embedded
