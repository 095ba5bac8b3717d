// Milvus filter expressions through the embedded engine: parse, compile to SQL, run against a
// small collection with every scalar type and a JSON field. Any filter must give rows or a
// Status; an error never shows the engine's file path (users see these messages verbatim).
#include "fuzz_support.h"
#include "vector/embedded_store.h"

namespace {

using memgpt::Json;
using namespace memgpt::vector;

VectorStore* store() {
  static std::unique_ptr<VectorStore> s = [] {
    auto opened = open_embedded_store(memgpt::fuzz::scratch_dir() + "/milvus.db");
    if (!opened.ok()) memgpt::fuzz::finding("cannot open the embedded store: " + opened.status().message());
    CollectionSpec spec;
    spec.name = "c";
    spec.fields = {{"id", DataType::kInt64, true, false, 0, 0},
                   {"text", DataType::kVarChar, false, false, 256, 0},
                   {"embedding", DataType::kFloatVector, false, false, 0, 4},
                   {"tag", DataType::kVarChar, false, true, 64, 0},
                   {"n", DataType::kInt64, false, false, 0, 0},
                   {"x", DataType::kDouble, false, false, 0, 0},
                   {"flag", DataType::kBool, false, false, 0, 0},
                   {"meta", DataType::kJson, false, false, 0, 0}};
    spec.index.field_name = "embedding";
    if (auto st = (*opened)->create_collection(spec); !st.ok()) memgpt::fuzz::finding(st.message());
    std::vector<Json> rows;
    for (int i = 1; i <= 8; ++i) {
      rows.push_back({{"id", i},
                      {"text", "row " + std::to_string(i)},
                      {"embedding", {i % 2, i % 3, 1, 0.5}},
                      {"tag", i % 2 ? "t1" : "t2"},
                      {"n", i * 10},
                      {"x", i / 4.0},
                      {"flag", i % 3 == 0},
                      {"meta", {{"a", i}, {"b", {{"c", "v" + std::to_string(i)}}}, {"l", {1, 2, i}}}},
                      {"dyn", i}});
    }
    if (auto n = (*opened)->insert("c", rows); !n.ok()) memgpt::fuzz::finding(n.status().message());
    return std::move(*opened);
  }();
  return s.get();
}

void check_error(const memgpt::Status& s, const std::string& filter) {
  if (memgpt::fuzz::leaks_scratch_path(s.message(), filter)) {
    memgpt::fuzz::finding("an error message shows the engine's file path: " + s.message());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string filter(memgpt::fuzz::as_text(data, size));
  QueryRequest q;
  q.filter = filter;
  q.limit = 5;
  q.output_fields = {"*"};
  auto rows = store()->query("c", q);
  if (!rows.ok()) {
    check_error(rows.status(), filter);
    return 0;
  }
  if (rows->size() > 5) memgpt::fuzz::finding("query returned more rows than its limit");
  auto n = store()->count("c", filter);
  if (!n.ok()) {
    check_error(n.status(), filter);
    memgpt::fuzz::finding("a filter that query accepts is refused by count: " + n.status().message());
  }
  if (*n < 0 || *n > 8) memgpt::fuzz::finding("count outside 0..8 on 8 rows");
  SearchRequest s;
  s.vector = {1, 0, 0, 0};
  s.filter = filter;
  s.limit = 3;
  auto hits = store()->search("c", s);
  if (!hits.ok()) {
    check_error(hits.status(), filter);
    memgpt::fuzz::finding("a filter that query accepts is refused by search: " + hits.status().message());
  }
  if (static_cast<int64_t>(hits->size()) != std::min<int64_t>(*n, 3)) {
    memgpt::fuzz::finding("search with a filter returns another number of rows than count says");
  }
  return 0;
}
