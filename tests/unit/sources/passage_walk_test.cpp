// PassageStore::for_each_page on the embedded engine in a file: every passage of one owner once,
// by key, a page at a time; and what it does with a store that breaks the key order it relies
// on (a wrapper that reverses each query's rows, as a server not keeping Milvus's order would).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sources/passage_store.h"
#include "support/test_env.h"

namespace memgpt::sources {
namespace {

constexpr int kDim = 4;

// Forwards to `inner`, with each query's rows in reverse order.
class ReversingStore final : public vector::VectorStore {
 public:
  explicit ReversingStore(vector::VectorStore& inner) : inner_(inner) {}
  Status create_collection(const vector::CollectionSpec& s) override { return inner_.create_collection(s); }
  Result<bool> has_collection(const std::string& n) override { return inner_.has_collection(n); }
  Result<vector::CollectionSpec> describe_collection(const std::string& n) override { return inner_.describe_collection(n); }
  Result<std::vector<std::string>> list_collections() override { return inner_.list_collections(); }
  Status drop_collection(const std::string& n) override { return inner_.drop_collection(n); }
  Result<int64_t> insert(const std::string& c, const std::vector<Json>& r) override { return inner_.insert(c, r); }
  Result<int64_t> upsert(const std::string& c, const std::vector<Json>& r) override { return inner_.upsert(c, r); }
  Result<std::vector<vector::SearchHit>> search(const std::string& c, const vector::SearchRequest& r) override {
    return inner_.search(c, r);
  }
  Result<std::vector<Json>> query(const std::string& c, const vector::QueryRequest& r) override {
    MEMGPT_ASSIGN_OR_RETURN(auto rows, inner_.query(c, r));
    std::reverse(rows.begin(), rows.end());
    return rows;
  }
  Result<std::vector<Json>> get(const std::string& c, const std::vector<Json>& ids,
                                const std::vector<std::string>& f) override {
    return inner_.get(c, ids, f);
  }
  Result<int64_t> count(const std::string& c, const std::string& f) override { return inner_.count(c, f); }
  Result<vector::IndexProgress> index_progress(const std::string& c) override { return inner_.index_progress(c); }
  Result<int64_t> remove(const std::string& c, const std::string& f) override { return inner_.remove(c, f); }
  Result<int64_t> remove_ids(const std::string& c, const std::vector<Json>& ids) override {
    return inner_.remove_ids(c, ids);
  }
  std::string uri() const override { return inner_.uri(); }

 private:
  vector::VectorStore& inner_;
};

class PassageWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = vector::open_vector_store(dir_.file("milvus.db"));
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    auto embedder = embed::make_builtin_embedder();
    ASSERT_TRUE(embedder.ok()) << embedder.status().message();
    embedder_ = std::move(*embedder);
  }
  // The passages of a source in a store over `store`, with small vectors of their own.
  PassageStore passages(vector::VectorStore& store) {
    return PassageStore(&store, embedder_.get()).in({kDim, ""});
  }
  std::set<std::string> load(const std::string& source_id, int count) {
    PassageStore p = passages(*store_);
    EXPECT_TRUE(p.ensure_collections().ok());
    std::vector<Passage> rows;
    std::set<std::string> ids;
    for (int i = 0; i < count; ++i) {
      Passage r;
      r.id = passage_id({source_id, std::to_string(i)});
      r.text = source_id + " passage " + std::to_string(i);
      r.source_id = source_id;
      r.embedding = {1, 0, 0, 0};
      ids.insert(r.id);
      rows.push_back(std::move(r));
    }
    Status s = p.upsert_source_passages(rows);
    EXPECT_TRUE(s.ok()) << s.message();
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<vector::VectorStore> store_;
  std::unique_ptr<embed::Embedder> embedder_;
};

TEST_F(PassageWalkTest, EveryPassageOfTheOwnerComesOnceInKeyOrderAPageAtATime) {
  std::set<std::string> expected = load("s1", 1000);
  load("s2", 100);
  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  Status walked = passages(*store_).for_each_page(false, "source_id", "s1", 64, false, [&](auto& page) {
    page_sizes.push_back(page.size());
    for (const auto& p : page) {
      EXPECT_EQ(p.source_id, "s1");
      EXPECT_TRUE(p.embedding.empty()) << "vectors only when asked for";
      seen.push_back(p.id);
    }
    return Status{};
  });
  ASSERT_TRUE(walked.ok()) << walked.message();
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
  ASSERT_EQ(page_sizes.size(), 16u);  // 15 pages of 64 and one of 40
  EXPECT_EQ(page_sizes.back(), 40u);
}

TEST_F(PassageWalkTest, TheWalkStopsAtTheFirstErrorOfTheCallerAndAMissingCollectionHoldsNothing) {
  load("s1", 300);
  int pages = 0;
  Status stopped = passages(*store_).for_each_page(false, "source_id", "s1", 50, true, [&](auto& page) {
    EXPECT_EQ(page.front().embedding.size(), static_cast<size_t>(kDim)) << "vectors when asked for";
    return ++pages == 2 ? Status(ErrorCode::kCancelled, "stop here") : Status{};
  });
  EXPECT_EQ(stopped.code(), ErrorCode::kCancelled);
  EXPECT_EQ(pages, 2);

  Status none = PassageStore(store_.get(), embedder_.get()).in({kDim, "never_made"}).for_each_page(
      false, "source_id", "s1", 50, false, [&](auto&) {
        ADD_FAILURE() << "a collection never made has no pages";
        return Status{};
      });
  EXPECT_TRUE(none.ok()) << none.message();
}

TEST_F(PassageWalkTest, AStoreThatReturnsRowsOutOfKeyOrderStopsTheWalkWithAnErrorNotALoop) {
  load("s1", 300);
  ReversingStore reversing(*store_);
  int pages = 0;
  Status walked = passages(reversing).for_each_page(false, "source_id", "s1", 50, false, [&](auto&) {
    ++pages;
    return Status{};
  });
  EXPECT_FALSE(walked.ok());
  EXPECT_NE(walked.message().find("out of primary-key order"), std::string::npos) << walked.message();
  EXPECT_EQ(pages, 0) << "no page of rows out of order is handed on";
}

}  // namespace
}  // namespace memgpt::sources
