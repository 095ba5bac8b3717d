// The bodies of `memgpt milvus serve`'s endpoints (Milvus REST API v2), apart from the
// transport: one request (action and raw body) in, one Milvus envelope out. The transport only
// authenticates and passes bytes (vector/milvus_rest_server.cpp).
//
// Contract, as a Milvus server answers (../shared/docs/MILVUS_REST_V2.md):
//  - Success: HTTP 200 {"code":0,"data":...} (search adds "topks"). Every error is HTTP 200
//    {"code":N,"message":"..."}: 1801 for a body that is not a JSON object or a field of the
//    wrong JSON type ("can only accept json format request, error: limit must be an integer,
//    not a string"), 1802 for a missing required field, 1100 for a value out of range (with the
//    real bound: "topk [1000000000000] is invalid, it should be in range [1, 16384], ..."), 800
//    for another database, and the store's own codes.
//  - Never throws and never lets exception text, a file path or SQL into a reply: a bug is
//    answered with 65535 "internal error".
// Thread-safe when the store is.
#pragma once

#include <string>

#include "util/json.h"
#include "vector/vector_store.h"

namespace memgpt::vector {

struct MilvusRequest {
  std::string action;     // "<category>/<action>", e.g. "entities/search"
  std::string body;       // raw request body ("" = {})
  std::string db_header;  // the DB-Name header, if any
  bool int64_as_strings = false;  // Accept-Type-Allow-Int64: false
};

struct MilvusResponse {
  int http_status = 200;
  Json body;
};

MilvusResponse serve_milvus_request(VectorStore& store, const MilvusRequest& request);

}  // namespace memgpt::vector
