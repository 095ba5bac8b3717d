#include "vector/embedded_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "vector/milvus_errors.h"
#include "vector/text_tokenizer.h"

namespace memgpt::vector::embedded {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string quote_ident(const std::string& s) { return "\"" + s + "\""; }
std::string column_of(const std::string& field) { return quote_ident("f_" + field); }
std::string table_of(const std::string& collection) { return quote_ident("c_" + collection); }
std::string fts_of(const std::string& collection) { return quote_ident("t_" + collection); }

const FieldSchema* text_field(const CollectionSpec& spec) {
  if (spec.bm25) return spec.field(spec.bm25->input_field);
  for (const auto& f : spec.fields) {
    if (!f.is_primary && f.type == DataType::kVarChar && f.name == "text") return &f;
  }
  return nullptr;
}

Analyzer analyzer_of(const CollectionSpec& spec) { return spec.bm25 ? Analyzer::kStandard : Analyzer::kPorter; }

namespace {

// Milvus's rules for an Array field: scalar elements (not JSON, not vectors, not arrays), a
// capacity in [1, 4096], and for VarChar elements a max_length; never a key.
Status validate_array(const FieldSchema& f) {
  switch (f.element_type) {
    case DataType::kInt64:
    case DataType::kVarChar:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kBool: break;
    default:
      return invalid_parameter(fmt::format("element type {} of array field {} is not supported (Int64, VarChar, "
                                           "Float, Double, Bool)",
                                           data_type_name(f.element_type), f.name));
  }
  if (f.max_capacity < 1 || f.max_capacity > kMaxArrayCapacity) {
    return invalid_parameter(fmt::format("the maximum capacity specified for a Array should be in (0, {}], "
                                         "but got {} (field {})",
                                         kMaxArrayCapacity, f.max_capacity, f.name));
  }
  if (f.element_type == DataType::kVarChar && (f.max_length <= 0 || f.max_length > 65535)) {
    return invalid_parameter(fmt::format("max_length of the elements of {} must be in [1, 65535]", f.name));
  }
  if (f.is_primary || f.is_partition_key) {
    return invalid_parameter(fmt::format("array field {} cannot be a primary or partition key", f.name));
  }
  return {};
}

// Milvus's rules for a BM25 function: a valid name, an analysed VarChar input, an output that is
// no other field, k1 in [0, 3] and b in [0, 1].
Status validate_bm25(const CollectionSpec& spec) {
  const Bm25Function& fn = *spec.bm25;
  if (!valid_name(fn.name)) return invalid_parameter(fmt::format("function name '{}' is invalid", fn.name.substr(0, 255)));
  const FieldSchema* input = spec.field(fn.input_field);
  if (!input) return invalid_parameter(fmt::format("function input field not found: {}", fn.input_field.substr(0, 255)));
  if (input->type != DataType::kVarChar || input->is_primary) {
    return invalid_parameter(fmt::format("BM25 function input field must be a VarChar field that is not the primary "
                                         "key ({} is not)", input->name));
  }
  if (!input->enable_analyzer) {
    return invalid_parameter(fmt::format("BM25 function input field {} must set enable_analyzer to true", input->name));
  }
  if (!valid_name(fn.output_field)) {
    return invalid_parameter(fmt::format("field name '{}' is invalid", fn.output_field.substr(0, 255)));
  }
  if (spec.field(fn.output_field)) {
    return invalid_parameter(fmt::format("BM25 function output field {} must be a SparseFloatVector field",
                                         fn.output_field));
  }
  if (fn.index_type != "SPARSE_INVERTED_INDEX" && fn.index_type != "AUTOINDEX") {
    return invalid_parameter(fmt::format("index type {} is not supported for the BM25 function output field {}: use "
                                         "SPARSE_INVERTED_INDEX or AUTOINDEX",
                                         fn.index_type.substr(0, 64), fn.output_field));
  }
  if (!(fn.k1 >= 0.0 && fn.k1 <= 3.0)) return invalid_parameter(fmt::format("bm25_k1: {} should be in range [0.0, 3.0]", fn.k1));
  if (!(fn.b >= 0.0 && fn.b <= 1.0)) return invalid_parameter(fmt::format("bm25_b: {} should be in range [0.0, 1.0]", fn.b));
  return {};
}

}  // namespace

Status validate_spec(CollectionSpec& spec) {
  if (!valid_name(spec.name)) {
    return invalid_parameter(fmt::format(
        "collection name '{}' is invalid: use letters, digits and '_', starting with a letter "
        "or '_', at most 255 characters",
        spec.name.substr(0, 255)));
  }
  int primaries = 0, vectors = 0;
  std::unordered_set<std::string> names;
  for (auto& f : spec.fields) {
    if (!valid_name(f.name)) return invalid_parameter(fmt::format("field name '{}' is invalid", f.name.substr(0, 255)));
    if (!names.insert(f.name).second) return invalid_parameter(fmt::format("duplicate field {}", f.name));
    if (f.is_primary) {
      ++primaries;
      if (f.type != DataType::kInt64 && f.type != DataType::kVarChar) {
        return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kBadPrimaryKeyType,
                            "the primary key must be Int64 or VarChar");
      }
    }
    if (f.type == DataType::kFloatVector) {
      ++vectors;
      if (f.dim <= 0 || f.dim > 32768) {
        return invalid_parameter(fmt::format("invalid dimension {} of vector field {}: it should be in range [1, 32768]",
                                             f.dim, f.name));
      }
    }
    if (f.type == DataType::kVarChar && (f.max_length <= 0 || f.max_length > 65535)) {
      return invalid_parameter(fmt::format("max_length of {} must be in [1, 65535]", f.name));
    }
    if (f.type == DataType::kArray) MEMGPT_RETURN_IF_ERROR(validate_array(f));
    if (f.enable_analyzer && f.type != DataType::kVarChar) {
      return invalid_parameter(fmt::format("enable_analyzer is only for VarChar fields ({} is {})", f.name,
                                           data_type_name(f.type)));
    }
  }
  if (spec.bm25) MEMGPT_RETURN_IF_ERROR(validate_bm25(spec));
  if (primaries != 1) return invalid_parameter("a collection needs exactly one primary key field");
  if (vectors != 1) return invalid_parameter("a collection needs exactly one FloatVector field");
  if (spec.index.field_name.empty()) spec.index.field_name = spec.vector_field()->name;
  if (spec.index.field_name != spec.vector_field()->name) {
    return invalid_parameter(fmt::format("index field {} is not the vector field", spec.index.field_name.substr(0, 255)));
  }
  if (spec.index.m < 2 || spec.index.m > 2048 || spec.index.ef_construction < 1) {
    return invalid_parameter("HNSW parameters out of range (M in [2, 2048], efConstruction >= 1)");
  }
  return validate_quantization(spec.index);
}

Status validate_quantization(IndexSpec& index) {
  if (index.index_type != "HNSW_SQ") {
    if (!index.sq_type.empty() || index.refine || !index.refine_type.empty()) {
      return invalid_parameter(fmt::format("sq_type, refine and refine_type need index_type HNSW_SQ (not {})",
                                           index.index_type.substr(0, 64)));
    }
    return {};
  }
  auto upper = [](std::string& s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  };
  upper(index.sq_type);  // Milvus's clients send "sq8" and "SQ8" alike
  upper(index.refine_type);
  if (index.sq_type.empty()) index.sq_type = "SQ8";
  if (index.sq_type != "SQ8") {
    return invalid_parameter(fmt::format("sq_type {} is not supported by the embedded engine: use SQ8",
                                         index.sq_type.substr(0, 64)));
  }
  if (!index.refine && !index.refine_type.empty()) return invalid_parameter("refine_type needs refine: true");
  if (index.refine && index.refine_type.empty()) index.refine_type = "FP32";
  if (index.refine && index.refine_type != "FP32") {
    return invalid_parameter(fmt::format(
        "refine_type {} is not supported by the embedded engine: use FP32 (exact re-ranking from the stored vectors)",
        index.refine_type.substr(0, 64)));
  }
  return {};
}

Json spec_to_json(const CollectionSpec& spec) {
  Json fields = Json::array();
  for (const auto& f : spec.fields) {
    fields.push_back({{"name", f.name},
                      {"type", data_type_name(f.type)},
                      {"primary", f.is_primary},
                      {"partition_key", f.is_partition_key},
                      {"max_length", f.max_length},
                      {"dim", f.dim}});
    // Only Array fields carry these, so the catalog entries of other collections are unchanged.
    if (f.type == DataType::kArray) {
      fields.back()["element_type"] = data_type_name(f.element_type);
      fields.back()["max_capacity"] = f.max_capacity;
    }
    if (f.enable_analyzer) fields.back()["enable_analyzer"] = true;
  }
  Json j = {{"name", spec.name},
          {"fields", fields},
          {"dynamic", spec.enable_dynamic_field},
          {"description", spec.description},
          {"index",
           {{"field", spec.index.field_name},
            {"metric", metric_type_name(spec.index.metric)},
            {"type", spec.index.index_type},
            {"M", spec.index.m},
            {"efConstruction", spec.index.ef_construction}}}};
  if (spec.index.index_type == "HNSW_SQ") {  // absent otherwise: older specs compare equal
    Json& idx = j["index"];
    idx["sq_type"] = spec.index.sq_type;
    idx["refine"] = spec.index.refine;
    idx["refine_type"] = spec.index.refine_type;
  }
  if (spec.bm25) {  // absent otherwise, as above
    const Bm25Function& fn = *spec.bm25;
    j["bm25"] = {{"name", fn.name}, {"input", fn.input_field}, {"output", fn.output_field},
                 {"index_type", fn.index_type}, {"k1", fn.k1}, {"b", fn.b}};
  }
  return j;
}

Result<CollectionSpec> spec_from_stored(std::string_view stored) {
  Json j = parse_json_or_discarded(std::string(stored));
  Status damaged = corrupt("a collection's entry in the store's catalog is damaged");
  if (!j.is_object()) return damaged;
  CollectionSpec spec;
  try {  // a wrong type inside our own catalog is damage, reported as such
    spec.name = j.value("name", "");
    spec.enable_dynamic_field = j.value("dynamic", true);
    spec.description = j.value("description", "");
    for (const auto& f : j.value("fields", Json::array())) {
      FieldSchema fs;
      fs.name = f.value("name", "");
      auto type = parse_data_type(f.value("type", ""));
      if (!type.ok()) return damaged;
      fs.type = *type;
      fs.is_primary = f.value("primary", false);
      fs.is_partition_key = f.value("partition_key", false);
      fs.max_length = f.value("max_length", 65535);
      fs.dim = f.value("dim", 0);
      if (fs.type == DataType::kArray) {
        auto element = parse_data_type(f.value("element_type", ""));
        if (!element.ok()) return damaged;
        fs.element_type = *element;
        fs.max_capacity = f.value("max_capacity", 0);
      }
      fs.enable_analyzer = f.value("enable_analyzer", false);
      spec.fields.push_back(fs);
    }
    const Json& idx = j.value("index", Json::object());
    spec.index.field_name = idx.value("field", "");
    auto metric = parse_metric_type(idx.value("metric", "IP"));
    if (!metric.ok()) return damaged;
    spec.index.metric = *metric;
    spec.index.index_type = idx.value("type", "HNSW");
    spec.index.m = idx.value("M", 16);
    spec.index.ef_construction = idx.value("efConstruction", 200);
    spec.index.sq_type = idx.value("sq_type", "");
    spec.index.refine = idx.value("refine", false);
    spec.index.refine_type = idx.value("refine_type", "");
    if (j.contains("bm25")) {
      const Json& fn = j["bm25"];
      spec.bm25 = Bm25Function{fn.at("name").get<std::string>(), fn.at("input").get<std::string>(),
                               fn.at("output").get<std::string>(), fn.at("index_type").get<std::string>(),
                               fn.at("k1").get<double>(), fn.at("b").get<double>()};
    }
  } catch (const Json::exception&) {
    return damaged;
  }
  CollectionSpec checked = spec;
  if (!validate_spec(checked).ok()) return damaged;
  return spec;
}

bool same_schema(const CollectionSpec& a, const CollectionSpec& b) {
  Json ja = spec_to_json(a), jb = spec_to_json(b);
  ja.erase("description");
  jb.erase("description");
  return ja == jb;
}

const char* const kCatalogSql =
    "PRAGMA case_sensitive_like = ON;"
    "CREATE TABLE IF NOT EXISTS _collections (name TEXT PRIMARY KEY, uid TEXT NOT NULL, "
    "spec TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS _tombstones (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "collection TEXT NOT NULL, rid INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS _tombstones_by_collection ON _tombstones (collection, seq);";

std::string create_collection_sql(const CollectionSpec& spec) {
  std::string table = table_of(spec.name);
  const FieldSchema* pk = spec.primary_field();
  std::string ddl = fmt::format(
      "CREATE TABLE {} (rid INTEGER PRIMARY KEY AUTOINCREMENT, pk {} NOT NULL UNIQUE", table,
      pk->type == DataType::kInt64 ? "INTEGER" : "TEXT");
  for (const auto& f : spec.fields) {
    if (f.is_primary || f.type == DataType::kFloatVector) continue;
    const char* type = f.type == DataType::kVarChar || f.type == DataType::kJson || f.type == DataType::kArray
                           ? "TEXT"
                       : f.type == DataType::kFloat || f.type == DataType::kDouble ? "REAL"
                                                                                     : "INTEGER";
    ddl += fmt::format(", {} {}", column_of(f.name), type);
  }
  ddl += ", dyn TEXT NOT NULL DEFAULT '{}', vec BLOB NOT NULL);";
  for (const auto& f : spec.fields) {
    if (f.is_partition_key) {
      ddl += fmt::format("CREATE INDEX {} ON {} ({});", quote_ident("i_" + spec.name + "_" + f.name),
                         table, column_of(f.name));
    }
  }
  ddl += pk_order_index_sql(spec);
  if (const FieldSchema* text = text_field(spec)) {
    std::string fts = fts_of(spec.name);
    std::string tc = column_of(text->name);
    ddl += fmt::format(
        "CREATE VIRTUAL TABLE {0} USING fts5({1}, content='c_{2}', content_rowid='rid', "
        "tokenize='{6}');"
        "CREATE TRIGGER {3} AFTER INSERT ON {4} BEGIN INSERT INTO {0} (rowid, {1}) VALUES "
        "(new.rid, new.{1}); END;"
        "CREATE TRIGGER {5} AFTER DELETE ON {4} BEGIN INSERT INTO {0} ({0}, rowid, {1}) "
        "VALUES ('delete', old.rid, old.{1}); END;",
        fts, tc, spec.name, quote_ident("ti_" + spec.name), table, quote_ident("td_" + spec.name),
        fts_tokenizer(analyzer_of(spec)));
  }
  return ddl;
}

std::vector<std::string> pk_order_index_names(const CollectionSpec& spec) {
  std::vector<std::string> names;
  for (const auto& f : spec.fields) {
    if (f.is_partition_key) names.push_back("o_" + spec.name + "_" + f.name);
  }
  return names;
}

std::string pk_order_index_sql(const CollectionSpec& spec) {
  std::string ddl;
  for (const auto& f : spec.fields) {
    if (f.is_partition_key) {
      ddl += fmt::format("CREATE INDEX IF NOT EXISTS {} ON {} ({}, pk);", quote_ident("o_" + spec.name + "_" + f.name),
                         table_of(spec.name), column_of(f.name));
    }
  }
  return ddl;
}

std::string drop_collection_sql(const std::string& collection) {
  return fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {};", fts_of(collection),
                     table_of(collection));
}

}  // namespace memgpt::vector::embedded
