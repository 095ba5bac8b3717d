// VectorStore over the Milvus REST API v2 (a Milvus server, or `memgpt milvus serve`).
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "util/http_client.h"
#include "vector/filter.h"
#include "vector/milvus_errors.h"
#include "vector/milvus_rest.h"

namespace memgpt::vector {
namespace {

// A collection's index as Milvus's create request names it (HNSW, or HNSW_SQ with its
// quantisation and refine parameters).
Json index_params(const IndexSpec& index) {
  Json p = {{"index_type", index.index_type == "HNSW_SQ" ? "HNSW_SQ" : "HNSW"},
            {"M", index.m},
            {"efConstruction", index.ef_construction}};
  if (index.index_type == "HNSW_SQ") {
    p["sq_type"] = index.sq_type.empty() ? "SQ8" : index.sq_type;
    p["refine"] = index.refine;
    if (index.refine) p["refine_type"] = index.refine_type.empty() ? "FP32" : index.refine_type;
  }
  return p;
}

// An Int64 from a reply: a number, or a string (Accept-Type-Allow-Int64, and Milvus's row counts).
std::optional<int64_t> int64_of(const Json& n) {
  if (n.is_number_integer()) return n.get<int64_t>();
  if (!n.is_string()) return std::nullopt;
  const std::string& s = n.get_ref<const std::string&>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// JSON cannot carry invalid UTF-8: find it before sending instead of letting it be replaced.
bool has_invalid_utf8(const Json& j) {
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    size_t i = 0;
    while (i < s.size()) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      if (n == 0 || i + n > s.size() || (n == 2 && c < 0xc2) || c > 0xf4) return true;
      for (size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return true;
      }
      i += n;
    }
    return false;
  }
  if (j.is_object() || j.is_array()) {
    for (const auto& v : j) {
      if (has_invalid_utf8(v)) return true;
    }
  }
  return false;
}

class MilvusRestClient final : public VectorStore {
 public:
  MilvusRestClient(std::string uri, VectorStoreOptions options, std::unique_ptr<HttpClient> http)
      : uri_(std::move(uri)), options_(std::move(options)), http_(std::move(http)) {
    while (!uri_.empty() && uri_.back() == '/') uri_.pop_back();
  }

  std::string uri() const override { return uri_; }

  Status create_collection(const CollectionSpec& spec) override {
    MEMGPT_ASSIGN_OR_RETURN(bool has, has_collection(spec.name));
    if (has) {
      MEMGPT_ASSIGN_OR_RETURN(CollectionSpec existing, describe_collection(spec.name));
      if (existing.dim() == spec.dim() && existing.fields.size() == spec.fields.size()) return {};
      return milvus_error(ErrorCode::kAlreadyExists, MilvusCode::kInvalidParameter,
                          fmt::format("collection {} already exists with a different schema", spec.name));
    }
    Json fields = Json::array();
    for (const auto& f : spec.fields) {
      Json field = {{"fieldName", f.name}, {"dataType", data_type_name(f.type)}};
      if (f.is_primary) field["isPrimary"] = true;
      if (f.is_partition_key) field["isPartitionKey"] = true;
      if (f.type == DataType::kVarChar) field["elementTypeParams"] = {{"max_length", std::to_string(f.max_length)}};
      if (f.type == DataType::kFloatVector) field["elementTypeParams"] = {{"dim", std::to_string(f.dim)}};
      if (f.type == DataType::kArray) {
        field["elementDataType"] = data_type_name(f.element_type);
        field["elementTypeParams"] = {{"max_capacity", std::to_string(f.max_capacity)}};
        if (f.element_type == DataType::kVarChar) {
          field["elementTypeParams"]["max_length"] = std::to_string(f.max_length);
        }
      }
      fields.push_back(field);
    }
    Json body = {{"collectionName", spec.name},
                 {"schema", {{"autoID", false}, {"enableDynamicField", spec.enable_dynamic_field}, {"fields", fields}}},
                 {"indexParams",
                  {{{"fieldName", spec.vector_field() ? spec.vector_field()->name : ""},
                    {"indexName", spec.vector_field() ? spec.vector_field()->name : ""},
                    {"metricType", metric_type_name(spec.index.metric)},
                    {"params", index_params(spec.index)}}}}};
    // Full-text search (Milvus 2.5+): a collection with a text field gets a BM25 function, so
    // that keyword and hybrid search work through Milvus's own APIs.
    CollectionSpec created = spec;
    if (!created.bm25) created.bm25 = default_full_text(spec);
    if (created.bm25) {
      Json with_function = body;
      add_full_text(*created.bm25, with_function);
      auto made = call("collections/create", with_function);
      if (made.ok()) {
        std::lock_guard lock(mu_);
        for (auto& f : created.fields) f.enable_analyzer = f.enable_analyzer || f.name == created.bm25->input_field;
        specs_[spec.name] = created;
        return {};
      }
      // A Milvus before 2.5 refuses BM25 functions: a collection without one still holds
      // everything, and searches by vectors only. A function the caller asked for is not dropped.
      if (spec.bm25) return made.status();
    }
    MEMGPT_RETURN_IF_ERROR(call("collections/create", body).status());
    std::lock_guard lock(mu_);
    specs_[spec.name] = spec;
    return {};
  }

  // memgpt's collections keep their passages in the VarChar field "text".
  static std::optional<Bm25Function> default_full_text(const CollectionSpec& spec) {
    const FieldSchema* text = spec.field("text");
    if (!text || text->type != DataType::kVarChar || text->is_primary || spec.field("text_sparse")) return std::nullopt;
    return Bm25Function{"text_bm25", "text", "text_sparse"};
  }

  // The BM25 function, its analysed input, its SparseFloatVector output and that field's index,
  // as Milvus 2.5's create request takes them.
  static void add_full_text(const Bm25Function& fn, Json& body) {
    Json& schema = body["schema"];
    for (auto& f : schema["fields"]) {
      if (f["fieldName"] == fn.input_field) f["elementTypeParams"]["enable_analyzer"] = true;
    }
    schema["fields"].push_back({{"fieldName", fn.output_field}, {"dataType", "SparseFloatVector"}});
    schema["functions"] = {{{"name", fn.name}, {"type", "BM25"}, {"inputFieldNames", {fn.input_field}},
                            {"outputFieldNames", {fn.output_field}}, {"params", Json::object()}}};
    body["indexParams"].push_back({{"fieldName", fn.output_field},
                                   {"indexName", fn.output_field},
                                   {"metricType", "BM25"},
                                   {"params", {{"index_type", fn.index_type}, {"bm25_k1", fn.k1}, {"bm25_b", fn.b}}}});
  }

  Result<bool> has_collection(const std::string& name) override {
    MEMGPT_ASSIGN_OR_RETURN(Json data, call("collections/has", {{"collectionName", name}}));
    return read_reply([&]() -> Result<bool> { return data.value("has", false); });
  }

  Result<CollectionSpec> describe_collection(const std::string& name) override {
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("collections/describe", {{"collectionName", name}}));
    return read_reply([&]() -> Result<CollectionSpec> { return spec_of(name, d); });
  }

  Result<CollectionSpec> spec_of(const std::string& name, const Json& d) {
    CollectionSpec spec;
    spec.name = d.value("collectionName", name);
    spec.description = d.value("description", "");
    spec.enable_dynamic_field = d.value("enableDynamicField", false);
    for (const auto& f : d.value("fields", Json::array())) {
      FieldSchema fs;
      fs.name = f.value("name", "");
      auto type = parse_data_type(f.value("type", ""));
      if (!type.ok()) continue;  // a type memgpt does not use (e.g. sparse vectors)
      fs.type = *type;
      fs.is_primary = f.value("primaryKey", false);
      fs.is_partition_key = f.value("partitionKey", false);
      for (const auto& p : f.value("params", Json::array())) {
        if (!p.is_object()) continue;
        Json value = p.value("value", Json());
        std::string v = value.is_string() ? value.get<std::string>() : value.dump();
        if (p.value("key", "") == "dim") fs.dim = std::atoi(v.c_str());
        if (p.value("key", "") == "max_length") fs.max_length = std::atoi(v.c_str());
        if (p.value("key", "") == "max_capacity") fs.max_capacity = std::atoi(v.c_str());
        if (p.value("key", "") == "enable_analyzer") fs.enable_analyzer = v == "true";
      }
      if (fs.type == DataType::kArray) {
        auto element = parse_data_type(f.value("elementType", ""));
        if (!element.ok()) continue;  // an element type memgpt does not use
        fs.element_type = *element;
      }
      spec.fields.push_back(fs);
    }
    for (const auto& fn : d.value("functions", Json::array())) {
      auto names = [&](const char* key) {
        Json v = fn.value(key, Json::array());
        return v.is_array() && v.size() == 1 && v[0].is_string() ? v[0].get<std::string>() : std::string();
      };
      if (fn.value("type", "") != "BM25" || names("inputFieldNames").empty() || names("outputFieldNames").empty()) continue;
      spec.bm25 = Bm25Function{fn.value("name", ""), names("inputFieldNames"), names("outputFieldNames")};
    }
    for (const auto& i : d.value("indexes", Json::array())) {
      if (i.value("metricType", "") == "BM25") continue;  // the BM25 function's index
      spec.index.field_name = i.value("fieldName", "");
      auto m = parse_metric_type(i.value("metricType", "IP"));
      if (m.ok()) spec.index.metric = *m;
    }
    std::lock_guard lock(mu_);
    specs_[name] = spec;
    return spec;
  }

  Result<std::vector<std::string>> list_collections() override {
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("collections/list", Json::object()));
    std::vector<std::string> out;
    for (const auto& n : d) {
      if (n.is_string()) out.push_back(n);
    }
    return out;
  }

  Status drop_collection(const std::string& name) override {
    MEMGPT_RETURN_IF_ERROR(call("collections/drop", {{"collectionName", name}}).status());
    std::lock_guard lock(mu_);
    specs_.erase(name);
    return {};
  }

  Result<int64_t> insert(const std::string& c, const std::vector<Json>& rows) override { return write("entities/insert", c, rows); }
  Result<int64_t> upsert(const std::string& c, const std::vector<Json>& rows) override { return write("entities/upsert", c, rows); }

  Result<std::vector<SearchHit>> search(const std::string& c, const SearchRequest& req) override {
    // JSON has no NaN or infinity: refuse here what cannot be sent.
    for (size_t i = 0; i < req.vector.size(); ++i) {
      if (!std::isfinite(req.vector[i])) {
        return invalid_parameter(fmt::format("the search vector holds {} at position {}: every value must be a "
                                             "finite float32",
                                             req.vector[i], i));
      }
    }
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, cached_spec(c));
    Json body = {{"collectionName", c},
                 {"data", Json::array({req.vector})},
                 {"annsField", spec.vector_field() ? spec.vector_field()->name : ""},
                 {"limit", req.limit},
                 {"offset", req.offset},
                 {"outputFields", req.output_fields},
                 {"searchParams", {{"metricType", metric_type_name(spec.index.metric)}}}};
    if (!req.filter.empty()) body["filter"] = req.filter;
    if (req.ef > 0) body["searchParams"]["params"] = {{"ef", req.ef}};
    if (req.refine_k > 0) body["searchParams"]["params"]["refine_k"] = req.refine_k;
    bool keyword = req.text_query && !req.text_query->empty();
    if (keyword && spec.bm25) return full_text_search(c, spec, req, body);
    if (keyword) {
      // memgpt's extension: BM25 + vector fusion, served by `memgpt milvus serve`.
      body["textQuery"] = *req.text_query;
      body["rrfK"] = req.rrf_k;
      body["vectorWeight"] = req.vector_weight;
      body["textWeight"] = req.text_weight;
      if (req.vector.empty()) body["data"] = Json::array();
    }
    MEMGPT_ASSIGN_OR_RETURN(Json full, call_full("entities/search", body));
    if (keyword && !full.value("textQueryApplied", false) && req.vector.empty()) {
      return unimplemented(fmt::format(
          "keyword search needs a collection with a BM25 function (Milvus 2.5+) or `memgpt milvus serve`; "
          "collection {} on the Milvus server at {} has none (created before memgpt made one) and ranks by vectors "
          "only",
          c, uri_));
    }
    return hits_of(spec, full);
  }

  // Keyword and hybrid search of a collection with a BM25 function, through Milvus's documented
  // requests: a search of the function's output field with the text, and for hybrid search one
  // of the vector field too, fused as the embedded engine fuses them (weighted reciprocal rank
  // fusion of each ranking's max(4 (limit + offset), 50) best). With equal weights that is
  // Milvus's own RRF ranker, so one hybrid_search request does it.
  Result<std::vector<SearchHit>> full_text_search(const std::string& c, const CollectionSpec& spec,
                                                  const SearchRequest& req, Json body) {
    Json text_body = body;
    text_body["annsField"] = spec.bm25->output_field;
    text_body["data"] = Json::array({*req.text_query});
    text_body["searchParams"] = {{"metricType", "BM25"}};
    if (req.vector.empty()) {
      MEMGPT_ASSIGN_OR_RETURN(Json full, call_full("entities/search", text_body));
      return hits_of(spec, full);
    }
    const int window = req.limit + req.offset;
    const int depth = std::max(window * 4, 50);
    if (req.vector_weight == 1.0 && req.text_weight == 1.0) {
      Json dense = {{"data", body["data"]}, {"annsField", body["annsField"]}, {"limit", depth},
                    {"metricType", metric_type_name(spec.index.metric)}};
      if (body["searchParams"].contains("params")) dense["params"] = body["searchParams"]["params"];
      Json text = {{"data", text_body["data"]}, {"annsField", spec.bm25->output_field}, {"limit", depth},
                   {"metricType", "BM25"}};
      if (!req.filter.empty()) dense["filter"] = text["filter"] = req.filter;
      Json hybrid = {{"collectionName", c}, {"search", {dense, text}}, {"rerank", {{"strategy", "rrf"}, {"params", {{"k", req.rrf_k}}}}},
                     {"limit", window}, {"outputFields", req.output_fields}};
      MEMGPT_ASSIGN_OR_RETURN(Json full, call_full("entities/hybrid_search", hybrid));
      MEMGPT_ASSIGN_OR_RETURN(auto hits, hits_of(spec, full));
      hits.erase(hits.begin(), hits.begin() + std::min<size_t>(hits.size(), static_cast<size_t>(req.offset)));
      return hits;
    }
    body["limit"] = text_body["limit"] = depth;
    body["offset"] = text_body["offset"] = 0;
    MEMGPT_ASSIGN_OR_RETURN(Json dense_reply, call_full("entities/search", body));
    MEMGPT_ASSIGN_OR_RETURN(Json text_reply, call_full("entities/search", text_body));
    MEMGPT_ASSIGN_OR_RETURN(auto dense_hits, hits_of(spec, dense_reply));
    MEMGPT_ASSIGN_OR_RETURN(auto text_hits, hits_of(spec, text_reply));
    return fuse_hits(std::move(dense_hits), std::move(text_hits), req);
  }

  // score(row) = w_v / (k + vector rank) + w_t / (k + text rank), ranks from 1; best first,
  // ties in order of first appearance.
  static std::vector<SearchHit> fuse_hits(std::vector<SearchHit> dense, std::vector<SearchHit> text,
                                          const SearchRequest& req) {
    std::map<std::string, size_t> by_id;
    std::vector<SearchHit> fused;
    auto add = [&](std::vector<SearchHit>& ranking, double weight) {
      for (size_t i = 0; i < ranking.size(); ++i) {
        double score = weight / (req.rrf_k + static_cast<double>(i) + 1);
        auto [it, fresh] = by_id.emplace(ranking[i].id.dump(), fused.size());
        if (fresh) {
          fused.push_back(std::move(ranking[i]));
          fused.back().distance = 0;
        }
        fused[it->second].distance += score;
      }
    };
    add(dense, req.vector_weight);
    add(text, req.text_weight);
    std::stable_sort(fused.begin(), fused.end(), [](const SearchHit& a, const SearchHit& b) { return a.distance > b.distance; });
    fused.erase(fused.begin(), fused.begin() + std::min<size_t>(fused.size(), static_cast<size_t>(req.offset)));
    if (fused.size() > static_cast<size_t>(req.limit)) fused.resize(static_cast<size_t>(req.limit));
    return fused;
  }

  Result<std::vector<SearchHit>> hits_of(const CollectionSpec& spec, const Json& full) {
    std::string pk = spec.primary_field() ? spec.primary_field()->name : "id";
    return read_reply([&]() -> Result<std::vector<SearchHit>> {
      std::vector<SearchHit> out;
      for (auto row : full.value("data", Json::array())) {
        if (!row.is_object()) continue;
        SearchHit h;
        h.id = row.value(pk, Json());
        // A server may answer null for a distance it could not compute.
        h.distance = row["distance"].is_number() ? row["distance"].get<double>() : std::nan("");
        row.erase(pk);
        row.erase("distance");
        h.fields = row;
        out.push_back(std::move(h));
      }
      return out;
    });
  }

  Result<std::vector<Json>> query(const std::string& c, const QueryRequest& req) override {
    Json body = {{"collectionName", c}, {"outputFields", req.output_fields}, {"offset", req.offset}};
    if (!req.filter.empty()) body["filter"] = req.filter;
    if (req.limit >= 0) body["limit"] = req.limit;
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("entities/query", body));
    return rows_of(d);
  }

  Result<std::vector<Json>> get(const std::string& c, const std::vector<Json>& ids,
                                const std::vector<std::string>& output_fields) override {
    if (ids.empty()) return std::vector<Json>{};
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("entities/get", {{"collectionName", c}, {"id", ids}, {"outputFields", output_fields}}));
    return rows_of(d);
  }

  Result<int64_t> count(const std::string& c, const std::string& filter) override {
    QueryRequest q;
    q.filter = filter;
    q.output_fields = {"count(*)"};
    MEMGPT_ASSIGN_OR_RETURN(auto rows, query(c, q));
    if (rows.empty()) return int64_t{0};
    std::optional<int64_t> value = int64_of(rows[0]["count(*)"]);
    if (!value) return unavailable(fmt::format("Milvus at {} sent a count memgpt cannot read", uri_));
    return *value;
  }

  // indexes/describe of the vector field's index: Milvus reports the rows indexed and pending.
  Result<IndexProgress> index_progress(const std::string& c) override {
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, describe_collection(c));
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("indexes/describe", {{"collectionName", c}, {"indexName", spec.index.field_name}}));
    const Json* index = nullptr;
    if (d.is_array()) {
      for (const auto& i : d) {
        if (i.is_object() && i.value("fieldName", "") == spec.index.field_name) index = &i;
      }
    }
    std::optional<int64_t> indexed = index ? int64_of(index->value("indexedRows", Json())) : std::nullopt;
    std::optional<int64_t> pending = index ? int64_of(index->value("pendingRows", Json())) : std::nullopt;
    std::optional<int64_t> total = index ? int64_of(index->value("totalRows", Json())) : std::nullopt;
    if (!indexed || !pending || !total) {
      return unavailable(fmt::format("Milvus at {} sent an index description memgpt cannot read", uri_));
    }
    return IndexProgress{*indexed, *pending, *total};
  }

  Result<int64_t> remove(const std::string& c, const std::string& filter) override {
    MEMGPT_ASSIGN_OR_RETURN(Json d, call("entities/delete", {{"collectionName", c}, {"filter", filter}}));
    return read_reply([&]() -> Result<int64_t> { return d.is_object() ? d.value("deleteCount", int64_t{0}) : int64_t{0}; });
  }

  Result<int64_t> remove_ids(const std::string& c, const std::vector<Json>& ids) override {
    if (ids.empty()) return int64_t{0};
    MEMGPT_ASSIGN_OR_RETURN(CollectionSpec spec, cached_spec(c));
    return remove(c, ids_filter(spec.primary_field()->name, ids));
  }

 private:
  Result<CollectionSpec> cached_spec(const std::string& c) {
    {
      std::lock_guard lock(mu_);
      auto it = specs_.find(c);
      if (it != specs_.end()) return it->second;
    }
    return describe_collection(c);
  }

  Result<int64_t> write(const std::string& action, const std::string& c, const std::vector<Json>& rows) {
    if (rows.empty()) return int64_t{0};
    for (size_t i = 0; i < rows.size(); ++i) {
      if (has_invalid_utf8(rows[i])) return invalid_parameter(fmt::format("row {} holds text that is not valid UTF-8", i));
    }
    MEMGPT_ASSIGN_OR_RETURN(Json d, call(action, {{"collectionName", c}, {"data", rows}}));
    return read_reply([&]() -> Result<int64_t> {
      return d.is_object() ? d.value(action == "entities/insert" ? "insertCount" : "upsertCount", int64_t{0}) : int64_t{0};
    });
  }

  Result<Json> call(const std::string& action, Json body) {
    MEMGPT_ASSIGN_OR_RETURN(Json full, call_full(action, std::move(body)));
    auto it = full.find("data");
    return it == full.end() || it->is_null() ? Json::object() : *it;
  }

  // Reading a peer's reply: a value of an unexpected JSON type is the peer's fault, reported as
  // such (nlohmann's accessors throw on it).
  template <typename F>
  auto read_reply(F&& read) -> decltype(read()) {
    try {
      return read();
    } catch (const Json::exception&) {
      return unavailable(fmt::format("Milvus at {} sent a reply memgpt cannot read", uri_));
    }
  }

  // Rows of a query or get reply; anything but objects is dropped.
  static std::vector<Json> rows_of(const Json& d) {
    std::vector<Json> out;
    if (!d.is_array()) return out;
    for (const auto& r : d) {
      if (r.is_object()) out.push_back(r);
    }
    return out;
  }

  // One request with the envelope checked; "collection not loaded" loads and retries once.
  Result<Json> call_full(const std::string& action, Json body, bool retried = false) {
    if (!options_.db_name.empty()) body["dbName"] = options_.db_name;
    HttpRequest req;
    req.url = uri_ + "/v2/vectordb/" + action;
    req.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    req.timeout_ms = options_.timeout_ms;
    req.headers = {{"Content-Type", "application/json"},
                   {"Accept-Type-Allow-Int64", "true"},
                   {"Request-Timeout", std::to_string(std::max(1, options_.timeout_ms / 1000))}};
    if (!options_.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + options_.token);
    RetryPolicy policy;
    policy.max_attempts = options_.max_retries + 1;
    policy.initial_backoff_ms = 200;
    auto rate_limited = [](const HttpResponse& r) {
      Json j = parse_json_or_discarded(r.body);
      return j.is_object() && j["code"] == code_value(MilvusCode::kRateLimited);
    };
    auto resp = send_with_retry(*http_, req, policy, rate_limited);
    if (!resp.ok()) {
      return Status(resp.status().code(),
                    fmt::format("Milvus at {} cannot be reached ({}): is the server running? Set "
                                "[archival_storage] uri in ~/.memgpt/config",
                                uri_, resp.status().message()));
    }
    if (resp->status == 401 || resp->status == 403) {
      return milvus_error(ErrorCode::kPermissionDenied, MilvusCode::kUnauthenticated,
                          fmt::format("Milvus at {} rejected the credentials (HTTP {}): set the token with "
                                      "`memgpt configure --milvus-token user:password` or MILVUS_TOKEN",
                                      uri_, resp->status));
    }
    Json j = parse_json_or_discarded(resp->body);
    if (!j.is_object()) {
      return unavailable(fmt::format("Milvus at {} answered HTTP {} with a body that is not JSON", uri_, resp->status));
    }
    int number = j["code"].is_number_integer() ? j["code"].get<int>() : -1;
    if (number == 0 || number == 200) return j;
    auto code = static_cast<MilvusCode>(number);
    std::string message = j["message"].is_string() ? j["message"].get<std::string>().substr(0, 1000) : "unknown error";
    if (code == MilvusCode::kCollectionNotLoaded && !retried) {
      MEMGPT_RETURN_IF_ERROR(call_full("collections/load", {{"collectionName", body.value("collectionName", "")}}, true).status());
      return call_full(action, std::move(body), true);
    }
    if (code == MilvusCode::kUnauthenticated) {
      return milvus_error(ErrorCode::kPermissionDenied, code,
                          fmt::format("Milvus at {}: {} (set the token with `memgpt configure --milvus-token`)", uri_, message));
    }
    ErrorCode ec = code == MilvusCode::kCollectionNotFound ? ErrorCode::kNotFound
                   : code == MilvusCode::kRateLimited      ? ErrorCode::kResourceExhausted
                   : code == MilvusCode::kRequestTimeout   ? ErrorCode::kTimeout
                   : code == MilvusCode::kUnexpected       ? ErrorCode::kInternal
                   : code == MilvusCode::kInsertFailed && message.find("duplicate") != std::string::npos ? ErrorCode::kAlreadyExists
                                                                                           : ErrorCode::kInvalidArgument;
    return milvus_error(ec, code, message);
  }

  std::string uri_;
  VectorStoreOptions options_;
  std::unique_ptr<HttpClient> http_;
  std::mutex mu_;
  std::map<std::string, CollectionSpec> specs_;
};

}  // namespace

Result<std::unique_ptr<VectorStore>> open_milvus_rest_store(const std::string& uri, const VectorStoreOptions& options) {
  return std::unique_ptr<VectorStore>(new MilvusRestClient(uri, options, make_curl_http_client()));
}

}  // namespace memgpt::vector
