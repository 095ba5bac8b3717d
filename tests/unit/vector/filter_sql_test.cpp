// The filter compiler (vector/filter_sql.h): the SQL it writes, checked for its shape, and the rows
// it selects, checked through the embedded engine on a real SQLite file.
#include "vector/filter_sql.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/test_env.h"
#include "vector/embedded_db.h"
#include "vector/embedded_store.h"
#include "vector/filter.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

using embedded::compile_filter;

CollectionSpec spec() {
  CollectionSpec s;
  s.name = "p";
  s.fields = {{"id", DataType::kVarChar, true, false, 64, 0},
              {"text", DataType::kVarChar, false, false, 65535, 0},
              {"embedding", DataType::kFloatVector, false, false, 0, 2},
              {"agent_id", DataType::kVarChar, false, true, 64, 0},
              {"n", DataType::kInt64, false, false, 0, 0},
              {"x", DataType::kDouble, false, false, 0, 0},
              {"flag", DataType::kBool, false, false, 0, 0},
              {"meta", DataType::kJson, false, false, 0, 0}};
  s.index.field_name = "embedding";
  return s;
}

// Twelve rows: n = 0..11, agent a (n % 3 == 0) or b, flag on n % 4 == 0, text "Hello World"
// for odd n, a dynamic field `color` on the first six only.
class FilterCompiler : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = open_embedded_store(dir_.file("milvus.db"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_collection(spec()).ok());
    std::vector<Json> rows;
    for (int i = 0; i < 12; ++i) {
      Json r = {{"id", "id" + std::to_string(i)},
                {"text", i % 2 ? "Hello World" : "it's \"quoted\" * [x]"},
                {"embedding", {1.0, static_cast<double>(i)}},
                {"agent_id", i % 3 == 0 ? "a" : "b"},
                {"n", i},
                {"x", i / 4.0},
                {"flag", i % 4 == 0},
                {"meta", {{"page", i % 5}, {"tags", {{"k", "v" + std::to_string(i)}}}}}};
      if (i < 6) r["color"] = i < 3 ? "red" : "blue";
      if (i == 0) r["odd key's"] = 1;
      rows.push_back(r);
    }
    ASSERT_TRUE(store_->insert("p", rows).ok());
  }

  int64_t count(const std::string& filter) {
    auto r = store_->count("p", filter);
    EXPECT_TRUE(r.ok()) << filter << ": " << r.status().message();
    return r.ok() ? *r : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<VectorStore> store_;
};

TEST_F(FilterCompiler, EveryOperatorSelectsTheRowsMilvusWould) {
  struct Case {
    std::string filter;
    int64_t rows;
  };
  for (const Case& c : std::vector<Case>{
           {"n == 3", 1},
           {"n != 3", 11},
           {"n < 3", 3},
           {"n <= 3", 4},
           {"n > 9", 2},
           {"n >= 9", 3},
           {"3 > n", 3},
           {"x >= 2.5", 2},
           {"n in [1, 2, 99]", 2},
           {"n not in [1, 2]", 10},
           {"n in []", 0},
           {"n not in []", 12},
           {"agent_id == \"a\"", 4},
           {"id in [\"id1\", \"id2\"]", 2},
           {"text like \"Hello%\"", 6},
           {"text like \"hello%\"", 0},
           {"text like \"%World\"", 6},
           {"text like \"%o W%\"", 6},
           {"text like \"Hell_ World\"", 6},
           {"text like \"it's%\"", 6},
           {"text like \"%* [x]\"", 6},
           {"text like \"%\\\\%\"", 0},
           {"flag", 3},
           {"flag == true", 3},
           {"flag == false", 9},
           {"not flag", 9},
           {"!flag", 9},
           {"true", 12},
           {"false", 0},
           {"meta[\"page\"] == 0", 3},
           {"meta[\"tags\"][\"k\"] == \"v7\"", 1},
           {"meta[\"page\"] in [1, 2]", 5},
           {"color == \"red\"", 3},
           {"color in [\"red\", \"blue\"]", 6},
           {"color like \"bl%\"", 3},
           {"n > 2 && n < 5", 2},
           {"n < 2 || n > 10", 3},
           {"n < 2 and agent_id == \"a\"", 1},
       }) {
    EXPECT_EQ(count(c.filter), c.rows) << c.filter;
  }
}

TEST_F(FilterCompiler, PrecedenceAndParentheses) {
  EXPECT_EQ(count("n == 0 or n == 1 and flag"), 1);      // 0 or (1 and flag)
  EXPECT_EQ(count("(n == 0 or n == 4) and flag"), 2);
  EXPECT_EQ(count("not n == 0 and flag"), 2);             // (not n == 0) and flag
  EXPECT_EQ(count("not (n == 0 and flag)"), 11);
  EXPECT_EQ(count("((((n == 5))))"), 1);
}

// A row without the dynamic field matches no comparison and no negation of one, as in Milvus.
TEST_F(FilterCompiler, MissingDynamicFieldsMatchNothing) {
  EXPECT_EQ(count("color != \"red\""), 3);
  EXPECT_EQ(count("not (color == \"red\")"), 3);
  EXPECT_EQ(count("color not in [\"red\"]"), 3);
  EXPECT_EQ(count("color not in []"), 6);
  EXPECT_EQ(count("nothing == 1 or nothing != 1"), 0);
}

TEST_F(FilterCompiler, DoubleNegationCancels) {
  auto once = compile_filter(spec(), "not flag");
  auto twice = compile_filter(spec(), "not not flag");
  ASSERT_TRUE(once.ok() && twice.ok());
  EXPECT_NE(once->where.find("NOT"), std::string::npos);
  EXPECT_EQ(twice->where.find("NOT"), std::string::npos) << twice->where;
  EXPECT_EQ(count("not not flag"), 3);
  EXPECT_EQ(count("not not not flag"), 9);
}

// Values, patterns and JSON keys are parameters: text that looks like SQL stays text.
TEST_F(FilterCompiler, ValuesAreBoundNeverSpliced) {
  std::string hostile = "x'); DROP TABLE \"c_p\"; --";
  auto f = compile_filter(spec(), "text == " + filter_string_literal(hostile) + " or meta[\"it's\"] == 1 or text like \"%'%\"");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->where.find("DROP"), std::string::npos);
  EXPECT_EQ(f->where.find('\''), std::string::npos) << f->where;
  EXPECT_EQ(count("text == " + filter_string_literal(hostile)), 0);
  EXPECT_EQ(count(""), 12) << "the table is still there";
}

TEST_F(FilterCompiler, TypeErrorsNameTheField) {
  struct Case {
    std::string filter, says;
  };
  for (const Case& c : std::vector<Case>{
           {"text > 5", "comparisons between text (VarChar) and 5 (Int64) are not supported"},
           {"n == \"3\"", "comparisons between n (Int64) and \"3\" (VarChar) are not supported"},
           {"x < true", "comparisons between x (Double) and true (Bool) are not supported"},
           {"flag == 1", "comparisons between flag (Bool) and 1 (Int64) are not supported"},
           {"id in [\"a\", 2]", "comparisons between id (VarChar) and 2 (Int64) are not supported"},
           {"agent_id == \"a\" or agent_id == 7", "comparisons between agent_id (VarChar) and 7 (Int64)"},
           {"n != 1 and n != \"2\"", "comparisons between n (Int64) and \"2\" (VarChar)"},
           {"n like \"1%\"", "'like' needs a VarChar field, but n is Int64"},
           {"text == [1, 2]", "a comparison needs one value; use 'in [...]' for a list"},
           {"embedding == 1", "cannot filter on vector field embedding"},
           {"text[\"a\"] == 1", "field text is not a JSON field"},
           {"meta[\"a\\\"b\"] == 1", "invalid JSON key \"a\\\"b\": a key cannot contain '\"'"},
       }) {
    auto r = compile_filter(spec(), c.filter);
    ASSERT_FALSE(r.ok()) << c.filter;
    EXPECT_EQ(milvus_code_of(r.status()), MilvusCode::kInvalidParameter) << c.filter;
    EXPECT_NE(r.status().message().find("cannot parse expression: " + c.filter + ", error: "), std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
  // Numbers of either kind compare with any numeric field; JSON and dynamic fields hold anything.
  for (const char* ok : {"n > 1.5", "x == 2", "meta[\"page\"] == \"1\"", "color == 5", "meta == 1"}) {
    EXPECT_TRUE(compile_filter(spec(), ok).ok()) << ok;
  }
  CollectionSpec fixed = spec();
  fixed.enable_dynamic_field = false;
  auto unknown = compile_filter(fixed, "color == \"red\"");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("field color not exist"), std::string::npos);
}

TEST_F(FilterCompiler, EqualitiesOnOneFieldBecomeOneList) {
  auto f = compile_filter(spec(), "n == 1 or n == 2 or n in [3, 4] or agent_id == \"a\" or n == 5");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->where, "((\"f_n\" IN (?, ?, ?, ?, ?)) OR (\"f_agent_id\" = ?))");
  EXPECT_EQ(count("n == 1 or n == 2 or n in [3, 4] or agent_id == \"a\" or n == 5"), 8);  // 1-5, 0, 6, 9
  auto g = compile_filter(spec(), "n != 1 and n != 2 and n not in [3] and flag");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->where, "((\"f_n\" NOT IN (?, ?, ?)) AND (\"f_flag\" = ?))");
  EXPECT_EQ(count("n != 1 and n != 2 and n not in [3] and flag"), 3);
  // A JSON path joins its list once, as one parameter before the values.
  auto h = compile_filter(spec(), "meta[\"page\"] == 1 or meta[\"page\"] == 2");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->where, "(json_extract(\"f_meta\", ?) IN (?, ?))");
  ASSERT_EQ(h->params.size(), 3u);
  EXPECT_EQ(std::get<std::string>(h->params[0]), "$.\"page\"");
}

std::string or_chain(const std::string& field, int terms) {
  std::string f;
  for (int i = 0; i < terms; ++i) f += (i ? " or " : "") + field + " == \"t" + std::to_string(i) + "\"";
  return f;
}

int max_paren_depth(const std::string& sql) {
  int depth = 0, deepest = 0;
  for (char c : sql) {
    if (c == '(') deepest = std::max(deepest, ++depth);
    if (c == ')') --depth;
  }
  return deepest;
}

// Issue 11, defect 3: an OR of 300 equality terms failed with SQLite's "parser stack overflow".
TEST_F(FilterCompiler, LongOrChainsOfEqualitiesWork) {
  for (int terms : {300, 5000}) {
    std::string f = or_chain("agent_id", terms) + " or agent_id == \"a\"";
    EXPECT_EQ(count(f), 4) << terms << " terms";
    auto sql = compile_filter(spec(), f);
    ASSERT_TRUE(sql.ok());
    EXPECT_NE(sql->where.find("json_each(?)"), std::string::npos) << "one list parameter";
    EXPECT_EQ(sql->params.size(), 1u);
  }
  std::string ids = "id in [";
  for (int i = 0; i < 40000; ++i) ids += (i ? ", \"id" : "\"id") + std::to_string(i) + "\"";
  EXPECT_EQ(count(ids + "]"), 12) << "longer than SQLite's 32766 parameters";
  EXPECT_EQ(count("id not in " + ids.substr(6) + "]"), 0);
}

// Chains that cannot merge (different fields, other operators) are grouped so the SQL nests
// only logarithmically, and still select the right rows.
TEST_F(FilterCompiler, LongChainsOfOtherTermsStayShallow) {
  std::string f, g;
  for (int i = 0; i < 5000; ++i) {
    f += (i ? " or " : "") + std::string("n > ") + std::to_string(i + 100) + " or meta[\"page\"] == " + std::to_string(i + 10);
    g += (i ? " and " : "") + std::string("n < ") + std::to_string(i + 11);
  }
  auto sql = compile_filter(spec(), f + " or n == 11");
  ASSERT_TRUE(sql.ok()) << sql.status().message();
  EXPECT_LE(max_paren_depth(sql->where), 8) << "groups of 64";
  EXPECT_EQ(count(f + " or n == 11"), 1);
  EXPECT_EQ(count(g), 11);
  // Nested to the parser's limit with long chains at every level.
  std::string deep = "n == 3";
  for (int level = 0; level < kMaxFilterDepth / 2; ++level) deep = "not (" + or_chain("text", 100) + " or " + deep + ")";
  EXPECT_EQ(count(deep), 1);
  std::string many;
  for (int i = 0; i < 31000; ++i) many += (i ? " or n > " : "n > ") + std::to_string(i + 100);
  auto too_many = store_->count("p", many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("more than 30000 terms"), std::string::npos);
}

TEST_F(FilterCompiler, CacheKeysTellValueTypesApart) {
  ASSERT_TRUE(store_->insert("p", {{{"id", "typed"}, {"embedding", {0.0, 1.0}}, {"v", 1}},
                                   {{"id", "typed2"}, {"embedding", {0.0, 1.0}}, {"v", 1}},
                                   {{"id", "texted"}, {"embedding", {0.0, 1.0}}, {"v", "1"}}})
                  .ok());
  auto k1 = compile_filter(spec(), "v == 1"), k2 = compile_filter(spec(), "v == \"1\"");
  ASSERT_TRUE(k1.ok() && k2.ok());
  EXPECT_NE(embedded::filter_key(*k1), embedded::filter_key(*k2));
  // Counts are cached by key: each must still see only its own type.
  EXPECT_EQ(count("v == 1"), 2);
  EXPECT_EQ(count("v == \"1\""), 1);
  EXPECT_EQ(count("v == 1.0"), 2);
  EXPECT_EQ(count("x == 0.5"), 1);
  EXPECT_EQ(count("x == 0.5000001"), 0);
  auto d1 = compile_filter(spec(), "x == 0.1234567"), d2 = compile_filter(spec(), "x == 0.1234568");
  EXPECT_NE(embedded::filter_key(*d1), embedded::filter_key(*d2));
}

TEST(EmbeddedErrors, DriverMessagesLoseThePathAndTheSql) {
  const std::string path = "/home/someone/.memgpt/milvus.db";
  struct Case {
    Status in;
    ErrorCode code;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {internal_error(path + ": parser stack overflow"), ErrorCode::kInvalidArgument, "too complex"},
           {internal_error(path + ": Expression tree is too large (maximum depth 1000)"), ErrorCode::kInvalidArgument,
            "too complex"},
           {internal_error(path + ": LIKE or GLOB pattern too complex"), ErrorCode::kInvalidArgument, "pattern is too long"},
           {internal_error(path + ": near \"SELECT\": syntax error"), ErrorCode::kInternal, "internal error"},
           {unavailable(path + ": database is locked"), ErrorCode::kUnavailable, "busy"},
           {corrupt(path + ": database disk image is malformed"), ErrorCode::kCorrupt, "damaged"},
           {io_error(path + ": disk I/O error"), ErrorCode::kIo, "disk full"},
       }) {
    Status out = embedded::clean_error(c.in, path);
    EXPECT_EQ(out.code(), c.code) << c.in.message();
    EXPECT_NE(out.message().find(c.says), std::string::npos) << out.message();
    EXPECT_EQ(out.message().find(path), std::string::npos) << out.message();
    EXPECT_EQ(out.message().find("SELECT"), std::string::npos) << out.message();
  }
  Status own = invalid_parameter("the engine's own message");
  EXPECT_EQ(embedded::clean_error(own, path).message(), own.message());
}

// No filter, however wrong, gets an error that shows the store's path or SQL.
TEST_F(FilterCompiler, NoErrorShowsThePathOrSql) {
  std::string long_like = "text like \"" + std::string(60000, '%') + "\"";
  for (const std::string& bad :
       {long_like, std::string("meta[\"a\\\"b\"] == 1"), std::string(100, '(') + "n == 1" + std::string(100, ')'),
        std::string("n == 1 and"), std::string("ghost[\"x\"] like 5"), std::string("text > 1")}) {
    for (auto status : {store_->count("p", bad).status(), store_->query("p", {bad, 5, 0, {"*"}}).status()}) {
      ASSERT_FALSE(status.ok()) << bad.substr(0, 100);
      EXPECT_EQ(status.message().find(dir_.path()), std::string::npos) << status.message();
      for (const char* sql : {"SELECT", "WHERE", "json_extract", "GLOB", "\"f_"}) {
        EXPECT_EQ(status.message().find(sql), std::string::npos) << status.message();
      }
    }
  }
}

}  // namespace
}  // namespace memgpt::vector
