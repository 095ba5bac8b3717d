// Reading the JSON body of a Milvus REST v2 request, for the server's handlers
// (milvus_rest_handlers.cpp, milvus_rest_full_text.cpp): typed access that never throws, and the
// errors Milvus answers for a body its Go structs cannot take (1801) or a missing field (1802).
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/status.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector::milvus_rest {

inline const char* json_type(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number with a fraction";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    default: return "an object";
  }
}

// A field of the wrong JSON type: what Milvus answers when its Go structs cannot take the body.
inline Status wrong_type(const std::string& field, const char* expected, const Json& v) {
  return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kInvalidJson,
                      fmt::format("can only accept json format request, error: {} must be {}, not {}", field,
                                  expected, json_type(v)));
}

inline Status missing(const std::string& field) {
  return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kMissingParameter,
                      fmt::format("missing required parameters, error: {} is required", field));
}

// Typed access to one JSON object of a request, which never throws: a value of another type is
// 1801 naming the field; absent and null read as the fallback.
class Fields {
 public:
  explicit Fields(const Json& object, std::string path = "") : object_(object), path_(std::move(path)) {}

  std::string name(const std::string& key) const { return path_ + key; }
  const Json* find(const std::string& key) const {
    if (!object_.is_object()) return nullptr;
    auto it = object_.find(key);
    return it == object_.end() || it->is_null() ? nullptr : &*it;
  }
  bool has(const std::string& key) const { return find(key) != nullptr; }

  Result<std::string> string(const std::string& key, std::string fallback = "") const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_string()) return wrong_type(name(key), "a string", *v);
    return v->get<std::string>();
  }
  Result<std::string> required_string(const std::string& key) const {
    MEMGPT_ASSIGN_OR_RETURN(std::string s, string(key));
    if (s.empty()) return missing(name(key));
    return s;
  }
  Result<int64_t> integer(const std::string& key, int64_t fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (v->is_number_unsigned() && v->get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      return static_cast<int64_t>(v->get<uint64_t>());
    }
    if (!v->is_number_integer() || v->is_number_unsigned()) return wrong_type(name(key), "an integer", *v);
    return v->get<int64_t>();
  }
  Result<double> number(const std::string& key, double fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>())) return wrong_type(name(key), "a finite number", *v);
    return v->get<double>();
  }
  Result<bool> boolean(const std::string& key, bool fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    if (!v->is_boolean()) return wrong_type(name(key), "a boolean", *v);
    return v->get<bool>();
  }
  // A boolean of a params map: true/false or "true"/"false".
  Result<bool> flag(const std::string& key) const {
    const Json* v = find(key);
    if (v && v->is_string() && (*v == "true" || *v == "false")) return *v == "true";
    return boolean(key, false);
  }
  // A nested object (an empty one when absent).
  Result<Fields> object(const std::string& key) const {
    static const Json kEmpty = Json::object();
    const Json* v = find(key);
    if (!v) return Fields(kEmpty, name(key) + ".");
    if (!v->is_object()) return wrong_type(name(key), "an object", *v);
    return Fields(*v, name(key) + ".");
  }
  // An array (nullptr when absent).
  Result<const Json*> array(const std::string& key) const {
    const Json* v = find(key);
    if (v && !v->is_array()) return wrong_type(name(key), "an array", *v);
    return v;
  }
  Result<std::vector<std::string>> strings(const std::string& key) const {
    MEMGPT_ASSIGN_OR_RETURN(const Json* a, array(key));
    std::vector<std::string> out;
    if (!a) return out;
    for (const auto& x : *a) {
      if (!x.is_string()) return wrong_type(name(key), "an array of strings", *a);
      out.push_back(x.get<std::string>());
    }
    return out;
  }
  // Milvus's `params` maps carry integers as numbers or as strings ("dim": "384").
  Result<int> int_param(const std::string& key, int fallback) const {
    const Json* v = find(key);
    if (!v) return fallback;
    int64_t n = 0;
    bool ok = false;
    if (v->is_number_integer() && !(v->is_number_unsigned() && v->get<uint64_t>() > INT_MAX)) {
      n = v->get<int64_t>();
      ok = n >= INT_MIN && n <= INT_MAX;
    } else if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      int parsed = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
      ok = !s.empty() && ec == std::errc() && end == s.data() + s.size();
      n = parsed;
    }
    if (!ok) {
      return invalid_parameter(fmt::format("{} must be an integer in [{}, {}], not {}", name(key), INT_MIN, INT_MAX,
                                           v->dump(-1, ' ', false, Json::error_handler_t::replace).substr(0, 64)));
    }
    return static_cast<int>(n);
  }
  // A dimension or a length: a positive int (the store checks the exact range).
  Result<int> size_param(const std::string& key, int fallback) const {
    MEMGPT_ASSIGN_OR_RETURN(int n, int_param(key, fallback));
    if (n < 0) return invalid_parameter(fmt::format("{} must not be negative, got {}", name(key), n));
    return n;
  }

 private:
  const Json& object_;
  std::string path_;
};

}  // namespace memgpt::vector::milvus_rest
