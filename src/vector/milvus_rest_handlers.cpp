#include "vector/milvus_rest_handlers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cstdlib>
#include <climits>
#include <cmath>

#include "vector/milvus_errors.h"
#include "vector/milvus_rest_fields.h"
#include "vector/milvus_rest_full_text.h"

namespace memgpt::vector {
using milvus_rest::Fields;
using milvus_rest::missing;
using milvus_rest::wrong_type;
using milvus_rest::bm25_index_from_create;
using milvus_rest::check_analyzer;
using milvus_rest::functions_from_create;
namespace {

Json envelope_error(MilvusCode code, const std::string& message) {
  return {{"code", code_value(code)}, {"message", message}};
}

MilvusCode milvus_code(const Status& s) {
  if (MilvusCode code = milvus_code_of(s); code != MilvusCode::kSuccess) return code;
  switch (s.code()) {
    case ErrorCode::kInvalidArgument: return MilvusCode::kInvalidParameter;
    case ErrorCode::kNotFound: return MilvusCode::kCollectionNotFound;
    case ErrorCode::kAlreadyExists: return MilvusCode::kInvalidParameter;
    default: return MilvusCode::kUnexpected;
  }
}

// An id list: `"id": [1, 2]` or `"id": "a"`; strings and integers only.
Result<std::vector<Json>> ids_of(const Fields& b) {
  std::vector<Json> ids;
  const Json* v = b.find("id");
  if (!v) return ids;
  auto take = [&](const Json& x) -> Status {
    if (!x.is_string() && !x.is_number_integer()) return wrong_type("id", "a string, an integer or an array of them", x);
    ids.push_back(x);
    return {};
  };
  if (v->is_array()) {
    for (const auto& x : *v) MEMGPT_RETURN_IF_ERROR(take(x));
  } else {
    MEMGPT_RETURN_IF_ERROR(take(*v));
  }
  return ids;
}

Result<CollectionSpec> spec_from_create(const Fields& b, const std::string& name) {
  CollectionSpec spec;
  spec.name = name;
  std::vector<std::string> sparse_fields;
  MEMGPT_ASSIGN_OR_RETURN(spec.description, b.string("description"));
  MEMGPT_ASSIGN_OR_RETURN(Fields schema, b.object("schema"));
  MEMGPT_ASSIGN_OR_RETURN(const Json* fields, schema.array("fields"));
  MEMGPT_ASSIGN_OR_RETURN(const Json* index_params, b.array("indexParams"));
  if (fields && !fields->empty()) {
    MEMGPT_ASSIGN_OR_RETURN(bool auto_id, schema.boolean("autoID", false));
    if (auto_id) return invalid_parameter("autoID is not supported: give every row a primary key");
    MEMGPT_ASSIGN_OR_RETURN(spec.enable_dynamic_field, schema.boolean("enableDynamicField", false));
    for (size_t i = 0; i < fields->size(); ++i) {
      std::string path = fmt::format("schema.fields[{}]", i);
      const Json& f = (*fields)[i];
      if (!f.is_object()) return wrong_type(path, "an object", f);
      Fields field(f, path + ".");
      FieldSchema fs;
      MEMGPT_ASSIGN_OR_RETURN(fs.name, field.required_string("fieldName"));
      MEMGPT_ASSIGN_OR_RETURN(std::string type, field.required_string("dataType"));
      if (type == "SparseFloatVector") {  // only as a BM25 function's output (below)
        sparse_fields.push_back(fs.name);
        continue;
      }
      MEMGPT_ASSIGN_OR_RETURN(fs.type, parse_data_type(type));
      MEMGPT_ASSIGN_OR_RETURN(fs.is_primary, field.boolean("isPrimary", false));
      MEMGPT_ASSIGN_OR_RETURN(fs.is_partition_key, field.boolean("isPartitionKey", false));
      MEMGPT_ASSIGN_OR_RETURN(Fields params, field.object("elementTypeParams"));
      MEMGPT_ASSIGN_OR_RETURN(fs.max_length, params.size_param("max_length", 65535));
      MEMGPT_ASSIGN_OR_RETURN(fs.dim, params.size_param("dim", 0));
      MEMGPT_ASSIGN_OR_RETURN(fs.enable_analyzer, params.flag("enable_analyzer"));
      MEMGPT_RETURN_IF_ERROR(check_analyzer(params, fs.name));
      if (fs.type == DataType::kArray) {
        MEMGPT_ASSIGN_OR_RETURN(std::string element, field.required_string("elementDataType"));
        MEMGPT_ASSIGN_OR_RETURN(fs.element_type, parse_data_type(element));
        MEMGPT_ASSIGN_OR_RETURN(fs.max_capacity, params.size_param("max_capacity", 0));
        if (fs.max_capacity == 0) return missing(path + ".elementTypeParams.max_capacity");
      }
      spec.fields.push_back(fs);
    }
    MEMGPT_RETURN_IF_ERROR(functions_from_create(schema, sparse_fields, spec));
    for (size_t i = 0; index_params && i < index_params->size(); ++i) {
      std::string path = fmt::format("indexParams[{}]", i);
      const Json& ip = (*index_params)[i];
      if (!ip.is_object()) return wrong_type(path, "an object", ip);
      Fields index(ip, path + ".");
      MEMGPT_ASSIGN_OR_RETURN(Fields params, index.object("params"));
      MEMGPT_ASSIGN_OR_RETURN(std::string field_name, index.string("fieldName"));
      if (spec.bm25 && field_name == spec.bm25->output_field) {
        MEMGPT_RETURN_IF_ERROR(bm25_index_from_create(index, params, *spec.bm25));
        continue;
      }
      MEMGPT_ASSIGN_OR_RETURN(spec.index.field_name, index.string("fieldName"));
      MEMGPT_ASSIGN_OR_RETURN(std::string fallback_metric, params.string("metric_type", "IP"));
      MEMGPT_ASSIGN_OR_RETURN(std::string metric, index.string("metricType", fallback_metric));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.metric, parse_metric_type(metric));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.index_type, params.string("index_type", "HNSW"));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.m, params.int_param("M", 16));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.ef_construction, params.int_param("efConstruction", 200));
      // HNSW_SQ (checked with the rest of the spec by the engine).
      MEMGPT_ASSIGN_OR_RETURN(spec.index.sq_type, params.string("sq_type", ""));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.refine, params.boolean("refine", false));
      MEMGPT_ASSIGN_OR_RETURN(spec.index.refine_type, params.string("refine_type", ""));
    }
    return spec;
  }
  // Quick form.
  MEMGPT_ASSIGN_OR_RETURN(bool auto_id, b.boolean("autoID", false));
  if (auto_id) return invalid_parameter("autoID is not supported: give every row a primary key");
  MEMGPT_ASSIGN_OR_RETURN(int64_t dim, b.integer("dimension", 0));
  if (dim == 0) return missing("dimension");
  if (dim < 0 || dim > 32768) {
    return invalid_parameter(fmt::format("invalid dimension {}: it should be in range [1, 32768]", dim));
  }
  MEMGPT_ASSIGN_OR_RETURN(Fields params, b.object("params"));
  MEMGPT_ASSIGN_OR_RETURN(int max_length, params.size_param("max_length", 65535));
  MEMGPT_ASSIGN_OR_RETURN(std::string id_type, b.string("idType", "Int64"));
  MEMGPT_ASSIGN_OR_RETURN(DataType pk_type, parse_data_type(id_type));
  MEMGPT_ASSIGN_OR_RETURN(std::string pk_name, b.string("primaryFieldName", "id"));
  MEMGPT_ASSIGN_OR_RETURN(std::string vector_name, b.string("vectorFieldName", "vector"));
  spec.fields = {{pk_name, pk_type, true, false, max_length, 0},
                 {vector_name, DataType::kFloatVector, false, false, 0, static_cast<int>(dim)}};
  // Milvus's params map also takes "true"/"false" as strings.
  const Json* dynamic = params.find("enableDynamicField");
  if (dynamic && dynamic->is_string() && (*dynamic == "true" || *dynamic == "false")) {
    spec.enable_dynamic_field = *dynamic == "true";
  } else {
    MEMGPT_ASSIGN_OR_RETURN(spec.enable_dynamic_field, params.boolean("enableDynamicField", true));
  }
  spec.index.field_name = vector_name;
  MEMGPT_ASSIGN_OR_RETURN(std::string metric, b.string("metricType", "COSINE"));
  MEMGPT_ASSIGN_OR_RETURN(spec.index.metric, parse_metric_type(metric));
  return spec;
}

Json describe_json(const CollectionSpec& spec) {
  Json fields = Json::array();
  for (const auto& f : spec.fields) {
    Json params = Json::array();
    if (f.type == DataType::kFloatVector) params.push_back({{"key", "dim"}, {"value", std::to_string(f.dim)}});
    bool varchar = f.type == DataType::kVarChar || (f.type == DataType::kArray && f.element_type == DataType::kVarChar);
    if (f.type == DataType::kArray) params.push_back({{"key", "max_capacity"}, {"value", std::to_string(f.max_capacity)}});
    if (varchar) params.push_back({{"key", "max_length"}, {"value", std::to_string(f.max_length)}});
    if (f.enable_analyzer) params.push_back({{"key", "enable_analyzer"}, {"value", "true"}});
    fields.push_back({{"name", f.name}, {"type", data_type_name(f.type)}, {"primaryKey", f.is_primary},
                      {"partitionKey", f.is_partition_key}, {"autoId", false}, {"params", params}});
    if (f.type == DataType::kArray) fields.back()["elementType"] = data_type_name(f.element_type);
  }
  Json indexes = {{{"fieldName", spec.index.field_name}, {"indexName", spec.index.field_name},
                   {"metricType", metric_type_name(spec.index.metric)}}};
  Json out = {{"collectionName", spec.name},
              {"description", spec.description},
              {"fields", fields},
              {"indexes", indexes},
              {"load", "LoadStateLoaded"},
              {"enableDynamicField", spec.enable_dynamic_field},
              {"consistencyLevel", "Strong"},
              {"shardsNum", 1}};
  if (spec.bm25) {  // as Milvus 2.5 describes a full-text search collection
    const Bm25Function& fn = *spec.bm25;
    out["fields"].push_back({{"name", fn.output_field}, {"type", "SparseFloatVector"}, {"primaryKey", false},
                             {"partitionKey", false}, {"autoId", false}, {"isFunctionOutput", true},
                             {"params", Json::array()}});
    out["indexes"].push_back({{"fieldName", fn.output_field}, {"indexName", fn.output_field}, {"metricType", "BM25"}});
    out["functions"] = {{{"name", fn.name}, {"type", "BM25"}, {"description", ""},
                         {"inputFieldNames", {fn.input_field}}, {"outputFieldNames", {fn.output_field}},
                         {"params", Json::object()}}};
  }
  return out;
}

// indexes/list and indexes/describe (with the vector index's `progress`): the vector field's
// index, and the BM25 function's.
Json index_list(const CollectionSpec& spec, const IndexProgress* progress) {
  Json out = Json::array();
  if (!progress) {
    out.push_back(spec.index.field_name);
    if (spec.bm25) out.push_back(spec.bm25->output_field);
    return out;
  }
  out.push_back({{"fieldName", spec.index.field_name}, {"indexName", spec.index.field_name},
                 {"indexType", spec.index.index_type}, {"metricType", metric_type_name(spec.index.metric)},
                 {"indexState", progress->pending_rows > 0 ? "InProgress" : "Finished"},
                 {"indexedRows", progress->indexed_rows}, {"pendingRows", progress->pending_rows},
                 {"totalRows", progress->total_rows}});
  if (spec.bm25) {
    const Bm25Function& fn = *spec.bm25;
    out.push_back({{"fieldName", fn.output_field}, {"indexName", fn.output_field}, {"indexType", fn.index_type},
                   {"metricType", "BM25"}, {"indexState", "Finished"},
                   {"params", {{"bm25_k1", fn.k1}, {"bm25_b", fn.b}}}});
  }
  return out;
}

struct Reply {
  Json data;
  Json topks;  // search only: hits per query vector (Milvus 2.5 sends it beside data)
};

// One query vector of a request: numbers that are finite float32 values.
Result<std::vector<float>> vector_of(const Json& q, const std::string& path) {
  if (!q.is_array()) return wrong_type(path, "an array of numbers", q);
  std::vector<float> out;
  for (const auto& x : q) {
    if (!x.is_number()) return wrong_type(fmt::format("{}[{}]", path, out.size()), "a number", x);
    double d = x.get<double>();
    // Checked before the cast (a double outside float's range has no float value).
    if (!(std::fabs(d) <= FLT_MAX)) {
      return invalid_parameter(fmt::format("the search vector holds {} at position {}: every value must be a "
                                           "finite float32 (at most 3.4028235e38 in magnitude)",
                                           d, out.size()));
    }
    out.push_back(static_cast<float>(d));
  }
  return out;
}

// The text of a full-text search (a search of a BM25 function's output field).
Result<std::string> text_of(const Json& q, const std::string& path, const Bm25Function& fn) {
  if (!q.is_string()) {
    return invalid_parameter(fmt::format("{} must be a text: a search of BM25 function output field {} takes texts, "
                                         "not vectors",
                                         path, fn.output_field));
  }
  return q.get<std::string>();
}

Status check_metric(const std::string& metric, const std::string& expected) {
  if (metric.empty() || metric == expected) return {};
  return invalid_parameter(fmt::format("metric type not match: expected={}, actual={}", expected, metric.substr(0, 64)));
}

Status unknown_anns_field(const std::string& anns, const CollectionSpec& spec) {
  std::string fields = spec.vector_field()->name + (spec.bm25 ? " or " + spec.bm25->output_field : "");
  return invalid_parameter(fmt::format("annsField {} is not {} vector field of {} ({})", anns.substr(0, 255),
                                       spec.bm25 ? "a" : "the", spec.name, fields));
}

// The rows of one query's hits, as Milvus returns them (primary key, distance, output fields).
void append_hits(std::vector<SearchHit>& hits, const CollectionSpec& spec, Reply& reply) {
  reply.topks.push_back(hits.size());
  for (auto& h : hits) {
    Json row = std::move(h.fields);
    row[spec.primary_field()->name] = std::move(h.id);
    row["distance"] = h.distance;
    reply.data.push_back(std::move(row));
  }
}

// Search params of a request or a sub-request: HNSW's ef and HNSW_SQ's refine_k.
Status read_search_params(const Fields& params, SearchRequest& req) {
  MEMGPT_ASSIGN_OR_RETURN(req.ef, params.int_param("ef", 0));
  MEMGPT_ASSIGN_OR_RETURN(req.refine_k, params.number("refine_k", 0));
  if (req.ef < 0 || req.ef > 32768) {
    return invalid_parameter(fmt::format("{} [{}] is invalid, it should be in range [0, 32768]", params.name("ef"), req.ef));
  }
  return {};
}

Result<Reply> search(VectorStore& store, const Fields& b, const std::string& name) {
  MEMGPT_ASSIGN_OR_RETURN(const Json* data, b.array("data"));
  if (!data) return missing("data");
  MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store.describe_collection(name));
  SearchRequest req;
  MEMGPT_ASSIGN_OR_RETURN(int64_t limit, b.integer("limit", 100));
  MEMGPT_ASSIGN_OR_RETURN(int64_t offset, b.integer("offset", 0));
  MEMGPT_RETURN_IF_ERROR(check_search_window(limit, offset));  // before narrowing to int
  req.limit = static_cast<int>(limit);
  req.offset = static_cast<int>(offset);
  MEMGPT_ASSIGN_OR_RETURN(req.filter, b.string("filter"));
  MEMGPT_ASSIGN_OR_RETURN(req.output_fields, b.strings("outputFields"));
  MEMGPT_ASSIGN_OR_RETURN(std::string anns, b.string("annsField"));
  const bool full_text = spec.bm25 && anns == spec.bm25->output_field;
  if (!anns.empty() && !full_text && anns != spec.vector_field()->name) return unknown_anns_field(anns, spec);
  MEMGPT_ASSIGN_OR_RETURN(Fields search_params, b.object("searchParams"));
  MEMGPT_ASSIGN_OR_RETURN(std::string metric, search_params.string("metricType"));
  MEMGPT_RETURN_IF_ERROR(check_metric(metric, full_text ? "BM25" : metric_type_name(spec.index.metric)));
  MEMGPT_ASSIGN_OR_RETURN(Fields params, search_params.object("params"));
  MEMGPT_RETURN_IF_ERROR(read_search_params(params, req));
  MEMGPT_ASSIGN_OR_RETURN(std::string text_query, b.string("textQuery"));
  if (b.has("textQuery") && !full_text) {  // memgpt's own extension (docs/storage.md)
    req.text_query = text_query;
    MEMGPT_ASSIGN_OR_RETURN(int64_t rrf_k, b.integer("rrfK", 60));
    if (rrf_k < 0 || rrf_k > 16384) return invalid_parameter(fmt::format("rrfK [{}] is invalid, it should be in range [0, 16384]", rrf_k));
    req.rrf_k = static_cast<int>(rrf_k);
    MEMGPT_ASSIGN_OR_RETURN(req.vector_weight, b.number("vectorWeight", 1.0));
    MEMGPT_ASSIGN_OR_RETURN(req.text_weight, b.number("textWeight", 1.0));
  }
  std::vector<Json> queries(data->begin(), data->end());
  if (queries.empty() && req.text_query) queries.push_back(Json::array());
  Reply reply{Json::array(), Json::array()};
  for (size_t n = 0; n < queries.size(); ++n) {
    std::string path = fmt::format("data[{}]", n);
    std::vector<SearchHit> hits;
    if (full_text) {
      MEMGPT_ASSIGN_OR_RETURN(std::string text, text_of(queries[n], path, *spec.bm25));
      req.text_query = text;
      // A text without words matches nothing (as Milvus answers it).
      if (!text.empty()) {
        MEMGPT_ASSIGN_OR_RETURN(hits, store.search(name, req));
      }
    } else {
      MEMGPT_ASSIGN_OR_RETURN(req.vector, vector_of(queries[n], path));
      MEMGPT_ASSIGN_OR_RETURN(hits, store.search(name, req));
    }
    append_hits(hits, spec, reply);
  }
  return reply;
}

// entities/hybrid_search: one dense and one full-text sub-search with the same filter, fused by
// RRF (score = sum over the sub-searches of 1 / (k + rank), each sub-search's `limit` best).
Result<Reply> hybrid_search(VectorStore& store, const Fields& b, const std::string& name) {
  MEMGPT_ASSIGN_OR_RETURN(const Json* subs, b.array("search"));
  if (!subs || subs->empty()) return missing("search");
  MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store.describe_collection(name));
  SearchRequest req;
  MEMGPT_ASSIGN_OR_RETURN(int64_t limit, b.integer("limit", 100));
  MEMGPT_ASSIGN_OR_RETURN(int64_t offset, b.integer("offset", 0));
  MEMGPT_RETURN_IF_ERROR(check_search_window(limit, offset));
  req.limit = static_cast<int>(limit);
  req.offset = static_cast<int>(offset);
  MEMGPT_ASSIGN_OR_RETURN(req.output_fields, b.strings("outputFields"));
  MEMGPT_ASSIGN_OR_RETURN(Fields rerank, b.object("rerank"));
  MEMGPT_ASSIGN_OR_RETURN(std::string strategy, rerank.string("strategy", "rrf"));
  if (strategy != "rrf") {
    return invalid_parameter(fmt::format("rerank strategy {} is not supported by memgpt's engine: use rrf",
                                         strategy.substr(0, 64)));
  }
  MEMGPT_ASSIGN_OR_RETURN(Fields rerank_params, rerank.object("params"));
  MEMGPT_ASSIGN_OR_RETURN(int rrf_k, rerank_params.int_param("k", 60));
  if (rrf_k <= 0 || rrf_k >= 16384) {
    return invalid_parameter(fmt::format("The rank params k should be in range (0, 16384), got {}", rrf_k));
  }
  req.rrf_k = rrf_k;
  bool dense = false;
  bool text = false;
  for (size_t i = 0; i < subs->size(); ++i) {
    std::string path = fmt::format("search[{}]", i);
    const Json& s = (*subs)[i];
    if (!s.is_object()) return wrong_type(path, "an object", s);
    Fields sub(s, path + ".");
    MEMGPT_ASSIGN_OR_RETURN(const Json* data, sub.array("data"));
    if (!data) return missing(sub.name("data"));
    if (data->size() != 1) return invalid_parameter(fmt::format("{} must hold one query (memgpt's engine)", sub.name("data")));
    MEMGPT_ASSIGN_OR_RETURN(std::string anns, sub.required_string("annsField"));
    MEMGPT_ASSIGN_OR_RETURN(int64_t sub_limit, sub.integer("limit", limit));
    MEMGPT_RETURN_IF_ERROR(check_search_window(sub_limit, 0));
    MEMGPT_ASSIGN_OR_RETURN(std::string filter, sub.string("filter"));
    if (i > 0 && filter != req.filter) {
      return invalid_parameter("the sub-searches of a hybrid_search must have the same filter (memgpt's engine "
                               "filters both rankings with one)");
    }
    req.filter = filter;
    MEMGPT_ASSIGN_OR_RETURN(std::string metric, sub.string("metricType"));
    MEMGPT_ASSIGN_OR_RETURN(Fields params, sub.object("params"));
    const bool full_text = spec.bm25 && anns == spec.bm25->output_field;
    if (full_text && !text) {
      MEMGPT_RETURN_IF_ERROR(check_metric(metric, "BM25"));
      MEMGPT_ASSIGN_OR_RETURN(std::string query, text_of((*data)[0], sub.name("data[0]"), *spec.bm25));
      // A text without words ranks nothing; " " keeps the fusion (and its scores) all the same.
      req.text_query = query.empty() ? " " : query;
      req.text_candidates = static_cast<int>(sub_limit);
      text = true;
    } else if (anns == spec.vector_field()->name && !dense) {
      MEMGPT_RETURN_IF_ERROR(check_metric(metric, metric_type_name(spec.index.metric)));
      MEMGPT_RETURN_IF_ERROR(read_search_params(params, req));
      MEMGPT_ASSIGN_OR_RETURN(req.vector, vector_of((*data)[0], sub.name("data[0]")));
      req.vector_candidates = static_cast<int>(sub_limit);
      dense = true;
    } else if (!full_text && anns != spec.vector_field()->name) {
      return unknown_anns_field(anns, spec);
    } else {
      return invalid_parameter(fmt::format("{} searches {} a second time", path, anns.substr(0, 255)));
    }
  }
  if (!dense || !text) {
    return invalid_parameter(fmt::format("memgpt's engine's hybrid_search fuses one search of {} and one of a BM25 "
                                         "function's output field{}",
                                         spec.vector_field()->name, spec.bm25 ? " (" + spec.bm25->output_field + ")" : ""));
  }
  MEMGPT_ASSIGN_OR_RETURN(auto hits, store.search(name, req));
  Reply reply{Json::array(), Json::array()};
  append_hits(hits, spec, reply);
  return reply;
}

Result<Reply> dispatch(VectorStore& store, const std::string& action, const Fields& b) {
  if (action == "collections/list") {
    MEMGPT_ASSIGN_OR_RETURN(auto names, store.list_collections());
    return Reply{Json(names), {}};
  }
  MEMGPT_ASSIGN_OR_RETURN(std::string name, b.required_string("collectionName"));
  if (action == "collections/create") {
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, spec_from_create(b, name));
    MEMGPT_RETURN_IF_ERROR(store.create_collection(spec));
    return Reply{Json::object(), {}};
  }
  if (action == "collections/has") {
    MEMGPT_ASSIGN_OR_RETURN(bool has, store.has_collection(name));
    return Reply{Json{{"has", has}}, {}};
  }
  if (action == "collections/describe") {
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store.describe_collection(name));
    return Reply{describe_json(spec), {}};
  }
  if (action == "collections/drop") {
    MEMGPT_RETURN_IF_ERROR(store.drop_collection(name));
    return Reply{Json::object(), {}};
  }
  if (action == "collections/load" || action == "collections/release" || action == "collections/get_load_state" ||
      action == "indexes/list" || action == "indexes/describe" || action == "indexes/create" ||
      action == "collections/get_stats") {
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store.describe_collection(name));
    if (action == "collections/get_load_state") return Reply{{{"loadState", "LoadStateLoaded"}, {"loadProgress", 100}}, {}};
    if (action == "collections/get_stats") {
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, store.count(name, ""));
      return Reply{Json{{"rowCount", n}}, {}};
    }
    if (action == "indexes/list") return Reply{index_list(spec, nullptr), {}};
    if (action == "indexes/describe") {
      MEMGPT_ASSIGN_OR_RETURN(IndexProgress progress, store.index_progress(name));
      return Reply{index_list(spec, &progress), {}};
    }
    return Reply{Json::object(), {}};  // load/release/indexes/create: the engine is always loaded and indexed
  }
  if (action == "entities/insert" || action == "entities/upsert") {
    MEMGPT_ASSIGN_OR_RETURN(const Json* data, b.array("data"));
    if (!data) return missing("data");
    std::vector<Json> rows(data->begin(), data->end());
    bool upsert = action == "entities/upsert";
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, upsert ? store.upsert(name, rows) : store.insert(name, rows));
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store.describe_collection(name));
    Json ids = Json::array();
    const std::string& pk = spec.primary_field()->name;
    for (const auto& r : rows) ids.push_back(r.is_object() && r.contains(pk) ? r[pk] : Json());
    return Reply{upsert ? Json{{"upsertCount", n}, {"upsertIds", ids}} : Json{{"insertCount", n}, {"insertIds", ids}}, {}};
  }
  if (action == "entities/search") return search(store, b, name);
  if (action == "entities/hybrid_search") return hybrid_search(store, b, name);
  if (action == "entities/query") {
    QueryRequest q;
    MEMGPT_ASSIGN_OR_RETURN(q.filter, b.string("filter"));
    MEMGPT_ASSIGN_OR_RETURN(int64_t limit, b.integer("limit", 0));
    MEMGPT_ASSIGN_OR_RETURN(q.offset, b.integer("offset", 0));
    MEMGPT_ASSIGN_OR_RETURN(q.output_fields, b.strings("outputFields"));
    bool counting = q.output_fields.size() == 1 && q.output_fields[0] == "count(*)";
    if (limit > 0 && !counting) {  // as Milvus: no limit (or 0) means all matching rows
      MEMGPT_RETURN_IF_ERROR(check_query_window(limit, q.offset));
      q.limit = limit;
    } else if (q.offset < 0) {
      return invalid_parameter(fmt::format("offset [{}] is invalid, should be gte than 0", q.offset));
    }
    MEMGPT_ASSIGN_OR_RETURN(auto rows, store.query(name, q));
    return Reply{Json(rows), {}};
  }
  if (action == "entities/get") {
    MEMGPT_ASSIGN_OR_RETURN(std::vector<Json> ids, ids_of(b));
    MEMGPT_ASSIGN_OR_RETURN(auto fields, b.strings("outputFields"));
    MEMGPT_ASSIGN_OR_RETURN(auto rows, store.get(name, ids, fields));
    return Reply{Json(rows), {}};
  }
  if (action == "entities/delete") {
    MEMGPT_ASSIGN_OR_RETURN(std::string filter, b.string("filter"));
    MEMGPT_ASSIGN_OR_RETURN(std::vector<Json> ids, ids_of(b));
    if (filter.empty() && b.has("id")) {
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, store.remove_ids(name, ids));
      return Reply{Json{{"deleteCount", n}}, {}};
    }
    if (filter.empty()) return missing("filter");
    MEMGPT_ASSIGN_OR_RETURN(int64_t n, store.remove(name, filter));
    return Reply{Json{{"deleteCount", n}}, {}};
  }
  return milvus_error(ErrorCode::kNotFound, MilvusCode::kUnexpected, "unknown endpoint /v2/vectordb/" + action);
}

// Int64 values as strings, for clients that sent Accept-Type-Allow-Int64: false.
void int64_as_strings(Json& row) {
  for (auto& [k, v] : row.items()) {
    if (v.is_number_integer()) v = std::to_string(v.get<int64_t>());
  }
}

MilvusResponse serve(VectorStore& store, const MilvusRequest& request) {
  Json body = parse_json_or_discarded(request.body.empty() ? std::string("{}") : request.body);
  if (!body.is_object()) {
    return {200, envelope_error(MilvusCode::kInvalidJson, "can only accept json format request, error: the body must be a JSON object")};
  }
  Fields b(body);
  auto db = b.string("dbName", request.db_header);
  if (!db.ok()) return {200, envelope_error(milvus_code(db.status()), db.status().message())};
  if (!db->empty() && *db != "default") {
    return {200, envelope_error(MilvusCode::kDatabaseNotFound, "database not found[database=" + db->substr(0, 255) + "]")};
  }
  auto result = dispatch(store, request.action, b);
  if (!result.ok()) {
    Json err = envelope_error(milvus_code(result.status()), result.status().message());
    // The Node SDK reads `topks` of every search reply, failed ones included.
    if (request.action == "entities/search" || request.action == "entities/hybrid_search") err["topks"] = Json::array();
    return {200, err};
  }
  Json data = std::move(result->data);
  if (request.int64_as_strings && data.is_array()) {
    for (auto& row : data) {
      if (row.is_object()) int64_as_strings(row);
    }
  }
  Json out = {{"code", 0}, {"data", std::move(data)}};
  if (!result->topks.is_null()) out["topks"] = std::move(result->topks);
  if (b.has("textQuery")) out["textQueryApplied"] = true;
  return {200, out};
}

}  // namespace

MilvusResponse serve_milvus_request(VectorStore& store, const MilvusRequest& request) {
  try {
    return serve(store, request);
  } catch (...) {  // a bug; its text stays in the process
    return {200, envelope_error(MilvusCode::kUnexpected, "internal error")};
  }
}

}  // namespace memgpt::vector
