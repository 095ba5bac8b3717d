#include <fmt/format.h>

#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"
#include "vector/vector_store.h"

namespace memgpt::vector {

Result<std::unique_ptr<VectorStore>> open_vector_store(const std::string& uri,
                                                       const VectorStoreOptions& options) {
  if (uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0) {
    return open_milvus_rest_store(uri, options);
  }
  if (uri.find("://") != std::string::npos) {
    return invalid_argument(fmt::format(
        "Milvus URI '{}' is neither a local file (e.g. ~/.memgpt/milvus.db) nor http(s)://", uri));
  }
  if (uri.empty()) return invalid_argument("the Milvus URI is empty");
  EmbeddedOptions embedded;
  embedded.defer_indexing = options.bulk_load;
  return open_embedded_store(uri, embedded);
}

}  // namespace memgpt::vector
