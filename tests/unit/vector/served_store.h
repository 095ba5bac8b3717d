// A VectorStore that owns a Milvus double (support/milvus_double.h: the embedded engine behind
// `memgpt milvus serve`'s server, in process, on loopback), seen through the REST client; and
// post() for raw requests to that server.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/milvus_double.h"
#include "util/http_client.h"
#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"

namespace memgpt::vector {

// Owns the engine and the server behind a client, so a test sees one VectorStore.
class ServedStore : public VectorStore {
 public:
  ServedStore(const std::string& folder, const std::string& token = "", const EmbeddedOptions& engine_options = {})
      : folder_(folder), milvus_(folder, token, engine_options) {
    VectorStoreOptions o;
    o.token = token;
    o.max_retries = 0;
    client_ = std::move(*open_milvus_rest_store(url(), o));
  }
  ~ServedStore() override { client_.reset(); }
  std::string url() const { return milvus_.url(); }
  std::string folder() const { return folder_; }
  VectorStore* engine() const { return milvus_.engine(); }
  Status create_collection(const CollectionSpec& s) override { return client_->create_collection(s); }
  Result<bool> has_collection(const std::string& n) override { return client_->has_collection(n); }
  Result<CollectionSpec> describe_collection(const std::string& n) override { return client_->describe_collection(n); }
  Result<std::vector<std::string>> list_collections() override { return client_->list_collections(); }
  Status drop_collection(const std::string& n) override { return client_->drop_collection(n); }
  Result<int64_t> insert(const std::string& c, const std::vector<Json>& r) override { return client_->insert(c, r); }
  Result<int64_t> upsert(const std::string& c, const std::vector<Json>& r) override { return client_->upsert(c, r); }
  Result<std::vector<SearchHit>> search(const std::string& c, const SearchRequest& r) override { return client_->search(c, r); }
  Result<std::vector<Json>> query(const std::string& c, const QueryRequest& r) override { return client_->query(c, r); }
  Result<std::vector<Json>> get(const std::string& c, const std::vector<Json>& ids, const std::vector<std::string>& f) override {
    return client_->get(c, ids, f);
  }
  Result<int64_t> count(const std::string& c, const std::string& f) override { return client_->count(c, f); }
  Result<IndexProgress> index_progress(const std::string& c) override { return client_->index_progress(c); }
  Result<int64_t> remove(const std::string& c, const std::string& f) override { return client_->remove(c, f); }
  Result<int64_t> remove_ids(const std::string& c, const std::vector<Json>& ids) override { return client_->remove_ids(c, ids); }
  std::string uri() const override { return client_->uri(); }

 private:
  std::string folder_;
  testing::MilvusDouble milvus_;
  std::unique_ptr<VectorStore> client_;
};

// POSTs `body` to `url`; the reply's JSON with "http_status" added, plus every header in
// "headers" (a test checks none leaks internals).
inline Result<Json> post(const std::string& url, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  auto http = make_curl_http_client();
  HttpRequest r;
  r.url = url;
  r.body = body;
  r.headers = headers;
  r.headers.emplace_back("Content-Type", "application/json");
  MEMGPT_ASSIGN_OR_RETURN(HttpResponse resp, http->send(r));
  Json j = parse_json_or_discarded(resp.body);
  if (!j.is_object()) j = Json{{"unparsed_body", resp.body}};
  j["http_status"] = resp.status;
  Json reply_headers = Json::object();
  for (const auto& [k, v] : resp.headers) reply_headers[k] = v;
  j["headers"] = reply_headers;
  return j;
}

}  // namespace memgpt::vector
