// The embedded engine's index files damaged, stale, foreign or ahead of the store file, seen
// through the store (the file formats alone: index_files_test.cpp). Every case must give the
// answers the rows give: found by their own vectors, deleted rows never, no rows twice.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <set>

#include "support/test_env.h"
#include "support/vectors.h"
#include "util/files.h"
#include "vector/embedded_store.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 8;
constexpr size_t kHeaderBytes = 96;

std::vector<float> vec(int seed) { return testing::unit_vector(seed, kDim); }

CollectionSpec spec() {
  CollectionSpec s;
  s.name = "p";
  s.fields = {{"id", DataType::kVarChar, true, false, 64, 0}, {"embedding", DataType::kFloatVector, false, false, 0, kDim}};
  s.index.field_name = "embedding";
  s.index.metric = MetricType::kCosine;
  return s;
}

Json row(int i) { return {{"id", "r" + std::to_string(i)}, {"embedding", vec(i)}}; }

std::unique_ptr<VectorStore> open(const std::string& path) {
  auto s = open_embedded_store(path);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// Every live row finds itself first, deleted rows never appear, and ids are the rows' own.
void expect_exact_answers(VectorStore& store, const std::set<int>& live, const std::set<int>& gone) {
  auto nearest_three = [&](int i) {
    SearchRequest s;
    s.vector = vec(i);
    s.limit = 3;
    s.ef = 200;
    return store.search("p", s);
  };
  for (int i : live) {
    auto hits = nearest_three(i);
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    ASSERT_FALSE(hits->empty());
    EXPECT_EQ((*hits)[0].id, "r" + std::to_string(i));
    EXPECT_NEAR((*hits)[0].distance, 1.0, 1e-5) << i;
    for (const auto& h : *hits) EXPECT_EQ(gone.count(std::stoi(h.id.get<std::string>().substr(1))), 0u) << h.id;
  }
  // A deleted row's own vector finds three other rows (not fewer: a deleted row the graph
  // still returns and the keys then hide would leave a hole).
  for (int i : gone) {
    auto hits = nearest_three(i);
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    EXPECT_EQ(hits->size(), 3u) << "r" << i;
    for (const auto& h : *hits) EXPECT_EQ(gone.count(std::stoi(h.id.get<std::string>().substr(1))), 0u) << h.id;
  }
  EXPECT_EQ(*store.count("p", ""), static_cast<int64_t>(live.size()));
}

class StoreIndexFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = open(path_);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    std::vector<Json> rows;
    for (int i = 1; i <= 200; ++i) rows.push_back(row(i));
    ASSERT_TRUE(store->insert("p", rows).ok());
    for (int i = 1; i <= 200; ++i) live_.insert(i);
  }
  std::string graph() const { return path_ + ".p.hnsw"; }
  void snapshot(const std::string& tag) {
    for (const char* suffix : {"", ".keys", ".meta"}) {
      std::filesystem::copy_file(graph() + suffix, graph() + suffix + "." + tag,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  void restore(const std::string& tag, std::initializer_list<const char*> suffixes) {
    for (const char* suffix : suffixes) {
      std::filesystem::copy_file(graph() + suffix + "." + tag, graph() + suffix,
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  void insert_more(VectorStore& store) {
    std::vector<Json> rows;
    for (int i = 201; i <= 300; ++i) rows.push_back(row(i)), live_.insert(i);
    ASSERT_TRUE(store.insert("p", rows).ok());
  }
  // Deletes 1..10: tombstones only, so the graph keeps its element count.
  void delete_some(VectorStore& store) {
    std::vector<Json> ids;
    for (int i = 1; i <= 10; ++i) ids.push_back("r" + std::to_string(i)), live_.erase(i), gone_.insert(i);
    ASSERT_TRUE(store.remove_ids("p", ids).ok());
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("milvus.db");
  std::set<int> live_, gone_;
};

TEST_F(StoreIndexFiles, AFlippedByteInTheGraphFileIsRebuiltNotSearched) {
  std::string bytes = *read_file(graph());
  // Make element 0's vector huge: read as it is, it would rank first for most queries.
  size_t links0 = (2 * 16 + 1) * 4;
  bytes[kHeaderBytes + links0 + 3] = static_cast<char>(0x7e);
  testing::write_text(graph(), bytes);
  auto store = open(path_);
  expect_exact_answers(*store, live_, gone_);
}

TEST_F(StoreIndexFiles, AGraphFileFromAnOlderCatchUpPointIsRefused) {
  snapshot("a");
  {
    auto store = open(path_);
    delete_some(*store);
  }
  // Only the graph file goes back: its meta and keys speak of the later save, with the same
  // element count, so only the hash tells them apart.
  restore("a", {""});
  {
    auto store = open(path_);
    expect_exact_answers(*store, live_, gone_);
  }
  // The older save as a whole is consistent: it loads and catches up with the rows since.
  restore("a", {"", ".keys", ".meta"});
  auto store = open(path_);
  expect_exact_answers(*store, live_, gone_);
}

TEST_F(StoreIndexFiles, AnIndexAheadOfTheFileIsRebuilt) {
  // The store file goes back to an earlier state (a restored backup) while the index files
  // keep a later one: rids of the later rows would be reused by new rows with other vectors.
  std::filesystem::copy_file(path_, path_ + ".a");
  {
    auto store = open(path_);
    insert_more(*store);
    delete_some(*store);
  }
  std::filesystem::copy_file(path_ + ".a", path_, std::filesystem::copy_options::overwrite_existing);
  live_.clear();
  gone_.clear();
  for (int i = 1; i <= 200; ++i) live_.insert(i);
  auto store = open(path_);
  std::vector<Json> rows;
  for (int i = 401; i <= 450; ++i) rows.push_back(row(i)), live_.insert(i);
  ASSERT_TRUE(store->insert("p", rows).ok());
  for (int i = 201; i <= 300; ++i) gone_.insert(i);
  expect_exact_answers(*store, live_, gone_);
}

TEST_F(StoreIndexFiles, MetaOfAnotherFormatOrDamagedIsRebuilt) {
  Json meta = parse_json_or_discarded(*read_file(graph() + ".meta"));
  ASSERT_EQ(meta["format"], 1);
  for (const std::string& bad : {[&] { Json m = meta; m["format"] = 99; return m.dump(); }(),
                                 [&] { Json m = meta; m["count"] = "many"; return m.dump(); }(),
                                 [&] { Json m = meta; m["graph_xxh3"] = "zz"; return m.dump(); }(),
                                 [&] { Json m = meta; m["uid"] = "another"; return m.dump(); }(),
                                 std::string("{not json"), std::string()}) {
    testing::write_text(graph() + ".meta", bad);
    auto store = open(path_);
    expect_exact_answers(*store, live_, gone_);
  }
}

// Index files written before the hash (meta without "format") are still used, then re-saved
// with the hash.
TEST_F(StoreIndexFiles, FilesOfEarlierBuildsLoadAndGainAHash) {
  Json meta = parse_json_or_discarded(*read_file(graph() + ".meta"));
  meta.erase("format");
  meta.erase("graph_xxh3");
  testing::write_text(graph() + ".meta", meta.dump());
  {
    auto store = open(path_);
    expect_exact_answers(*store, live_, gone_);
  }
  Json saved = parse_json_or_discarded(*read_file(graph() + ".meta"));
  EXPECT_EQ(saved["format"], 1);
  EXPECT_EQ(saved["graph_xxh3"].get<std::string>().size(), 16u);
}

TEST_F(StoreIndexFiles, DamagedKeysAreReadFromTheRows) {
  std::string keys = *read_file(graph() + ".keys");
  for (size_t pos : {size_t{0}, size_t{20}, keys.size() / 2, keys.size() - 1}) {
    std::string flipped = keys;
    flipped[pos] = static_cast<char>(flipped[pos] ^ 0x10);
    testing::write_text(graph() + ".keys", flipped);
    auto store = open(path_);
    expect_exact_answers(*store, live_, gone_);
  }
}

}  // namespace
}  // namespace memgpt::vector
