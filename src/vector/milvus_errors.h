// Milvus error codes (REST v2 `code`), carried in Status::detail() by every VectorStore.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace memgpt::vector {

enum MilvusCode : int {
  kMilvusSuccess = 0,
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
  kUnexpected = 65535,
};

inline Status milvus_error(ErrorCode code, int milvus_code, std::string message) {
  return {code, std::move(message), milvus_code};
}
inline Status collection_not_found(const std::string& name) {
  return milvus_error(ErrorCode::kNotFound, kCollectionNotFound,
                      "collection not found[collection=" + name + "]");
}
inline Status invalid_parameter(std::string message) {
  return milvus_error(ErrorCode::kInvalidArgument, kInvalidParameter, std::move(message));
}

// Milvus's result windows (quotaAndLimits.limits: topK and maxQueryResultWindow, both 16384):
// a search's limit in [1, 16384] and limit + offset <= 16384; a query's offset + limit too.
// The messages are Milvus's own.
inline constexpr int64_t kMaxTopK = 16384;
Status check_search_window(int64_t limit, int64_t offset);
Status check_query_window(int64_t limit, int64_t offset);

}  // namespace memgpt::vector
