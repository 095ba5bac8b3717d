#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "http/http_server.h"
#include "vector/milvus_errors.h"
#include "vector/milvus_rest.h"

namespace memgpt::vector {
namespace {

Json envelope_error(int code, const std::string& message) { return {{"code", code}, {"message", message}}; }

int milvus_code(const Status& s) {
  if (s.detail() != 0) return s.detail();
  switch (s.code()) {
    case ErrorCode::kInvalidArgument: return kInvalidParameter;
    case ErrorCode::kNotFound: return kCollectionNotFound;
    case ErrorCode::kAlreadyExists: return kInvalidParameter;
    default: return kUnexpected;
  }
}

Result<CollectionSpec> spec_from_create(const Json& b) {
  CollectionSpec spec;
  spec.name = b.value("collectionName", "");
  spec.description = b.value("description", "");
  if (b.contains("schema")) {
    const Json& schema = b["schema"];
    if (schema.value("autoID", false)) return invalid_parameter("autoID is not supported: give every row a primary key");
    spec.enable_dynamic_field = schema.value("enableDynamicField", false);
    for (const auto& f : schema.value("fields", Json::array())) {
      FieldSchema fs;
      fs.name = f.value("fieldName", "");
      MEMGPT_ASSIGN_OR_RETURN(fs.type, parse_data_type(f.value("dataType", "")));
      fs.is_primary = f.value("isPrimary", false);
      fs.is_partition_key = f.value("isPartitionKey", false);
      const Json& p = f.value("elementTypeParams", Json::object());
      auto num = [&](const char* key, int fallback) {
        if (!p.contains(key)) return fallback;
        const Json& v = p[key];
        return v.is_string() ? std::atoi(v.get<std::string>().c_str()) : v.get<int>();
      };
      fs.max_length = num("max_length", 65535);
      fs.dim = num("dim", 0);
      spec.fields.push_back(fs);
    }
    for (const auto& ip : b.value("indexParams", Json::array())) {
      const Json& params = ip.value("params", Json::object());
      spec.index.field_name = ip.value("fieldName", "");
      MEMGPT_ASSIGN_OR_RETURN(spec.index.metric, parse_metric_type(ip.value("metricType", params.value("metric_type", "IP"))));
      spec.index.index_type = params.value("index_type", "HNSW");
      auto num = [&](const char* key, int fallback) {
        if (!params.contains(key)) return fallback;
        const Json& v = params[key];
        return v.is_string() ? std::atoi(v.get<std::string>().c_str()) : v.get<int>();
      };
      spec.index.m = num("M", 16);
      spec.index.ef_construction = num("efConstruction", 200);
    }
    return spec;
  }
  // Quick form.
  if (b.value("autoID", false)) return invalid_parameter("autoID is not supported: give every row a primary key");
  int dim = b.value("dimension", 0);
  if (dim <= 0) return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter, "dimension is required");
  const Json& params = b.value("params", Json::object());
  int max_length = params.contains("max_length")
                       ? (params["max_length"].is_string() ? std::atoi(params["max_length"].get<std::string>().c_str())
                                                           : params["max_length"].get<int>())
                       : 65535;
  std::string id_type = b.value("idType", "Int64");
  MEMGPT_ASSIGN_OR_RETURN(DataType pk_type, parse_data_type(id_type));
  spec.fields = {{b.value("primaryFieldName", "id"), pk_type, true, false, max_length, 0},
                 {b.value("vectorFieldName", "vector"), DataType::kFloatVector, false, false, 0, dim}};
  spec.enable_dynamic_field = params.value("enableDynamicField", true);
  spec.index.field_name = spec.fields[1].name;
  MEMGPT_ASSIGN_OR_RETURN(spec.index.metric, parse_metric_type(b.value("metricType", "COSINE")));
  return spec;
}

Json describe_json(const CollectionSpec& spec) {
  Json fields = Json::array();
  for (const auto& f : spec.fields) {
    Json params = Json::array();
    if (f.type == DataType::kFloatVector) params.push_back({{"key", "dim"}, {"value", std::to_string(f.dim)}});
    if (f.type == DataType::kVarChar) params.push_back({{"key", "max_length"}, {"value", std::to_string(f.max_length)}});
    fields.push_back({{"name", f.name}, {"type", data_type_name(f.type)}, {"primaryKey", f.is_primary},
                      {"partitionKey", f.is_partition_key}, {"autoId", false}, {"params", params}});
  }
  return {{"collectionName", spec.name},
          {"description", spec.description},
          {"fields", fields},
          {"indexes", {{{"fieldName", spec.index.field_name}, {"indexName", spec.index.field_name},
                        {"metricType", metric_type_name(spec.index.metric)}}}},
          {"load", "LoadStateLoaded"},
          {"enableDynamicField", spec.enable_dynamic_field},
          {"consistencyLevel", "Strong"},
          {"shardsNum", 1}};
}

std::vector<std::string> strings(const Json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& x : j) {
      if (x.is_string()) out.push_back(x);
    }
  }
  return out;
}

// Int64 values as strings, for clients that sent Accept-Type-Allow-Int64: false.
void int64_as_strings(Json& row) {
  for (auto& [k, v] : row.items()) {
    if (v.is_number_integer()) v = std::to_string(v.get<int64_t>());
  }
}

}  // namespace

struct MilvusRestServer::Impl {
  VectorStore* store;
  Options options;
  http::Router router;
  std::unique_ptr<http::HttpServer> http;

  Result<Json> handle(const std::string& action, const Json& b) {
    std::string name = b.value("collectionName", "");
    auto need_name = [&]() -> Status {
      if (name.empty()) return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter, "missing required parameters: collectionName");
      return {};
    };
    if (action == "collections/list") {
      MEMGPT_ASSIGN_OR_RETURN(auto names, store->list_collections());
      return Json(names);
    }
    MEMGPT_RETURN_IF_ERROR(need_name());
    if (action == "collections/create") {
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, spec_from_create(b));
      MEMGPT_RETURN_IF_ERROR(store->create_collection(spec));
      return Json::object();
    }
    if (action == "collections/has") {
      MEMGPT_ASSIGN_OR_RETURN(bool has, store->has_collection(name));
      return Json{{"has", has}};
    }
    if (action == "collections/describe") {
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store->describe_collection(name));
      return describe_json(spec);
    }
    if (action == "collections/drop") {
      MEMGPT_RETURN_IF_ERROR(store->drop_collection(name));
      return Json::object();
    }
    if (action == "collections/load" || action == "collections/release" || action == "collections/get_load_state" ||
        action == "indexes/list" || action == "indexes/describe" || action == "indexes/create" ||
        action == "collections/get_stats") {
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store->describe_collection(name));
      if (action == "collections/get_load_state") return Json{{"loadState", "LoadStateLoaded"}, {"loadProgress", 100}};
      if (action == "collections/get_stats") {
        MEMGPT_ASSIGN_OR_RETURN(int64_t n, store->count(name, ""));
        return Json{{"rowCount", n}};
      }
      if (action == "indexes/list") return Json::array({spec.index.field_name});
      if (action == "indexes/describe") {
        return Json::array({{{"fieldName", spec.index.field_name}, {"indexName", spec.index.field_name},
                             {"indexType", spec.index.index_type}, {"metricType", metric_type_name(spec.index.metric)},
                             {"indexState", "Finished"}}});
      }
      return Json::object();  // load/release/indexes/create: the embedded engine is always loaded and indexed
    }
    if (action == "entities/insert" || action == "entities/upsert") {
      if (!b.contains("data") || !b["data"].is_array()) {
        return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter, "missing required parameters: data");
      }
      std::vector<Json> rows(b["data"].begin(), b["data"].end());
      bool upsert = action == "entities/upsert";
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, upsert ? store->upsert(name, rows) : store->insert(name, rows));
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store->describe_collection(name));
      Json ids = Json::array();
      for (const auto& r : rows) ids.push_back(r.value(spec.primary_field()->name, Json()));
      return upsert ? Json{{"upsertCount", n}, {"upsertIds", ids}} : Json{{"insertCount", n}, {"insertIds", ids}};
    }
    if (action == "entities/search") {
      if (!b.contains("data") || !b["data"].is_array()) {
        return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter, "missing required parameters: data");
      }
      SearchRequest req;
      req.filter = b.value("filter", "");
      req.limit = b.value("limit", 100);
      req.offset = b.value("offset", 0);
      req.output_fields = strings(b.value("outputFields", Json::array()));
      const Json& sp = b.value("searchParams", Json::object());
      req.ef = sp.value("params", Json::object()).value("ef", 0);
      if (b.contains("textQuery") && b["textQuery"].is_string()) {
        req.text_query = b["textQuery"].get<std::string>();
        req.rrf_k = b.value("rrfK", 60);
        req.vector_weight = b.value("vectorWeight", 1.0);
        req.text_weight = b.value("textWeight", 1.0);
      }
      Json out = Json::array();
      Json topks = Json::array();  // hits per query vector (Milvus 2.5 sends it beside data)
      std::vector<Json> queries(b["data"].begin(), b["data"].end());
      if (queries.empty() && req.text_query) queries.push_back(Json::array());
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, store->describe_collection(name));
      for (const auto& q : queries) {
        if (!q.is_array()) return invalid_parameter("each search vector must be an array of numbers");
        req.vector.clear();
        for (const auto& x : q) {
          if (!x.is_number()) return invalid_parameter("each search vector must be an array of numbers");
          req.vector.push_back(x.get<float>());
        }
        MEMGPT_ASSIGN_OR_RETURN(auto hits, store->search(name, req));
        topks.push_back(hits.size());
        for (auto& h : hits) {
          Json row = h.fields;
          row[spec.primary_field()->name] = h.id;
          row["distance"] = h.distance;
          out.push_back(row);
        }
      }
      return Json{{"__rows", out}, {"__topks", topks}};
    }
    if (action == "entities/query") {
      QueryRequest q;
      q.filter = b.value("filter", "");
      q.limit = b.value("limit", int64_t{-1});
      q.offset = b.value("offset", int64_t{0});
      q.output_fields = strings(b.value("outputFields", Json::array()));
      MEMGPT_ASSIGN_OR_RETURN(auto rows, store->query(name, q));
      return Json(rows);
    }
    if (action == "entities/get") {
      Json ids = b.value("id", Json::array());
      if (!ids.is_array()) ids = Json::array({ids});
      MEMGPT_ASSIGN_OR_RETURN(auto rows, store->get(name, std::vector<Json>(ids.begin(), ids.end()),
                                                    strings(b.value("outputFields", Json::array()))));
      return Json(rows);
    }
    if (action == "entities/delete") {
      std::string filter = b.value("filter", "");
      if (filter.empty() && b.contains("id")) {
        Json ids = b["id"].is_array() ? b["id"] : Json::array({b["id"]});
        MEMGPT_ASSIGN_OR_RETURN(int64_t n, store->remove_ids(name, std::vector<Json>(ids.begin(), ids.end())));
        return Json{{"deleteCount", n}};
      }
      if (filter.empty()) return milvus_error(ErrorCode::kInvalidArgument, kMissingParameter, "missing required parameters: filter");
      MEMGPT_ASSIGN_OR_RETURN(int64_t n, store->remove(name, filter));
      return Json{{"deleteCount", n}};
    }
    return milvus_error(ErrorCode::kNotFound, kUnexpected, "unknown endpoint /v2/vectordb/" + action);
  }
};

MilvusRestServer::MilvusRestServer(VectorStore* store, Options options) : impl_(std::make_unique<Impl>()) {
  impl_->store = store;
  impl_->options = std::move(options);
  Impl* impl = impl_.get();
  impl->router.add("POST", "/v2/vectordb/*/*", [impl](const http::Request& req) {
    http::Response res;
    auto started = std::chrono::steady_clock::now();
    std::string action = req.params[0] + "/" + req.params[1];
    auto reply = [&](int http_status, const Json& body) {
      res.status = http_status;
      res.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
      if (impl->options.log_requests) {
        auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        fmt::print(stderr, "POST /v2/vectordb/{} {} code={} {:.1f} ms\n", action, http_status, body.value("code", 0), ms);
      }
    };
    if (!impl->options.token.empty()) {
      std::string auth = req.header("Authorization");
      if (auth != "Bearer " + impl->options.token) {
        reply(401, envelope_error(kUnauthenticated, "user hasn't authenticated"));
        return res;
      }
    }
    Json body = parse_json_or_discarded(req.body.empty() ? std::string("{}") : req.body);
    if (!body.is_object()) {
      reply(200, envelope_error(kInvalidJson, "can only accept json format request"));
      return res;
    }
    std::string db = body.value("dbName", req.header("DB-Name"));
    if (!db.empty() && db != "default") {
      reply(200, envelope_error(kDatabaseNotFound, "database not found[database=" + db + "]"));
      return res;
    }
    auto result = impl->handle(action, body);
    if (!result.ok()) {
      Json err = envelope_error(milvus_code(result.status()), result.status().message());
      // The Node SDK reads `topks` of every search reply, failed ones included.
      if (action == "entities/search") err["topks"] = Json::array();
      reply(200, err);
      return res;
    }
    Json data = std::move(*result);
    Json topks;
    if (data.is_object() && data.contains("__rows")) {  // search: rows plus per-query counts
      topks = data["__topks"];
      data = data["__rows"];
    }
    if (req.header("Accept-Type-Allow-Int64") == "false" && data.is_array()) {
      for (auto& row : data) {
        if (row.is_object()) int64_as_strings(row);
      }
    }
    Json out = {{"code", 0}, {"data", data}};
    if (!topks.is_null()) out["topks"] = topks;
    if (body.contains("textQuery")) out["textQueryApplied"] = true;
    reply(200, out);
    return res;
  });
  // Errors of the transport (no route, body too large, a bug) in the Milvus envelope.
  impl->router.set_error_renderer([](int status, const std::string& message) {
    int code = status == 413 ? kInvalidParameter : kUnexpected;
    return http::Response::json_text(status, envelope_error(code, status == 404 ? "no such endpoint" : message).dump());
  });
}

MilvusRestServer::~MilvusRestServer() { stop(); }

Result<int> MilvusRestServer::start(const std::string& host, int port) {
  http::ServerOptions o;
  o.host = host;
  o.port = port;
  o.limits = impl_->options.limits;
  o.limits.max_body_bytes = impl_->options.max_body_bytes;
  impl_->http = std::make_unique<http::HttpServer>(impl_->router, std::move(o));
  return impl_->http->start();
}

void MilvusRestServer::stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace memgpt::vector
