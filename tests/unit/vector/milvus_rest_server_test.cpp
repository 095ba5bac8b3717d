// `memgpt milvus serve` (MilvusRestServer over the embedded engine) against hostile requests:
// real HTTP on loopback; every answer is Milvus-shaped (HTTP 200 + code), never a crash, an
// HTTP 500, exception text, a file path or SQL.
#include <gtest/gtest.h>

#include "served_store.h"
#include "support/test_env.h"

namespace memgpt::vector {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class MilvusServe : public ::testing::Test {
 protected:
  void SetUp() override {
    served_ = std::make_unique<ServedStore>(dir_.path());
    base_ = served_->url() + "/v2/vectordb/";
    Json created = call("collections/create", {{"collectionName", "c"}, {"dimension", 4}, {"metricType", "COSINE"},
                                               {"idType", "VarChar"}, {"params", {{"max_length", 64}}}});
    ASSERT_EQ(created["code"], 0) << created.dump();
    Json rows = Json::array();
    for (int i = 0; i < 10; ++i) {
      rows.push_back({{"id", "r" + std::to_string(i)}, {"vector", {1.0, i * 0.1, 0.0, 0.0}}, {"tag", "t" + std::to_string(i)}});
    }
    ASSERT_EQ(call("entities/insert", {{"collectionName", "c"}, {"data", rows}})["code"], 0);
  }

  Json call(const std::string& action, const Json& body) { return raw(action, body.dump()); }
  Json raw(const std::string& action, const std::string& body) {
    auto r = post(base_ + action, body);
    EXPECT_TRUE(r.ok()) << action << ": " << r.status().message();
    if (!r.ok()) return Json::object();
    Json out = *r;
    // Milvus answers errors with HTTP 200 and a code; nothing from inside the process leaks.
    EXPECT_EQ(out["http_status"], 200) << action << " " << body.substr(0, 200) << " -> " << out.dump().substr(0, 300);
    EXPECT_FALSE(out["headers"].contains("exception_what")) << out["headers"].dump();
    std::string all = out.dump();
    EXPECT_EQ(all.find(dir_.path()), std::string::npos) << all.substr(0, 300);
    for (const char* inside : {"json.exception", "EXCEPTION_WHAT", "SELECT ", "json_extract", "what()"}) {
      EXPECT_EQ(all.find(inside), std::string::npos) << inside << " in " << all.substr(0, 300);
    }
    if (out["code"] != 0) {
      EXPECT_TRUE(out["message"].is_string()) << all.substr(0, 300);
      EXPECT_LT(out["message"].get<std::string>().size(), 1000u) << "one short line";
    }
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<ServedStore> served_;
  std::string base_;
};

std::string tag_or_chain(int terms) {
  std::string f;
  for (int i = 0; i < terms; ++i) f += (i ? " or " : "") + std::string("tag == \"t") + std::to_string(i) + "\"";
  return f;
}

// Issue 11, defect 3: these filters killed the server (stack overflow) or failed with SQLite's
// "parser stack overflow" and the server's file path.
TEST_F(MilvusServe, DeepFiltersAreRefusedAndLongOrChainsWork) {
  for (const std::string& bomb : {repeat("(", 10000) + "tag == \"t1\"" + repeat(")", 10000),
                                  repeat("not ", 100000) + "tag == \"t1\""}) {
    for (const char* action : {"entities/query", "entities/delete"}) {
      Json r = call(action, {{"collectionName", "c"}, {"filter", bomb}});
      EXPECT_EQ(r["code"], 1100) << r.dump().substr(0, 300);
      EXPECT_NE(r["message"].get<std::string>().find("nests deeper than 32 levels"), std::string::npos);
    }
    Json s = call("entities/search", {{"collectionName", "c"}, {"data", {{1, 0, 0, 0}}}, {"filter", bomb}});
    EXPECT_EQ(s["code"], 1100);
  }
  for (int terms : {300, 5000}) {
    Json q = call("entities/query", {{"collectionName", "c"}, {"filter", tag_or_chain(terms)}, {"outputFields", {"count(*)"}}});
    ASSERT_EQ(q["code"], 0) << q.dump().substr(0, 300);
    EXPECT_EQ(q["data"][0]["count(*)"], 10);
    Json s = call("entities/search", {{"collectionName", "c"}, {"data", {{1, 0, 0, 0}}}, {"limit", 3},
                                      {"filter", tag_or_chain(terms) + " and tag != \"t0\""}});
    ASSERT_EQ(s["code"], 0) << s.dump().substr(0, 300);
    EXPECT_EQ(s["data"].size(), 3u);
  }
  // The server still answers.
  EXPECT_EQ(call("collections/has", {{"collectionName", "c"}})["data"]["has"], true);
}

// Issue 11, defect 6, as reported: `[1e39,1,0,0]` and `[1e-45,0,0,0]` were stored (code 0);
// searches then answered "distance": null and missed the true neighbours; an upsert spoiled a
// good row.
TEST_F(MilvusServe, OutOfRangeFloatsAreRefusedAndTinyOnesSearchable) {
  Json big = raw("entities/insert", R"({"collectionName":"c","data":[{"id":"big","vector":[1e39,1,0,0]}]})");
  EXPECT_EQ(big["code"], 1100) << big.dump();
  EXPECT_NE(big["message"].get<std::string>().find("finite float32"), std::string::npos) << big.dump();
  Json spoil = raw("entities/upsert", R"({"collectionName":"c","data":[{"id":"r3","vector":[-1e39,0,0,0]}]})");
  EXPECT_EQ(spoil["code"], 1100);
  Json tiny = raw("entities/insert", R"({"collectionName":"c","data":[{"id":"tiny","vector":[0,0,1e-45,0]}]})");
  EXPECT_EQ(tiny["code"], 0) << tiny.dump();
  Json hits = raw("entities/search", R"({"collectionName":"c","data":[[0,0,1,0]],"limit":1})");
  ASSERT_EQ(hits["code"], 0) << hits.dump();
  EXPECT_EQ(hits["data"][0]["id"], "tiny");
  ASSERT_TRUE(hits["data"][0]["distance"].is_number()) << hits.dump();
  EXPECT_NEAR(hits["data"][0]["distance"].get<double>(), 1.0, 1e-6);
  Json r3 = raw("entities/search", R"({"collectionName":"c","data":[[1,0.3,0,0]],"limit":1})");
  EXPECT_EQ(r3["data"][0]["id"], "r3") << "the refused upsert left r3 as it was";
  Json query_big = raw("entities/search", R"({"collectionName":"c","data":[[1e39,0,0,0]],"limit":1})");
  EXPECT_EQ(query_big["code"], 1100) << query_big.dump();
  Json query_text = raw("entities/search", R"({"collectionName":"c","data":[[1,"x",0,0]],"limit":1})");
  EXPECT_EQ(query_text["code"], 1801) << query_text.dump();
  EXPECT_EQ(query_text["message"], "can only accept json format request, error: data[0][1] must be a number, not a string");
}


struct BadRequest {
  std::string action, body;
  int code;
  std::string says;
};

// Issue 11, defects 8 and 11: wrong JSON types got HTTP 500 with the C++ exception text in a
// header; `limit` of 10^12 answered "limit must be positive". Every route and field, as Milvus
// answers: HTTP 200, 1801 for a wrong type, 1802 for a missing field, 1100 with the real bound.
TEST_F(MilvusServe, WrongTypesAndRangesGetMilvusShapedErrors) {
  const std::string c = R"("collectionName":"c",)";
  std::vector<BadRequest> cases;
  for (const char* action : {"collections/create", "collections/has", "collections/describe", "collections/drop",
                             "collections/load", "collections/release", "collections/get_load_state",
                             "collections/get_stats", "indexes/list", "indexes/describe", "indexes/create",
                             "entities/insert", "entities/upsert", "entities/search", "entities/query", "entities/get",
                             "entities/delete"}) {
    cases.push_back({action, R"({"collectionName":123})", 1801, "collectionName must be a string, not an integer"});
    cases.push_back({action, R"({"collectionName":["c"]})", 1801, "collectionName must be a string, not an array"});
    cases.push_back({action, R"({"collectionName":{"a":1}})", 1801, "collectionName must be a string, not an object"});
    cases.push_back({action, R"({})", 1802, "collectionName is required"});
    cases.push_back({action, R"({"collectionName":""})", 1802, "collectionName is required"});
  }
  for (const char* action : {"collections/list", "entities/query"}) {
    cases.push_back({action, R"({"dbName":5})", 1801, "dbName must be a string, not an integer"});
    cases.push_back({action, R"({"dbName":"other"})", 800, "database not found[database=other]"});
    cases.push_back({action, R"([1, 2])", 1801, "can only accept json format request"});
    cases.push_back({action, R"("text")", 1801, "can only accept json format request"});
    cases.push_back({action, R"({not json)", 1801, "can only accept json format request"});
    cases.push_back({action, std::string(100000, '[') + std::string(100000, ']'), 1801, "can only accept json format request"});
  }
  auto add = [&](const std::string& action, const std::string& fields, int code, const std::string& says) {
    cases.push_back({action, "{" + c + fields + "}", code, says});
  };
  // collections/create (a new name, so nothing is created by mistake)
  auto create = [&](const std::string& fields, int code, const std::string& says) {
    cases.push_back({"collections/create", R"({"collectionName":"n",)" + fields + "}", code, says});
  };
  create(R"("dimension":"four")", 1801, "dimension must be an integer, not a string");
  create(R"("dimension":4.5)", 1801, "dimension must be an integer, not a number with a fraction");
  create(R"("dimension":1000000000000)", 1100, "invalid dimension 1000000000000: it should be in range [1, 32768]");
  create(R"("dimension":-4)", 1100, "invalid dimension -4");
  create(R"("dimension":0)", 1802, "dimension is required");
  create(R"("dimension":4,"metricType":5)", 1801, "metricType must be a string, not an integer");
  create(R"("dimension":4,"metricType":"HAMMING")", 1100, "metric type 'HAMMING' is not supported");
  create(R"("dimension":4,"idType":[])", 1801, "idType must be a string, not an array");
  create(R"("dimension":4,"autoID":"yes")", 1801, "autoID must be a boolean, not a string");
  create(R"("dimension":4,"primaryFieldName":1)", 1801, "primaryFieldName must be a string");
  create(R"("dimension":4,"vectorFieldName":false)", 1801, "vectorFieldName must be a string");
  create(R"("dimension":4,"description":7)", 1801, "description must be a string");
  create(R"("dimension":4,"params":[])", 1801, "params must be an object, not an array");
  create(R"("dimension":4,"params":{"max_length":"abc"})", 1100, "params.max_length must be an integer");
  create(R"("dimension":4,"params":{"max_length":-3})", 1100, "params.max_length must not be negative");
  create(R"("dimension":4,"params":{"enableDynamicField":5})", 1801, "params.enableDynamicField must be a boolean");
  create(R"("schema":"x")", 1801, "schema must be an object, not a string");
  create(R"("schema":{"fields":{}})", 1801, "schema.fields must be an array, not an object");
  create(R"("schema":{"fields":["x"]})", 1801, "schema.fields[0] must be an object, not a string");
  create(R"("schema":{"fields":[{"fieldName":"id","dataType":5}]})", 1801, "schema.fields[0].dataType must be a string");
  create(R"("schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":"true"}]})", 1801,
         "schema.fields[0].isPrimary must be a boolean");
  create(R"("schema":{"fields":[{"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":"four"}}]})", 1100,
         "schema.fields[0].elementTypeParams.dim must be an integer");
  create(R"("schema":{"fields":[{"fieldName":"v","dataType":"FloatVector","elementTypeParams":[]}]})", 1801,
         "schema.fields[0].elementTypeParams must be an object");
  create(R"("schema":{"fields":[{"dataType":"Int64"}]})", 1802, "schema.fields[0].fieldName is required");
  create(R"("schema":{"autoID":1,"fields":[{"fieldName":"id","dataType":"Int64"}]})", 1801, "schema.autoID must be a boolean");
  const std::string fields = R"("schema":{"fields":[{"fieldName":"id","dataType":"Int64","isPrimary":true},)"
                             R"({"fieldName":"v","dataType":"FloatVector","elementTypeParams":{"dim":4}}]},)";
  create(fields + R"("indexParams":{})", 1801, "indexParams must be an array, not an object");
  create(fields + R"("indexParams":[3])", 1801, "indexParams[0] must be an object, not an integer");
  create(fields + R"("indexParams":[{"fieldName":"v","params":[]}])", 1801, "indexParams[0].params must be an object");
  create(fields + R"("indexParams":[{"fieldName":"v","metricType":"IP","params":{"M":"x"}}])", 1100,
         "indexParams[0].params.M must be an integer");
  create(fields + R"("indexParams":[{"fieldName":"v","metricType":["IP"]}])", 1801, "indexParams[0].metricType must be a string");
  // entities/insert and upsert
  for (const char* action : {"entities/insert", "entities/upsert"}) {
    add(action, R"("data":{"id":"x"})", 1801, "data must be an array, not an object");
    add(action, R"("data":"rows")", 1801, "data must be an array, not a string");
    add(action, R"("other":1)", 1802, "data is required");
    add(action, R"("data":[5])", 1100, "row 0 is not a JSON object");
    add(action, R"("data":[{"id":"x","vector":"1,2,3,4"}])", 1802, "the vector field vector is missing in row 0");
    add(action, R"("data":[{"id":7,"vector":[1,0,0,0]}])", 1806, "the primary key id must be a VarChar (row 0)");
  }
  // entities/search
  const std::string q = R"("data":[[1,0,0,0]],)";
  add("entities/search", R"("data":{"v":[1,0,0,0]})", 1801, "data must be an array, not an object");
  add("entities/search", R"("limit":3)", 1802, "data is required");
  add("entities/search", R"("data":[5])", 1801, "data[0] must be an array of numbers, not an integer");
  add("entities/search", q + R"("limit":"ten")", 1801, "limit must be an integer, not a string");
  add("entities/search", q + R"("limit":10.5)", 1801, "limit must be an integer, not a number with a fraction");
  add("entities/search", q + R"("limit":1000000000000)", 1100,
      "topk [1000000000000] is invalid, it should be in range [1, 16384], but got 1000000000000");
  add("entities/search", q + R"("limit":0)", 1100, "topk [0] is invalid, it should be in range [1, 16384]");
  add("entities/search", q + R"("limit":-1)", 1100, "topk [-1] is invalid");
  add("entities/search", q + R"("limit":16000,"offset":1000)", 1100,
      "topk+offset [17000] is invalid, it should be in range [1, 16384], but got 17000");
  add("entities/search", q + R"("offset":"1")", 1801, "offset must be an integer, not a string");
  add("entities/search", q + R"("offset":-1)", 1100, "offset [-1] is invalid, should be gte than 0");
  add("entities/search", q + R"("offset":9223372036854775807)", 1100, "topk+offset");
  add("entities/search", q + R"("filter":5)", 1801, "filter must be a string, not an integer");
  add("entities/search", q + R"("filter":"tag ==")", 1100, "cannot parse expression: tag ==");
  add("entities/search", q + R"("outputFields":"tag")", 1801, "outputFields must be an array, not a string");
  add("entities/search", q + R"("outputFields":[1])", 1801, "outputFields must be an array of strings");
  add("entities/search", q + R"("annsField":3)", 1801, "annsField must be a string");
  add("entities/search", q + R"("annsField":"nope")", 1100, "annsField nope is not the vector field of c (vector)");
  add("entities/search", q + R"("searchParams":[])", 1801, "searchParams must be an object, not an array");
  add("entities/search", q + R"("searchParams":{"metricType":"L2"})", 1100, "metric type not match: expected=COSINE, actual=L2");
  add("entities/search", q + R"("searchParams":{"params":"x"})", 1801, "searchParams.params must be an object");
  add("entities/search", q + R"("searchParams":{"params":{"ef":"many"}})", 1100, "searchParams.params.ef must be an integer");
  add("entities/search", q + R"("searchParams":{"params":{"ef":-5}})", 1100, "searchParams.params.ef [-5] is invalid");
  add("entities/search", q + R"("textQuery":5)", 1801, "textQuery must be a string");
  add("entities/search", q + R"("textQuery":"a","rrfK":"x")", 1801, "rrfK must be an integer");
  add("entities/search", q + R"("textQuery":"a","rrfK":-1)", 1100, "rrfK [-1] is invalid");
  add("entities/search", q + R"("textQuery":"a","vectorWeight":"x")", 1801, "vectorWeight must be a finite number");
  add("entities/search", R"("data":[[1,0,0]])", 1801, "the dim (3) of field data(vector) is not equal to schema dim (4)");
  // entities/query
  add("entities/query", R"("filter":5)", 1801, "filter must be a string, not an integer");
  add("entities/query", R"("limit":"ten")", 1801, "limit must be an integer, not a string");
  add("entities/query", R"("limit":1000000000000)", 1100,
      "invalid max query result window, (offset+limit) should be in range [1, 16384], but got 1000000000000");
  add("entities/query", R"("limit":10,"offset":16380)", 1100,
      "invalid max query result window, (offset+limit) should be in range [1, 16384], but got 16390");
  add("entities/query", R"("offset":-1)", 1100, "offset [-1] is invalid, should be gte than 0");
  add("entities/query", R"("outputFields":{})", 1801, "outputFields must be an array, not an object");
  // entities/get and delete
  add("entities/get", R"("id":{})", 1801, "id must be a string, an integer or an array of them, not an object");
  add("entities/get", R"("id":[true])", 1801, "id must be a string, an integer or an array of them, not a boolean");
  add("entities/get", R"("id":["r1"],"outputFields":5)", 1801, "outputFields must be an array, not an integer");
  add("entities/delete", R"("filter":5)", 1801, "filter must be a string, not an integer");
  add("entities/delete", R"("id":[{}])", 1801, "id must be a string, an integer or an array of them, not an object");
  add("entities/delete", R"("other":1)", 1802, "filter is required");

  for (const BadRequest& bad : cases) {
    Json r = raw(bad.action, bad.body);
    std::string shown = bad.action + " " + bad.body.substr(0, 160);
    EXPECT_EQ(r["code"], bad.code) << shown << " -> " << r.dump().substr(0, 300);
    ASSERT_TRUE(r["message"].is_string()) << shown;
    EXPECT_NE(r["message"].get<std::string>().find(bad.says), std::string::npos)
        << shown << " -> " << r["message"].get<std::string>();
    if (bad.action == "entities/search") {
      EXPECT_TRUE(r["topks"].is_array()) << "the Node SDK reads topks";
    }
  }
  EXPECT_EQ(cases.size(), 179u);  // 17 routes x 5, 2 x 6, and the fields below
  // Nothing was created or changed by the refused requests; the server still answers.
  EXPECT_EQ(call("collections/list", Json::object())["data"], Json::array({"c"}));
  Json all = call("entities/query", {{"collectionName", "c"}, {"outputFields", {"count(*)"}}});
  EXPECT_EQ(all["data"][0]["count(*)"], 10);
}

// The limits themselves are accepted, as in Milvus (search topK and query window of 16384).
TEST_F(MilvusServe, LimitsAtTheBoundAreAccepted) {
  Json s = call("entities/search", {{"collectionName", "c"}, {"data", {{1, 0, 0, 0}}}, {"limit", 16384}});
  EXPECT_EQ(s["code"], 0) << s.dump();
  EXPECT_EQ(s["data"].size(), 10u);
  Json paged = call("entities/search", {{"collectionName", "c"}, {"data", {{1, 0, 0, 0}}}, {"limit", 16380}, {"offset", 4}});
  EXPECT_EQ(paged["code"], 0);
  EXPECT_EQ(paged["data"].size(), 6u);
  Json q = call("entities/query", {{"collectionName", "c"}, {"limit", 16384}, {"outputFields", {"tag"}}});
  EXPECT_EQ(q["code"], 0);
  EXPECT_EQ(q["data"].size(), 10u);
  Json unlimited = call("entities/query", {{"collectionName", "c"}, {"limit", 0}, {"offset", 8}});
  EXPECT_EQ(unlimited["data"].size(), 2u) << "limit 0 means no limit, as in Milvus";
  Json typed_ids = call("entities/get", {{"collectionName", "c"}, {"id", "r1"}});
  EXPECT_EQ(typed_ids["data"].size(), 1u);
}

}  // namespace
}  // namespace memgpt::vector

namespace memgpt::vector {
namespace {

// Array fields over REST v2: created with Milvus's custom form (elementDataType,
// elementTypeParams.max_capacity), described back, inserted, queried and searched with the array
// operators; bad array values and expressions are Milvus-shaped one-line errors.
TEST_F(MilvusServe, ArrayFieldsCreateInsertQueryAndSearch) {
  Json fields = Json::array({
      {{"fieldName", "id"}, {"dataType", "Int64"}, {"isPrimary", true}},
      {{"fieldName", "vec"}, {"dataType", "FloatVector"}, {"elementTypeParams", {{"dim", "2"}}}},
      {{"fieldName", "tags"}, {"dataType", "Array"}, {"elementDataType", "VarChar"},
       {"elementTypeParams", {{"max_capacity", "3"}, {"max_length", "16"}}}},
  });
  Json create = {{"collectionName", "arr"},
                 {"schema", {{"autoID", false}, {"enableDynamicField", true}, {"fields", fields}}},
                 {"indexParams", {{{"fieldName", "vec"}, {"indexName", "vec"}, {"metricType", "IP"}}}}};
  ASSERT_EQ(call("collections/create", create)["code"], 0);
  Json described = call("collections/describe", {{"collectionName", "arr"}});
  ASSERT_EQ(described["code"], 0);
  Json tags = described["data"]["fields"][2];
  EXPECT_EQ(tags["type"], "Array");
  EXPECT_EQ(tags["elementType"], "VarChar");
  EXPECT_EQ(tags["params"], Json::parse(R"([{"key":"max_capacity","value":"3"},{"key":"max_length","value":"16"}])"));

  Json rows = Json::array({{{"id", 1}, {"vec", {1, 0}}, {"tags", {"red", "blue"}}},
                           {{"id", 2}, {"vec", {0, 1}}, {"tags", {"blue"}}},
                           {{"id", 3}, {"vec", {1, 1}}, {"tags", Json::array()}}});
  ASSERT_EQ(call("entities/insert", {{"collectionName", "arr"}, {"data", rows}})["code"], 0);
  Json q = call("entities/query", {{"collectionName", "arr"}, {"filter", "array_contains(tags, \"blue\")"},
                                   {"outputFields", {"tags"}}, {"limit", 10}});
  ASSERT_EQ(q["code"], 0) << q.dump();
  ASSERT_EQ(q["data"].size(), 2u);
  Json s = call("entities/search", {{"collectionName", "arr"}, {"data", {{1, 0}}}, {"limit", 5},
                                    {"filter", "array_length(tags) > 0 and tags[0] == \"blue\""},
                                    {"outputFields", {"tags"}}});
  ASSERT_EQ(s["code"], 0) << s.dump();
  ASSERT_EQ(s["data"].size(), 1u);
  EXPECT_EQ(s["data"][0]["tags"], Json::array({"blue"}));

  Json over = call("entities/insert", {{"collectionName", "arr"},
                                       {"data", {{{"id", 4}, {"vec", {1, 0}}, {"tags", {"a", "b", "c", "d"}}}}}});
  EXPECT_EQ(over["code"], 1100);
  EXPECT_NE(over["message"].get<std::string>().find("exceeds max capacity"), std::string::npos) << over.dump();
  Json wrong = call("entities/query", {{"collectionName", "arr"}, {"filter", "array_contains(tags, 7)"}});
  EXPECT_EQ(wrong["code"], 1100);
  EXPECT_NE(wrong["message"].get<std::string>().find("the elements of tags (VarChar) and 7 (Int64)"), std::string::npos);

  // Without an element type or a capacity the field cannot be created.
  Json no_element = create;
  no_element["collectionName"] = "arr2";
  no_element["schema"]["fields"][2].erase("elementDataType");
  EXPECT_EQ(call("collections/create", no_element)["code"], 1802);
  Json no_capacity = create;
  no_capacity["collectionName"] = "arr2";
  no_capacity["schema"]["fields"][2]["elementTypeParams"].erase("max_capacity");
  Json refused = call("collections/create", no_capacity);
  EXPECT_EQ(refused["code"], 1802);
  EXPECT_NE(refused["message"].get<std::string>().find("schema.fields[2].elementTypeParams.max_capacity"),
            std::string::npos)
      << refused.dump();
}

}  // namespace
}  // namespace memgpt::vector
