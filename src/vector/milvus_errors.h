// Milvus error codes (REST v2 `code`), carried in a Status (domain kMilvus) by every VectorStore.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace memgpt::vector {

// The `code` of a Milvus REST v2 reply (docs/MILVUS_REST_V2.md, "Envelope"). A server may send
// codes not listed here; they travel as MilvusCode values all the same.
enum class MilvusCode : int {
  kSuccess = 0,
  kCollectionNotFound = 100,
  kCollectionNotLoaded = 101,
  kIndexNotFound = 700,
  kDatabaseNotFound = 800,
  kInvalidParameter = 1100,
  kUnauthenticated = 1800,
  kInvalidJson = 1801,  // also: vector dimension mismatch
  kMissingParameter = 1802,
  kInsertFailed = 1804,
  kBadPrimaryKeyType = 1806,
  kRateLimited = 1807,
  kRequestTimeout = 10001,  // with HTTP 408, past the Request-Timeout header
  kUnexpected = 65535,
};

inline int code_value(MilvusCode code) { return static_cast<int>(code); }

// The only way a Milvus code goes into a Status...
inline Status milvus_error(ErrorCode code, MilvusCode milvus_code, std::string message) {
  return {code, std::move(message), code_value(milvus_code), DetailDomain::kMilvus};
}
// ...and comes back out (kSuccess for success and for failures that carry no Milvus code).
inline MilvusCode milvus_code_of(const Status& s) {
  if (s.ok() || s.detail_domain() != DetailDomain::kMilvus) return MilvusCode::kSuccess;
  return static_cast<MilvusCode>(s.detail());
}

inline Status collection_not_found(const std::string& name) {
  return milvus_error(ErrorCode::kNotFound, MilvusCode::kCollectionNotFound,
                      "collection not found[collection=" + name + "]");
}
inline Status invalid_parameter(std::string message) {
  return milvus_error(ErrorCode::kInvalidArgument, MilvusCode::kInvalidParameter, std::move(message));
}

// Milvus's result windows (quotaAndLimits.limits: topK and maxQueryResultWindow, both 16384):
// a search's limit in [1, 16384] and limit + offset <= 16384; a query's offset + limit too.
// The messages are Milvus's own.
inline constexpr int64_t kMaxTopK = 16384;
Status check_search_window(int64_t limit, int64_t offset);
Status check_query_window(int64_t limit, int64_t offset);

}  // namespace memgpt::vector
