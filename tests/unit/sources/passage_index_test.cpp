// The archival index setting (PassageStore::set_index, [archival_storage] index_type): new
// collections get the chosen graph, existing ones keep theirs, and both find the same passages.
// Real parts: the embedded engine in a file, the built-in embedder.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "embed/embedder.h"
#include "sources/passage_store.h"
#include "support/test_env.h"
#include "vector/vector_store.h"

namespace memgpt::sources {
namespace {

class PassageIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto embedder = embed::make_builtin_embedder();
    ASSERT_TRUE(embedder.ok()) << embedder.status().message();
    embedder_ = std::move(*embedder);
  }
  std::unique_ptr<vector::VectorStore> open() {
    auto store = vector::open_vector_store(dir_.file("milvus.db"));
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string index_of(vector::VectorStore& store, const std::string& collection) {
    auto spec = store.describe_collection(collection);
    EXPECT_TRUE(spec.ok()) << spec.status().message();
    return spec.ok() ? spec->index.index_type : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<embed::Embedder> embedder_;
};

// Facts an agent saved, one per passage, each with a word no other one has.
const std::vector<std::string> kFacts = {
    "The lighthouse keeper counts 117 ships every winter.", "The violet protocol listens on port 7311.",
    "The amber falcon nests on basalt cliffs.",             "Quarterly revenue of the tin mine rose by 12 percent.",
    "Saturn's moon Titan has methane lakes.",               "Glaciers carve fjords over millennia.",
    "The orchard's oldest pear tree was planted in 1887.",  "Copper kettles whistle louder than steel ones."};

TEST_F(PassageIndexTest, AQuantisedIndexKeepsEightBitGraphsAndFindsWhatTheFloatIndexFinds) {
  std::vector<std::string> found[2];
  int run = 0;
  for (auto [index, type] : {std::pair{PassageStore::Index::kHnsw, "HNSW"}, std::pair{PassageStore::Index::kHnswSq, "HNSW_SQ"}}) {
    testing::TempDir dir;
    auto store = vector::open_vector_store(dir.file("milvus.db"));
    ASSERT_TRUE(store.ok()) << store.status().message();
    PassageStore passages(store->get(), embedder_.get());
    passages.set_index(index);
    ASSERT_TRUE(passages.ensure_collections().ok());
    auto spec = (*store)->describe_collection(passages.archival_collection());
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    EXPECT_EQ(spec->index.index_type, type);
    EXPECT_EQ(spec->index.refine, std::string(type) == "HNSW_SQ") << "SQ8 hits are ranked by their floats";
    for (const auto& fact : kFacts) ASSERT_TRUE(passages.insert_archival("user", "agent", fact).ok());
    for (const char* query : {"how many ships in winter", "which port does the protocol use", "lakes of methane",
                              "when was the pear tree planted"}) {
      for (SearchMode mode : {SearchMode::kVector, SearchMode::kHybrid}) {
        auto page = passages.search_archival("agent", query, 0, 3, mode);
        ASSERT_TRUE(page.ok()) << page.status().message();
        ASSERT_FALSE(page->hits.empty()) << query;
        found[run].push_back(page->hits[0].passage.text);
      }
    }
    ++run;
  }
  EXPECT_EQ(found[0], found[1]);
}

TEST_F(PassageIndexTest, ACollectionThatExistsKeepsTheIndexItWasCreatedWith) {
  auto store = open();
  ASSERT_TRUE(store);
  PassageStore first(store.get(), embedder_.get());
  ASSERT_TRUE(first.ensure_collections().ok());
  ASSERT_TRUE(first.insert_archival("user", "agent", kFacts[0]).ok());
  PassageStore later(store.get(), embedder_.get());
  later.set_index(PassageStore::Index::kHnswSq);
  Status ensured = later.ensure_collections();
  ASSERT_TRUE(ensured.ok()) << ensured.message();
  EXPECT_EQ(index_of(*store, later.archival_collection()), "HNSW");
  auto page = later.search_archival("agent", "ships in winter", 0, 1);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->hits.size(), 1u);
  EXPECT_EQ(page->hits[0].passage.text, kFacts[0]);
}

}  // namespace
}  // namespace memgpt::sources
