#include "vector/vector_store.h"

#include <fmt/format.h>

#include <cstdint>

#include "vector/milvus_errors.h"

namespace memgpt::vector {

const char* data_type_name(DataType t) {
  switch (t) {
    case DataType::kInt64: return "Int64";
    case DataType::kVarChar: return "VarChar";
    case DataType::kFloat: return "Float";
    case DataType::kDouble: return "Double";
    case DataType::kBool: return "Bool";
    case DataType::kJson: return "JSON";
    case DataType::kFloatVector: return "FloatVector";
    case DataType::kArray: return "Array";
  }
  return "?";
}

Result<DataType> parse_data_type(std::string_view name) {
  for (DataType t : {DataType::kInt64, DataType::kVarChar, DataType::kFloat, DataType::kDouble,
                     DataType::kBool, DataType::kJson, DataType::kFloatVector, DataType::kArray}) {
    if (name == data_type_name(t)) return t;
  }
  return invalid_parameter(fmt::format(
      "data type '{}' is not supported (Int64, VarChar, Float, Double, Bool, JSON, Array, FloatVector; "
      "names are case-sensitive)",
      name.substr(0, 64)));
}

const char* metric_type_name(MetricType m) {
  switch (m) {
    case MetricType::kIP: return "IP";
    case MetricType::kCosine: return "COSINE";
    case MetricType::kL2: return "L2";
  }
  return "?";
}

Result<MetricType> parse_metric_type(std::string_view name) {
  for (MetricType m : {MetricType::kIP, MetricType::kCosine, MetricType::kL2}) {
    if (name == metric_type_name(m)) return m;
  }
  return invalid_parameter(fmt::format("metric type '{}' is not supported (IP, COSINE, L2)", name.substr(0, 64)));
}

namespace {
int64_t saturated_sum(int64_t a, int64_t b) { return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b; }
}  // namespace

Status check_search_window(int64_t limit, int64_t offset) {
  if (limit <= 0 || limit > kMaxTopK) {
    return invalid_parameter(
        fmt::format("topk [{}] is invalid, it should be in range [1, {}], but got {}", limit, kMaxTopK, limit));
  }
  if (offset < 0) return invalid_parameter(fmt::format("offset [{}] is invalid, should be gte than 0", offset));
  if (offset > kMaxTopK - limit) {
    int64_t depth = saturated_sum(limit, offset);
    return invalid_parameter(fmt::format("topk+offset [{}] is invalid, it should be in range [1, {}], but got {}",
                                         depth, kMaxTopK, depth));
  }
  return {};
}

Status check_query_window(int64_t limit, int64_t offset) {
  if (offset < 0) return invalid_parameter(fmt::format("offset [{}] is invalid, should be gte than 0", offset));
  if (limit <= 0) return invalid_parameter(fmt::format("limit [{}] is invalid, should be greater than 0", limit));
  if (limit > kMaxTopK || offset > kMaxTopK - limit) {
    return invalid_parameter(
        fmt::format("invalid max query result window, (offset+limit) should be in range [1, {}], but got {}", kMaxTopK,
                    saturated_sum(limit, offset)));
  }
  return {};
}

const FieldSchema* CollectionSpec::primary_field() const {
  for (const auto& f : fields) {
    if (f.is_primary) return &f;
  }
  return nullptr;
}

const FieldSchema* CollectionSpec::vector_field() const {
  for (const auto& f : fields) {
    if (f.type == DataType::kFloatVector) return &f;
  }
  return nullptr;
}

const FieldSchema* CollectionSpec::field(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

int CollectionSpec::dim() const {
  const FieldSchema* v = vector_field();
  return v ? v->dim : 0;
}

}  // namespace memgpt::vector
