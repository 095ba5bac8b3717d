#include "vector/row_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstring>

#include "vector/embedded_schema.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector::embedded {
namespace {

Status not_finite(const std::string& what, size_t i, double value) {
  return invalid_parameter(fmt::format("{} holds {} at position {}: every value must be a finite float32 "
                                       "(at most 3.4028235e38 in magnitude)",
                                       what, value, i));
}

Status check_length(const std::vector<float>& v, MetricType metric, const std::string& what) {
  if (metric == MetricType::kCosine) return {};  // normalised: any finite length will do
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  if (n > kMaxVectorLength * kMaxVectorLength) {
    return invalid_parameter(fmt::format("{} is too long (length {:.3g}, at most 1e18 for {}): its distances "
                                         "would overflow float32",
                                         what, std::sqrt(n), metric_type_name(metric)));
  }
  return {};
}

// An integer that fits int64 (JSON may carry unsigned values past INT64_MAX).
bool as_int64(const Json& v, int64_t& out) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  if (!v.is_number_integer()) return false;
  out = v.get<int64_t>();
  return true;
}

// An Array field's value: a JSON array of at most max_capacity elements of the element type
// (VarChar elements: UTF-8 of at most max_length bytes), stored as compact JSON text.
Status encode_array(const FieldSchema& f, const Json& v, size_t index, std::string& out) {
  if (!v.is_array()) return invalid_parameter(fmt::format("field {} of row {} must be an array", f.name, index));
  if (static_cast<int>(v.size()) > f.max_capacity) {
    return invalid_parameter(fmt::format(
        "length of array field {} exceeds max capacity, row number: {}, length: {}, max capacity: {}", f.name, index,
        v.size(), f.max_capacity));
  }
  const char* type = data_type_name(f.element_type);
  for (size_t i = 0; i < v.size(); ++i) {
    const Json& e = v[i];
    auto wrong = [&] {
      return invalid_parameter(fmt::format("element {} of array field {} in row {} must have type {}", i, f.name, index,
                                           type));
    };
    switch (f.element_type) {
      case DataType::kVarChar: {
        if (!e.is_string()) return wrong();
        const std::string& s = e.get_ref<const std::string&>();
        if (static_cast<int>(s.size()) > f.max_length) {
          return invalid_parameter(fmt::format("element {} of array field {} in row {} is longer than max length {}",
                                               i, f.name, index, f.max_length));
        }
        if (!is_valid_utf8(s)) return wrong();
        break;
      }
      case DataType::kInt64: {
        int64_t n = 0;
        if (!as_int64(e, n)) return wrong();
        break;
      }
      case DataType::kFloat:
      case DataType::kDouble: {
        if (!e.is_number()) return wrong();
        double d = e.get<double>();
        if (!std::isfinite(d) || (f.element_type == DataType::kFloat && std::fabs(d) > FLT_MAX)) return wrong();
        break;
      }
      case DataType::kBool:
        if (!e.is_boolean()) return wrong();
        break;
      default:
        return wrong();
    }
  }
  out = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return {};
}

}  // namespace

Status vector_from_json(const Json& values, const FieldSchema& field, MetricType metric, const std::string& where,
                        std::vector<float>& out) {
  if (static_cast<int>(values.size()) != field.dim) {
    return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kInvalidJson,
                        fmt::format("the dim ({}) of field data({}) is not equal to schema dim ({}){}", values.size(),
                                    field.name, field.dim, where));
  }
  std::string what = fmt::format("field data({}){}", field.name, where);
  out.resize(static_cast<size_t>(field.dim));
  for (size_t i = 0; i < out.size(); ++i) {
    const Json& x = values[i];
    if (!x.is_number()) return invalid_parameter(fmt::format("{} holds a non-number at position {}", what, i));
    double d = x.get<double>();
    // Compared before the cast: converting a double outside float's range is undefined.
    if (!(std::fabs(d) <= FLT_MAX)) return not_finite(what, i, d);
    out[i] = static_cast<float>(d);
  }
  MEMGPT_RETURN_IF_ERROR(check_length(out, metric, what));
  if (metric == MetricType::kCosine) normalize(out);
  return {};
}

Status check_vector(const std::vector<float>& v, MetricType metric, const std::string& what) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) return not_finite(what, i, v[i]);
  }
  return check_length(v, metric, what);
}

// Exact unit length in double precision: float32 subnormals square to values double holds,
// so 1/length never overflows (in float it did: [1e-45,0,0,0] became [inf,NaN,NaN,NaN]).
void normalize(std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += static_cast<double>(x) * x;
  if (n <= 0) return;
  double inv = 1.0 / std::sqrt(n);
  for (float& x : v) x = static_cast<float>(x * inv);
}

std::string vector_blob(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

std::vector<float> vector_of_blob(const std::string& blob) {
  std::vector<float> v(blob.size() / sizeof(float));
  std::memcpy(v.data(), blob.data(), v.size() * sizeof(float));
  return v;
}

RowCodec::RowCodec(CollectionSpec spec) : spec_(std::move(spec)) {
  select_list_ = "rid, pk";
  insert_columns_ = "pk";
  for (const auto& f : spec_.fields) {
    if (f.is_primary || f.type == DataType::kFloatVector) continue;
    scalars_.push_back(&f);
    select_list_ += ", " + column_of(f.name);
    insert_columns_ += ", " + column_of(f.name);
  }
  select_list_ += ", dyn";
  insert_columns_ += ", dyn, vec";
}

Status RowCodec::encode(const Json& row, size_t index, EncodedRow& out) const {
  if (!row.is_object()) return invalid_parameter(fmt::format("row {} is not a JSON object", index));
  const FieldSchema* pkf = spec_.primary_field();
  const FieldSchema* vf = spec_.vector_field();
  auto it = row.find(pkf->name);
  if (it == row.end() || it->is_null()) {
    return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kMissingParameter,
                        fmt::format("the primary key {} is missing in row {}", pkf->name, index));
  }
  if (pkf->type == DataType::kInt64) {
    int64_t key = 0;
    bool ok = as_int64(*it, key);
    if (!ok && it->is_string()) {  // Int64 keys arrive as strings from clients that ask for them
      const std::string& s = it->get_ref<const std::string&>();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), key);
      ok = !s.empty() && ec == std::errc() && end == s.data() + s.size();
    }
    if (!ok) {
      return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kBadPrimaryKeyType,
                          fmt::format("the primary key {} must be an Int64 (row {})", pkf->name, index));
    }
    out.pk = key;
  } else {
    if (!it->is_string()) {
      return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kBadPrimaryKeyType,
                          fmt::format("the primary key {} must be a VarChar (row {})", pkf->name, index));
    }
    const std::string& s = it->get_ref<const std::string&>();
    if (s.empty() || static_cast<int>(s.size()) > pkf->max_length || !is_valid_utf8(s)) {
      return invalid_parameter(fmt::format("the primary key of row {} is empty, longer than {} bytes or not UTF-8",
                                           index, pkf->max_length));
    }
    out.pk = s;
  }
  auto vit = row.find(vf->name);
  if (vit == row.end() || !vit->is_array()) {
    return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kMissingParameter,
                        fmt::format("the vector field {} is missing in row {}", vf->name, index));
  }
  MEMGPT_RETURN_IF_ERROR(vector_from_json(*vit, *vf, spec_.index.metric, fmt::format(" of row {}", index), out.vec));
  out.scalars.clear();
  for (const FieldSchema* f : scalars_) {
    auto fit = row.find(f->name);
    if (fit == row.end() || fit->is_null()) {
      out.scalars.emplace_back(nullptr);
      continue;
    }
    const Json& v = *fit;
    switch (f->type) {
      case DataType::kVarChar: {
        if (!v.is_string()) return invalid_parameter(fmt::format("field {} of row {} must be a string", f->name, index));
        const std::string& s = v.get_ref<const std::string&>();
        if (static_cast<int>(s.size()) > f->max_length) {
          return invalid_parameter(fmt::format(
              "length of varchar field {} exceeds max length, row number: {}, length: {}, max length: {}", f->name,
              index, s.size(), f->max_length));
        }
        if (!is_valid_utf8(s)) return invalid_parameter(fmt::format("field {} of row {} is not valid UTF-8", f->name, index));
        out.scalars.emplace_back(s);
        break;
      }
      case DataType::kInt64: {
        int64_t n = 0;
        if (!as_int64(v, n)) return invalid_parameter(fmt::format("field {} of row {} must be an Int64", f->name, index));
        out.scalars.emplace_back(n);
        break;
      }
      case DataType::kFloat:
      case DataType::kDouble: {
        if (!v.is_number()) return invalid_parameter(fmt::format("field {} of row {} must be a number", f->name, index));
        double d = v.get<double>();
        if (!std::isfinite(d) || (f->type == DataType::kFloat && std::fabs(d) > FLT_MAX)) {
          return invalid_parameter(fmt::format("field {} of row {} must be a finite {}", f->name, index,
                                               data_type_name(f->type)));
        }
        out.scalars.emplace_back(d);
        break;
      }
      case DataType::kBool:
        if (!v.is_boolean()) return invalid_parameter(fmt::format("field {} of row {} must be a Bool", f->name, index));
        out.scalars.emplace_back(int64_t{v.get<bool>() ? 1 : 0});
        break;
      case DataType::kJson:
        out.scalars.emplace_back(v.dump(-1, ' ', false, Json::error_handler_t::replace));
        break;
      case DataType::kArray: {
        std::string text;
        MEMGPT_RETURN_IF_ERROR(encode_array(*f, v, index, text));
        out.scalars.emplace_back(std::move(text));
        break;
      }
      default:
        break;
    }
  }
  Json d = Json::object();
  for (const auto& [k, v] : row.items()) {
    if (spec_.field(k)) continue;
    if (spec_.bm25 && k == spec_.bm25->output_field) {  // Milvus: the function computes it
      return invalid_parameter(fmt::format("attempt to insert an unexpected function output field `{}` to collection "
                                           "(row {}): the BM25 function computes it from {}",
                                           k, index, spec_.bm25->input_field));
    }
    if (!spec_.enable_dynamic_field) {
      return invalid_parameter(fmt::format("field {} of row {} is not in the schema", k, index));
    }
    d[k] = v;
  }
  out.dyn = d.dump(-1, ' ', false, Json::error_handler_t::replace);
  return {};
}

Json RowCodec::pk(const SqlRow& r) const {
  if (spec_.primary_field()->type == DataType::kInt64) return r.integer(1);
  return r.text(1);
}

Result<Json> RowCodec::decode(const SqlRow& r, const std::vector<std::string>& wanted,
                              const std::function<Result<Json>(int64_t rid)>& vector_of) const {
  Json out = Json::object();
  out[spec_.primary_field()->name] = pk(r);
  bool all = std::find(wanted.begin(), wanted.end(), "*") != wanted.end();
  Json dyn = parse_json_or_discarded(r.text(2 + scalars_.size()));
  if (!dyn.is_object()) dyn = Json::object();
  auto scalar_value = [&](size_t i) -> Json {
    const FieldSchema* f = scalars_[i];
    size_t idx = 2 + i;
    if (r.is_null(idx)) return nullptr;
    switch (f->type) {
      case DataType::kInt64: return r.integer(idx);
      case DataType::kFloat:
      case DataType::kDouble: return r.real(idx);
      case DataType::kBool: return r.integer(idx) != 0;
      case DataType::kJson:
      case DataType::kArray: {
        Json j = parse_json_or_discarded(r.text(idx));
        return j.is_discarded() ? Json(nullptr) : j;
      }
      default: return r.text(idx);
    }
  };
  for (size_t i = 0; i < scalars_.size(); ++i) {
    const std::string& n = scalars_[i]->name;
    if (all || std::find(wanted.begin(), wanted.end(), n) != wanted.end()) out[n] = scalar_value(i);
  }
  for (const auto& w : wanted) {
    if (w == "*" || w == spec_.primary_field()->name) continue;
    if (w == spec_.vector_field()->name) {
      MEMGPT_ASSIGN_OR_RETURN(out[w], vector_of(r.integer(0)));
      continue;
    }
    if (spec_.field(w)) continue;
    if (!spec_.enable_dynamic_field) return invalid_parameter(fmt::format("field {} not exist", w));
    if (dyn.contains(w)) out[w] = dyn[w];
  }
  if (all) {
    for (const auto& [k, v] : dyn.items()) out[k] = v;
  }
  return out;
}

}  // namespace memgpt::vector::embedded
