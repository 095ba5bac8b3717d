// The Milvus REST API v2 (docs/storage.md, ../shared/docs/MILVUS_REST_V2.md) on both sides:
// a client that implements VectorStore against a Milvus server, and a server that exposes any
// VectorStore (the embedded engine: `memgpt milvus serve`) with the same endpoints, envelope
// and error codes.
#pragma once

#include <memory>
#include <string>

#include "http/http_server.h"
#include "vector/vector_store.h"

namespace memgpt::vector {

Result<std::unique_ptr<VectorStore>> open_milvus_rest_store(const std::string& uri,
                                                            const VectorStoreOptions& options);

class MilvusRestServer {
 public:
  struct Options {
    std::string token;             // required bearer token; empty = no authentication
    size_t max_body_bytes = 64u << 20;
    bool log_requests = false;     // one line per request on stderr
    http::ServerLimits limits;     // timeouts and per-client caps of the transport
  };
  MilvusRestServer(VectorStore* store, Options options);
  ~MilvusRestServer();
  // Binds and serves in a background thread; returns the port (port 0 = a free one).
  Result<int> start(const std::string& host, int port);
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memgpt::vector
