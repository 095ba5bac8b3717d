// Array fields in the embedded engine: the schema rules, the row codec's checks, and every array
// operator of the filter language (array_contains, _all, _any, array_length, f[i], and the
// json_contains* names) selecting the rows Milvus Lite 2.5.1 selects on the same data (the
// expected ids below were read from Lite; where Lite differs, the comment says how and why).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/test_env.h"
#include "vector/embedded_store.h"
#include "vector/filter_sql.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

FieldSchema array_of(const std::string& name, DataType element, int capacity, int max_length = 65535) {
  FieldSchema f{name, DataType::kArray, false, false, max_length, 0};
  f.element_type = element;
  f.max_capacity = capacity;
  return f;
}

CollectionSpec spec() {
  CollectionSpec s;
  s.name = "a";
  s.fields = {{"id", DataType::kInt64, true, false, 0, 0},
              {"vec", DataType::kFloatVector, false, false, 0, 2},
              array_of("tags", DataType::kVarChar, 4, 8),
              array_of("nums", DataType::kInt64, 4),
              array_of("fl", DataType::kDouble, 4),
              array_of("bs", DataType::kBool, 4),
              {"meta", DataType::kJson, false, false, 0, 0},
              {"n", DataType::kInt64, false, false, 0, 0}};
  s.index.field_name = "vec";
  return s;
}

// Rows 1-3 are the rows given to Milvus Lite; row 4 has no arrays and no JSON (NULL here; Lite
// requires the fields).
std::vector<Json> rows() {
  return {
      Json::parse(R"({"id":1,"vec":[1,0],"tags":["a","b"],"nums":[1,2,3],"fl":[1.5,2.0],"bs":[true],
                      "meta":{"l":[1,2,"x"],"k":1,"n":[[1,2],3]},"n":1,"dl":[1,2],"ds":"x"})"),
      Json::parse(R"({"id":2,"vec":[0,1],"tags":[],"nums":[],"fl":[],"bs":[],"meta":{"l":"ab","k":[1]},"n":2,
                      "dl":[]})"),
      Json::parse(R"({"id":3,"vec":[1,1],"tags":["c"],"nums":[5],"fl":[5.0],"bs":[false,true],
                      "meta":{"l":[2,3.0,true]},"n":3,"dl":[3,"x"]})"),
      Json::parse(R"({"id":4,"vec":[1,2],"n":4})"),
  };
}

class ArrayFilter : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_embedded_store(dir_.file("milvus.db"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_collection(spec()).ok());
    auto inserted = store_->insert("a", rows());
    ASSERT_TRUE(inserted.ok()) << inserted.status().message();
  }

  std::vector<int64_t> ids(const std::string& filter) {
    QueryRequest q;
    q.filter = filter;
    auto r = store_->query("a", q);
    EXPECT_TRUE(r.ok()) << filter << ": " << r.status().message();
    std::vector<int64_t> out;
    if (!r.ok()) return {-1};
    for (const auto& row : *r) out.push_back(row["id"].get<int64_t>());
    std::sort(out.begin(), out.end());
    return out;
  }

  Status refusal(const std::string& filter) {
    QueryRequest q;
    q.filter = filter;
    auto r = store_->query("a", q);
    return r.ok() ? Status() : r.status();
  }

  testing::TempDir dir_;
  std::unique_ptr<VectorStore> store_;
};

using Ids = std::vector<int64_t>;

TEST_F(ArrayFilter, ArrayContainsMatchesAnElementOfTheElementType) {
  EXPECT_EQ(ids("array_contains(tags, \"a\")"), Ids({1}));
  EXPECT_EQ(ids("ARRAY_CONTAINS(tags, \"a\")"), Ids({1}));
  EXPECT_EQ(ids("json_contains(tags, \"a\")"), Ids({1}));
  EXPECT_EQ(ids("array_contains(nums, 1)"), Ids({1}));
  EXPECT_EQ(ids("array_contains(nums, 1.0)"), Ids({1}));
  EXPECT_EQ(ids("array_contains(nums, 1.5)"), Ids({}));
  EXPECT_EQ(ids("array_contains(fl, 2)"), Ids({1}));
  EXPECT_EQ(ids("array_contains(fl, 1.5)"), Ids({1}));
  EXPECT_EQ(ids("array_contains(bs, true)"), Ids({1, 3}));
  EXPECT_EQ(ids("array_contains(bs, false)"), Ids({3}));
  EXPECT_EQ(ids("array_contains(tags, \"a\") and n > 0"), Ids({1}));
}

TEST_F(ArrayFilter, ContainsAllNeedsEveryValueAndAnyOneOfThem) {
  EXPECT_EQ(ids("array_contains_all(tags, [\"a\", \"b\"])"), Ids({1}));
  EXPECT_EQ(ids("array_contains_all(tags, [\"a\", \"a\"])"), Ids({1}));
  EXPECT_EQ(ids("array_contains_all(tags, [\"a\", \"c\"])"), Ids({}));
  EXPECT_EQ(ids("array_contains_any(tags, [\"a\", \"c\"])"), Ids({1, 3}));
  EXPECT_EQ(ids("json_contains_any(tags, [\"a\", \"c\"])"), Ids({1, 3}));
  EXPECT_EQ(ids("array_contains_any(nums, [1.5])"), Ids({}));
  EXPECT_EQ(ids("array_contains_any(nums, [5, 3])"), Ids({1, 3}));
  // Lite 2.5.1 fails on a list of Int64 and Double literals for a Double array (code 2000).
  EXPECT_EQ(ids("array_contains_all(fl, [1.5, 2])"), Ids({1}));
}

TEST_F(ArrayFilter, LongValueListsStayOneParameter) {
  std::string list = "[";
  for (int i = 0; i < 1000; ++i) list += (i ? ", " : "") + std::to_string(i + 100);
  EXPECT_EQ(ids("array_contains_any(nums, " + list + ", 5])"), Ids({3}));
  auto compiled = embedded::compile_filter(spec(), "array_contains_any(nums, " + list + "])");
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ(compiled->params.size(), 1u);
}

TEST_F(ArrayFilter, ArrayLengthCountsElements) {
  EXPECT_EQ(ids("array_length(tags) == 0"), Ids({2}));
  EXPECT_EQ(ids("array_length(tags) != 0"), Ids({1, 3}));
  // Lite 2.5.1 answers [2, 3] here (it does not swap the sides), and refuses <, <=, >, >=.
  EXPECT_EQ(ids("2 == array_length(tags)"), Ids({1}));
  EXPECT_EQ(ids("array_length(nums) < 3"), Ids({2, 3}));
  EXPECT_EQ(ids("array_length(nums) in [0, 3]"), Ids({1, 2}));
  EXPECT_EQ(ids("array_length(nums) == 1 or array_length(tags) == 2"), Ids({1, 3}));
  EXPECT_EQ(ids("array_length(nums) == 1 and nums[0] == 5"), Ids({3}));
}

TEST_F(ArrayFilter, ElementsByIndexCompareAsTheirType) {
  EXPECT_EQ(ids("tags[0] == \"a\""), Ids({1}));
  EXPECT_EQ(ids("tags[1] == \"b\""), Ids({1}));
  EXPECT_EQ(ids("tags[3] == \"a\""), Ids({}));
  EXPECT_EQ(ids("tags[0] > \"a\""), Ids({3}));
  EXPECT_EQ(ids("tags[0] like \"a%\""), Ids({1}));
  EXPECT_EQ(ids("nums[0] > 0"), Ids({1, 3}));
  EXPECT_EQ(ids("nums[0] in [1, 5]"), Ids({1, 3}));
  EXPECT_EQ(ids("nums[1] == 2"), Ids({1}));
  EXPECT_EQ(ids("fl[0] == 5"), Ids({3}));
  EXPECT_EQ(ids("fl[0] > 1"), Ids({1, 3}));
  EXPECT_EQ(ids("fl[1] == 2"), Ids({1}));
  EXPECT_EQ(ids("bs[0] == true"), Ids({1}));
}

// A row without the element (a shorter array, or no array) matches neither a comparison nor
// its negation, as in Milvus.
TEST_F(ArrayFilter, MissingElementsAndArraysMatchNothing) {
  EXPECT_EQ(ids("tags[0] != \"a\""), Ids({3}));
  EXPECT_EQ(ids("tags[1] != \"b\""), Ids({}));
  EXPECT_EQ(ids("not (tags[0] == \"a\")"), Ids({3}));
  EXPECT_EQ(ids("not array_contains(tags, \"a\")"), Ids({2, 3}));
  EXPECT_EQ(ids("not (array_length(tags) == 0)"), Ids({1, 3}));
}

TEST_F(ArrayFilter, JsonContainsComparesElementsOfTheSameJsonType) {
  EXPECT_EQ(ids("json_contains(meta[\"l\"], 1)"), Ids({1}));
  EXPECT_EQ(ids("json_contains(meta[\"l\"], \"x\")"), Ids({1}));
  EXPECT_EQ(ids("json_contains(meta[\"l\"], \"a\")"), Ids({}));  // "ab" is a string, not an array
  EXPECT_EQ(ids("json_contains(meta[\"l\"], 3)"), Ids({}));      // 3.0 is stored: a Double
  EXPECT_EQ(ids("json_contains(meta[\"l\"], 3.0)"), Ids({3}));
  EXPECT_EQ(ids("json_contains(meta[\"l\"], 2.0)"), Ids({1, 3}));
  EXPECT_EQ(ids("json_contains(meta[\"l\"], true)"), Ids({3}));   // true is not 1
  EXPECT_EQ(ids("json_contains(meta[\"k\"], 1)"), Ids({2}));      // k: 1 is not an array
  EXPECT_EQ(ids("json_contains(meta[\"n\"], [1, 2])"), Ids({1}));
  EXPECT_EQ(ids("json_contains(meta[\"l\"], [1])"), Ids({}));
  EXPECT_EQ(ids("json_contains_all(meta[\"l\"], [1, 2])"), Ids({1}));
  EXPECT_EQ(ids("json_contains_any(meta[\"l\"], [3, \"x\"])"), Ids({1}));
  EXPECT_EQ(ids("array_contains(meta[\"l\"], 1)"), Ids({1}));
  EXPECT_EQ(ids("array_contains(meta[\"n\"], [1, 2])"), Ids({1}));
  EXPECT_EQ(ids("not json_contains(meta[\"k\"], 1)"), Ids({}));  // neither an array nor missing
}

TEST_F(ArrayFilter, JsonAndDynamicArraysByLengthAndIndex) {
  EXPECT_EQ(ids("array_length(meta[\"l\"]) == 3"), Ids({1, 3}));
  EXPECT_EQ(ids("array_length(meta[\"n\"]) == 2"), Ids({1}));
  EXPECT_EQ(ids("meta[\"l\"][0] == 1"), Ids({1}));
  EXPECT_EQ(ids("meta[\"l\"][2] == \"x\""), Ids({1}));
  EXPECT_EQ(ids("meta[\"l\"][0] > 1"), Ids({3}));
  EXPECT_EQ(ids("meta[\"k\"][0] == 1"), Ids({2}));
  EXPECT_EQ(ids("meta[\"l\"][5] == 1"), Ids({}));
  EXPECT_EQ(ids("array_contains(dl, 1)"), Ids({1}));
  EXPECT_EQ(ids("array_length(dl) == 2"), Ids({1, 3}));
  EXPECT_EQ(ids("dl[0] == 3"), Ids({3}));
  EXPECT_EQ(ids("array_contains(ds, \"x\")"), Ids({}));
  // A JSON value that is missing or not an array has length 0 (Lite: rows 1-3 of its 3).
  EXPECT_EQ(ids("array_length(ds) == 0"), Ids({1, 2, 3, 4}));
}

TEST_F(ArrayFilter, BadExpressionsAreOneLineErrorsInMilvusShape) {
  struct Case {
    std::string filter, says;
  };
  for (const Case& c : std::vector<Case>{
           // wrong element type, mixed types
           {"array_contains(tags, 1)", "comparisons between the elements of tags (VarChar) and 1 (Int64)"},
           {"array_contains(nums, \"1\")", "the elements of nums (Int64) and \"1\" (VarChar)"},
           {"array_contains(bs, 1)", "the elements of bs (Bool) and 1 (Int64)"},
           {"array_contains_all(nums, [1, \"a\"])", "the elements of nums (Int64) and \"a\" (VarChar)"},
           {"array_contains_any(tags, [\"a\", 2])", "the elements of tags (VarChar) and 2 (Int64)"},
           {"array_contains(tags, [\"a\"])", "the elements of tags (VarChar) and [\"a\"] (a list)"},
           {"tags[0] == 1", "comparisons between tags[0] (VarChar) and 1 (Int64)"},
           {"nums[0] > 0.5", "comparisons between nums[0] (Int64) and 0.5 (Double)"},
           {"nums[0] in [1, \"2\"]", "comparisons between nums[0] (Int64) and \"2\" (VarChar)"},
           {"array_length(tags) > 1.5", "comparisons between array_length(tags) (Int64) and 1.5 (Double)"},
           {"array_length(tags) == \"a\"", "array_length(tags) (Int64) and \"a\" (VarChar)"},
           // index out of range
           {"tags[-1] == \"a\"", "array index -1 is out of range"},
           {"tags[1.5] == \"a\"", "array index 1.5 is out of range"},
           {"tags[4] == \"a\"", "array index 4 is out of range: tags holds at most 4 elements"},
           {"tags[\"k\"] == \"a\"", "array field tags is indexed by integers"},
           {"tags[0][\"k\"] == \"a\"", "the elements of array field tags are VarChar values, not JSON"},
           // arrays where a value belongs, values where an array belongs
           {"tags == [\"a\", \"b\"]", "array field tags cannot be compared as a whole"},
           {"tags in [\"a\"]", "array field tags cannot be compared as a whole"},
           {"tags", "array field tags cannot be compared as a whole"},
           {"array_contains(n, 1)", "array_contains(...) needs an Array field or a JSON path, but n is Int64"},
           {"array_contains(meta, 1)", "needs an Array field or a JSON path, but meta is JSON"},
           {"array_length(n) == 1", "array_length needs an Array field or a JSON path, but n is Int64"},
           {"array_length(tags[0]) == 1", "array_length needs an array, not an element of array field tags"},
           {"array_contains(tags[0], \"a\")", "tags[0] is one element of tags, not an array"},
           {"array_contains(vec, 1)", "cannot filter on vector field vec"},
           // arguments
           {"array_contains(tags)", "array_contains(...) needs two arguments: a field and a value"},
           {"array_contains(tags, \"a\", \"b\")", "expected ')' to close array_contains("},
           {"array_contains_all(tags, [])", "array_contains_all(...) needs a non-empty list"},
           {"array_contains_any(tags, \"a\")", "array_contains_any(...) needs a list [..] as its second argument"},
           {"array_contains(\"a\", tags)", "array_contains(...) needs a field as its first argument"},
           {"array_contains(tags, n)", "array_contains(...) needs a literal as its second argument"},
           {"array_length(tags)", "array_length(...) needs a comparison"},
           {"n == array_contains(tags, \"a\")", "array_contains(...) is a condition, not a value"},
       }) {
    Status s = refusal(c.filter);
    ASSERT_FALSE(s.ok()) << c.filter;
    EXPECT_EQ(milvus_code_of(s), MilvusCode::kInvalidParameter) << c.filter;
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    EXPECT_EQ(s.message().rfind("cannot parse expression: " + c.filter + ", error: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.filter << " -> " << s.message();
  }
}

TEST_F(ArrayFilter, ArraysComeBackAsWrittenAndFilterSearches) {
  QueryRequest q;
  q.filter = "id in [1, 2, 4]";
  q.output_fields = {"tags", "nums", "fl", "bs"};
  auto r = store_->query("a", q);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  std::sort(r->begin(), r->end(), [](const Json& x, const Json& y) { return x["id"] < y["id"]; });
  EXPECT_EQ((*r)[0]["tags"], Json::parse(R"(["a","b"])"));
  EXPECT_EQ((*r)[0]["nums"], Json::parse("[1,2,3]"));
  EXPECT_EQ((*r)[0]["fl"], Json::parse("[1.5,2.0]"));
  EXPECT_EQ((*r)[0]["bs"], Json::parse("[true]"));
  EXPECT_EQ((*r)[1]["tags"], Json::array());
  EXPECT_TRUE((*r)[2]["tags"].is_null());
  SearchRequest s;
  s.vector = {1, 0};
  s.filter = "array_contains_any(tags, [\"b\", \"c\"])";
  s.limit = 10;
  auto hits = store_->search("a", s);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, 1);
  EXPECT_EQ((*hits)[1].id, 3);
}

TEST_F(ArrayFilter, BadArrayValuesRejectTheWholeBatch) {
  struct Case {
    Json tags_or_nums;
    std::string field, says;
  };
  for (const Case& c : std::vector<Case>{
           {Json::parse(R"(["a","b","c","d","e"])"), "tags",
            "length of array field tags exceeds max capacity, row number: 1, length: 5, max capacity: 4"},
           {Json::parse("[1]"), "tags", "element 0 of array field tags in row 1 must have type VarChar"},
           {Json::parse(R"(["aaaaaaaaa"])"), "tags",
            "element 0 of array field tags in row 1 is longer than max length 8"},
           {Json::parse(R"([1,"a"])"), "nums", "element 1 of array field nums in row 1 must have type Int64"},
           {Json::parse("[1.5]"), "nums", "element 0 of array field nums in row 1 must have type Int64"},
           {Json::parse("[1]"), "bs", "element 0 of array field bs in row 1 must have type Bool"},
           {Json::parse("[\"x\"]"), "fl", "element 0 of array field fl in row 1 must have type Double"},
           {Json("a"), "tags", "field tags of row 1 must be an array"},
       }) {
    Json good = {{"id", 10}, {"vec", {1, 0}}, {"tags", {"z"}}};
    Json bad = {{"id", 11}, {"vec", {0, 1}}, {c.field, c.tags_or_nums}};
    auto r = store_->insert("a", {good, bad});
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kInvalidParameter);
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
    EXPECT_EQ(ids("id >= 10"), Ids({})) << "nothing of the batch is written";
  }
}

TEST(ArraySchema, ElementTypeAndCapacityFollowMilvusRules) {
  testing::TempDir dir;
  auto store = open_embedded_store(dir.file("milvus.db"));
  ASSERT_TRUE(store.ok());
  struct Case {
    FieldSchema field;
    std::string says;
  };
  FieldSchema as_key = array_of("k", DataType::kInt64, 4);
  as_key.is_partition_key = true;
  for (const Case& c : std::vector<Case>{
           {array_of("k", DataType::kInt64, 0), "the maximum capacity specified for a Array should be in (0, 4096]"},
           {array_of("k", DataType::kInt64, 4097), "but got 4097 (field k)"},
           {array_of("k", DataType::kJson, 4), "element type JSON of array field k is not supported"},
           {array_of("k", DataType::kArray, 4), "element type Array of array field k is not supported"},
           {array_of("k", DataType::kFloatVector, 4), "element type FloatVector of array field k"},
           {array_of("k", DataType::kVarChar, 4, 0), "max_length of the elements of k must be in [1, 65535]"},
           {as_key, "array field k cannot be a primary or partition key"},
       }) {
    CollectionSpec s = spec();
    s.name = "bad";
    s.fields.push_back(c.field);
    Status st = (*store)->create_collection(s);
    ASSERT_FALSE(st.ok()) << c.says;
    EXPECT_EQ(milvus_code_of(st), MilvusCode::kInvalidParameter);
    EXPECT_NE(st.message().find(c.says), std::string::npos) << st.message();
  }
  // Kept in the catalog: the schema reads back the same after reopening.
  ASSERT_TRUE((*store)->create_collection(spec()).ok());
  store->reset();
  auto reopened = open_embedded_store(dir.file("milvus.db"));
  ASSERT_TRUE(reopened.ok());
  auto described = (*reopened)->describe_collection("a");
  ASSERT_TRUE(described.ok()) << described.status().message();
  const FieldSchema* tags = described->field("tags");
  ASSERT_TRUE(tags);
  EXPECT_EQ(tags->type, DataType::kArray);
  EXPECT_EQ(tags->element_type, DataType::kVarChar);
  EXPECT_EQ(tags->max_capacity, 4);
  EXPECT_EQ(tags->max_length, 8);
  EXPECT_TRUE((*reopened)->create_collection(spec()).ok()) << "the same schema again is no conflict";
}

}  // namespace
}  // namespace memgpt::vector