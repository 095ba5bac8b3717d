// The VectorStore conformance suite: the same tests for every implementation (the embedded
// engine in process, and the REST client talking to `memgpt milvus serve`). Instantiate with
// INSTANTIATE_TEST_SUITE_P(Name, VectorStoreConformance, ::testing::Values(StoreFactory{...})).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <string>

#include "support/test_env.h"
#include "vector/milvus_errors.h"
#include "vector/vector_store.h"

namespace memgpt::vector {

struct StoreFactory {
  std::string name;
  // Opens a store in (or for) the given empty folder.
  std::function<std::unique_ptr<VectorStore>(const std::string& folder)> open;
};
inline std::string factory_name(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

class VectorStoreConformance : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().open(dir_.path());
    ASSERT_TRUE(store_);
  }

  static CollectionSpec passages_spec(const std::string& name, int dim,
                                      MetricType metric = MetricType::kIP,
                                      DataType pk = DataType::kVarChar) {
    CollectionSpec s;
    s.name = name;
    s.fields = {{"id", pk, true, false, 64, 0},
                {"text", DataType::kVarChar, false, false, 65535, 0},
                {"embedding", DataType::kFloatVector, false, false, 0, dim},
                {"agent_id", DataType::kVarChar, false, true, 64, 0},
                {"created_at", DataType::kInt64, false, false, 0, 0},
                {"score", DataType::kDouble, false, false, 0, 0},
                {"pinned", DataType::kBool, false, false, 0, 0},
                {"metadata", DataType::kJson, false, false, 0, 0}};
    s.index.field_name = "embedding";
    s.index.metric = metric;
    return s;
  }

  static std::vector<float> unit(int dim, int hot, float tilt = 0.0f) {
    std::vector<float> v(static_cast<size_t>(dim), tilt);
    v[static_cast<size_t>(hot % dim)] = 1.0f;
    return v;
  }

  static Json row(const std::string& id, const std::vector<float>& v, const std::string& agent,
                  const std::string& text, int64_t created = 0) {
    return {{"id", id},         {"text", text},  {"embedding", v}, {"agent_id", agent},
            {"created_at", created}, {"score", 0.5}, {"pinned", false},
            {"metadata", {{"page", created % 7}, {"tags", {"a", "b"}}}}};
  }

  testing::TempDir dir_;
  std::unique_ptr<VectorStore> store_;
};

}  // namespace memgpt::vector
