#include "conformance.h"
#include "vector/embedded_store.h"

namespace memgpt::vector {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Embedded, VectorStoreConformance,
    ::testing::Values(StoreFactory{"embedded", [](const std::string& folder) {
      auto s = open_embedded_store(folder + "/milvus.db");
      EXPECT_TRUE(s.ok()) << s.status().message();
      return s.ok() ? std::move(*s) : nullptr;
    }}),
    factory_name);

}  // namespace
}  // namespace memgpt::vector
