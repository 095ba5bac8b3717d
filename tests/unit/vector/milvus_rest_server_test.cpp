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
  EXPECT_EQ(query_text["code"], 1100) << query_text.dump();
}

}  // namespace
}  // namespace memgpt::vector
