#include "vector/sq8_space.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace memgpt::vector::embedded {
namespace {

struct Header {
  float scale;
  float norm2;
};

Header header_of(const void* code) {
  Header h;
  std::memcpy(&h, code, sizeof h);
  return h;
}

const int8_t* codes_of(const void* code) { return static_cast<const int8_t*>(code) + Sq8Space::kHeaderBytes; }

float ip_codes(const void* a, const void* b, const void* param) {
  const auto* p = static_cast<const Sq8Space::Param*>(param);
  Header ha = header_of(a), hb = header_of(b);
  return 1.0f - ha.scale * hb.scale * static_cast<float>(p->dot8x8(codes_of(a), codes_of(b), p->dim));
}

float l2_codes(const void* a, const void* b, const void* param) {
  const auto* p = static_cast<const Sq8Space::Param*>(param);
  Header ha = header_of(a), hb = header_of(b);
  float cross = ha.scale * hb.scale * static_cast<float>(p->dot8x8(codes_of(a), codes_of(b), p->dim));
  return std::max(0.0f, ha.norm2 + hb.norm2 - 2.0f * cross);
}

}  // namespace

Sq8Space::Sq8Space(int dim, MetricType metric, SimdLevel level)
    : param_{static_cast<size_t>(dim), metric == MetricType::kL2, dot8x8_kernel(level), dot16x8_kernel(level)} {}

hnswlib::DISTFUNC<float> Sq8Space::get_dist_func() { return param_.l2 ? l2_codes : ip_codes; }

void Sq8Space::encode(const float* v, char* out) const {
  float top = 0;
  for (size_t i = 0; i < param_.dim; ++i) top = std::max(top, std::fabs(v[i]));
  Header h{top / 127.0f, 0.0f};
  auto* codes = reinterpret_cast<int8_t*>(out + kHeaderBytes);
  double norm2 = 0;
  for (size_t i = 0; i < param_.dim; ++i) {
    long c = h.scale > 0 ? std::lround(v[i] / h.scale) : 0;
    codes[i] = static_cast<int8_t>(std::clamp(c, -127L, 127L));
    double decoded = static_cast<double>(h.scale) * codes[i];
    norm2 += decoded * decoded;
  }
  h.norm2 = static_cast<float>(norm2);
  std::memcpy(out, &h, sizeof h);
}

Sq8Query::Sq8Query(const Sq8Space& space, const float* q)
    : q_(static_cast<size_t>(space.dim())), dot16x8_(space.dot16x8()), l2_(space.l2()) {
  size_t dim = q_.size();
  // The largest 16-bit value that keeps dim·limit·127 within int32 (the dot product's sum).
  const double limit = std::min(32767.0, std::floor(static_cast<double>(std::numeric_limits<int32_t>::max()) /
                                                    (127.0 * static_cast<double>(std::max<size_t>(dim, 1)))));
  float top = 0;
  double norm2 = 0;
  for (size_t i = 0; i < dim; ++i) {
    top = std::max(top, std::fabs(q[i]));
    norm2 += static_cast<double>(q[i]) * q[i];
  }
  norm2_ = static_cast<float>(norm2);
  scale_ = top > 0 ? static_cast<float>(top / limit) : 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    double c = scale_ > 0 ? std::round(q[i] / scale_) : 0.0;
    q_[i] = static_cast<int16_t>(std::clamp(c, -limit, limit));
  }
}

float Sq8Query::distance(const char* code) const {
  Header h = header_of(code);
  float dot = scale_ * h.scale * static_cast<float>(dot16x8_(q_.data(), codes_of(code), q_.size()));
  return l2_ ? std::max(0.0f, norm2_ + h.norm2 - 2.0f * dot) : 1.0f - dot;
}

}  // namespace memgpt::vector::embedded
