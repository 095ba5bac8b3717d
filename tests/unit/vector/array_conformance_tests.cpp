// Array fields through every VectorStore (conformance.h): the embedded engine in process, and
// the REST client, which creates and describes them in Milvus's REST v2 form.
#include "conformance.h"

namespace memgpt::vector {
namespace {

TEST_P(VectorStoreConformance, ArrayFieldsKeepTheirSchemaAndFilter) {
  CollectionSpec spec = passages_spec("arrays", 4);
  FieldSchema labels{"labels", DataType::kArray, false, false, 32, 0};
  labels.element_type = DataType::kVarChar;
  labels.max_capacity = 5;
  FieldSchema pages{"pages", DataType::kArray, false, false, 65535, 0};
  pages.element_type = DataType::kInt64;
  pages.max_capacity = 8;
  spec.fields.push_back(labels);
  spec.fields.push_back(pages);
  ASSERT_TRUE(store_->create_collection(spec).ok());
  auto described = store_->describe_collection("arrays");
  ASSERT_TRUE(described.ok()) << described.status().message();
  const FieldSchema* l = described->field("labels");
  const FieldSchema* p = described->field("pages");
  ASSERT_TRUE(l && p);
  EXPECT_EQ(l->type, DataType::kArray);
  EXPECT_EQ(l->element_type, DataType::kVarChar);
  EXPECT_EQ(l->max_capacity, 5);
  EXPECT_EQ(l->max_length, 32);
  EXPECT_EQ(p->element_type, DataType::kInt64);
  EXPECT_EQ(p->max_capacity, 8);

  std::vector<Json> rows;
  for (int i = 0; i < 6; ++i) {
    Json r = row("r" + std::to_string(i), unit(4, i), "a", "text");
    r["labels"] = i % 2 ? Json::array({"odd", "x"}) : Json::array({"even"});
    r["pages"] = Json::array();
    for (int k = 0; k < i; ++k) r["pages"].push_back(k);
    rows.push_back(r);
  }
  auto inserted = store_->insert("arrays", rows);
  ASSERT_TRUE(inserted.ok()) << inserted.status().message();
  auto count = [&](const std::string& f) {
    auto c = store_->count("arrays", f);
    EXPECT_TRUE(c.ok()) << f << ": " << c.status().message();
    return c.ok() ? *c : -1;
  };
  EXPECT_EQ(count("array_contains(labels, \"odd\")"), 3);
  EXPECT_EQ(count("array_contains_all(labels, [\"odd\", \"x\"])"), 3);
  EXPECT_EQ(count("array_contains_any(pages, [3, 4])"), 2);
  EXPECT_EQ(count("array_length(pages) == 2"), 1);
  EXPECT_EQ(count("pages[2] == 2"), 3);
  QueryRequest q;
  q.filter = "id == \"r3\"";
  q.output_fields = {"labels", "pages"};
  auto got = store_->query("arrays", q);
  ASSERT_TRUE(got.ok() && got->size() == 1);
  EXPECT_EQ((*got)[0]["labels"], Json::array({"odd", "x"}));
  EXPECT_EQ((*got)[0]["pages"], Json::array({0, 1, 2}));

  Json over = row("big", unit(4, 1), "a", "t");
  over["pages"] = Json::array({1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto refused = store_->insert("arrays", {over});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(milvus_code_of(refused.status()), MilvusCode::kInvalidParameter);
  auto bad_filter = store_->count("arrays", "array_contains(pages, \"1\")");
  ASSERT_FALSE(bad_filter.ok());
  EXPECT_EQ(milvus_code_of(bad_filter.status()), MilvusCode::kInvalidParameter);
}

}  // namespace
}  // namespace memgpt::vector
