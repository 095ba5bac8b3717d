// Keyword search from the engine's inverted index (vector/keyword_search.h) against the full
// BM25 ranking by FTS5 (vector/hybrid_search.h): the same ids, order and scores on random
// queries over a generated corpus, through inserts, upserts, deletes, filters, reopening and a
// damaged index file; and the index reads fewer postings than the full ranking scores.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/test_env.h"
#include "util/files.h"
#include "vector/embedded_store.h"
#include "vector/keyword_index.h"
#include "vector/text_tokenizer.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 4;

CollectionSpec spec() {
  CollectionSpec s;
  s.name = "docs";
  s.fields = {{"id", DataType::kInt64, true, false, 0, 0},
              {"text", DataType::kVarChar, false, false, 65535, 0},
              {"embedding", DataType::kFloatVector, false, false, 0, kDim},
              {"batch", DataType::kInt64, false, false, 0, 0}};
  s.index.field_name = "embedding";
  return s;
}

// Words with a Zipf-like frequency; stems shared by several forms, mixed case and accents, so
// the tokenizer's folding and stemming matter.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> w = {"the",     "of",     "and",    "run",    "running", "runs",   "Runner", "café",
                                  "CAFE",    "naïve",  "naive",  "memory", "memories", "agent", "agents", "Zürich",
                                  "zurich",  "ocean",  "oceans", "river",  "RIVERS",  "λόγος", "data",   "2024",
                                  "x86_64",  "don't",  "e-mail", "email",  "state",   "stated", "stating", "archive"};
    for (int i = 0; i < 400; ++i) w.push_back("w" + std::to_string(i));
    return w;
  }();
  return words;
}

class Corpus {
 public:
  explicit Corpus(unsigned seed) : rng_(seed) {}
  std::string word() {
    // P(i) ~ 1/(i+1): a few words in most documents, most words rare.
    const auto& v = vocabulary();
    static const std::vector<double> weights = [&v] {
      std::vector<double> w;
      for (size_t i = 0; i < v.size(); ++i) w.push_back(1.0 / static_cast<double>(i + 1));
      return w;
    }();
    std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
    return v[pick(rng_)];
  }
  std::string text(int max_words) {
    int n = std::uniform_int_distribution<int>(0, max_words)(rng_);
    std::string t;
    for (int i = 0; i < n; ++i) t += (i ? (i % 7 == 0 ? ". " : " ") : "") + word();
    return t;
  }
  std::string query() {
    int n = std::uniform_int_distribution<int>(1, 6)(rng_);
    std::string q;
    for (int i = 0; i < n; ++i) q += (i ? ", " : "") + word();
    return q + "?";
  }
  int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  std::mt19937 rng_;
};

Json row(int64_t id, const std::string& text, int64_t batch) {
  return {{"id", id}, {"text", text}, {"embedding", {1.0f, 0.5f, static_cast<float>(id % 7), 0.25f}}, {"batch", batch}};
}

std::unique_ptr<VectorStore> open(const std::string& path, bool keyword_index, bool save = true) {
  EmbeddedOptions o;
  o.keyword_index = keyword_index;
  o.save_index_on_close = save;
  auto s = open_embedded_store(path, o);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// `id in [...]` of the ids below `end` that leave `remainder` modulo `modulus`.
std::string ids_modulo(int64_t end, int64_t modulus, int64_t remainder) {
  std::string list;
  for (int64_t id = remainder; id < end; id += modulus) list += (list.empty() ? "" : ", ") + std::to_string(id);
  return "id in [" + list + "]";
}

using Ranking = std::vector<std::pair<int64_t, double>>;

Ranking ranked(VectorStore& store, const std::string& query, int k, const std::string& filter = "",
               std::vector<float> vector = {}) {
  SearchRequest r;
  r.text_query = query;
  r.vector = std::move(vector);
  r.limit = k;
  r.filter = filter;
  auto hits = store.search("docs", r);
  EXPECT_TRUE(hits.ok()) << hits.status().message();
  Ranking out;
  if (hits.ok()) {
    for (const auto& h : *hits) out.emplace_back(h.id.get<int64_t>(), h.distance);
  }
  return out;
}

// `queries` random queries with random k (and filter, when given) rank alike in both stores.
void expect_same_rankings(VectorStore& indexed, VectorStore& fts5, Corpus& corpus, int queries,
                          const std::vector<std::string>& filters = {""}) {
  const int ks[] = {1, 3, 10, 50};
  for (int i = 0; i < queries; ++i) {
    std::string q = corpus.query();
    int k = ks[corpus.below(4)];
    const std::string& filter = filters[static_cast<size_t>(corpus.below(static_cast<int>(filters.size())))];
    Ranking want = ranked(fts5, q, k, filter);
    Ranking got = ranked(indexed, q, k, filter);
    ASSERT_EQ(got, want) << "query '" << q << "' k " << k << " filter '" << filter << "'";
  }
}

struct TwoStores {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  std::unique_ptr<VectorStore> indexed = open(path, true);
  std::unique_ptr<VectorStore> fts5 = open(path, false);
};

void insert_random(VectorStore& store, Corpus& corpus, int64_t first_id, int n, int max_words = 30) {
  std::vector<Json> rows;
  for (int i = 0; i < n; ++i) rows.push_back(row(first_id + i, corpus.text(max_words), (first_id + i) % 10));
  ASSERT_TRUE(store.insert("docs", rows).ok());
}

TEST(KeywordIndex, TopKIsTheFullBm25RankingThroughInsertsUpsertsAndDeletes) {
  TwoStores s;
  Corpus corpus(7);
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  insert_random(*s.indexed, corpus, 0, 2000);
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 150);
  int64_t next = 2000;
  for (int round = 0; round < 6; ++round) {
    // Upserts replace rows (a new rid for the same key), deletes remove some, inserts add.
    std::vector<Json> upserts;
    for (int i = 0; i < 40; ++i) upserts.push_back(row(corpus.below(static_cast<int>(next)), corpus.text(30), 3));
    ASSERT_TRUE(s.indexed->upsert("docs", upserts).ok());
    ASSERT_TRUE(s.indexed->remove("docs", ids_modulo(next, 13, round)).ok());
    insert_random(*s.indexed, corpus, next, 100);
    next += 100;
    expect_same_rankings(*s.indexed, *s.fts5, corpus, 60);
  }
}

TEST(KeywordIndex, ManyDeletesCompactTheIndexAndKeepTheRanking) {
  TwoStores s;
  Corpus corpus(11);
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  insert_random(*s.indexed, corpus, 0, 3000);
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 20);
  ASSERT_TRUE(s.indexed->remove("docs", "id < 2000").ok());  // past the compaction threshold
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 100);
  insert_random(*s.indexed, corpus, 3000, 500);
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 50);
}

TEST(KeywordIndex, FiltersSelectTheSameRowsAsTheFullRanking) {
  TwoStores s;
  Corpus corpus(3);
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  insert_random(*s.indexed, corpus, 0, 2000);
  const std::vector<std::string> filters = {"batch == 3", "batch in [1, 2]", "batch > 0", "id < 40",
                                            "batch == 99", ids_modulo(2000, 97, 1)};
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 150, filters);
  // Rows that arrive after a filter's rows were gathered are checked too.
  insert_random(*s.indexed, corpus, 2000, 300);
  ASSERT_TRUE(s.indexed->remove("docs", ids_modulo(2300, 5, 0)).ok());
  expect_same_rankings(*s.indexed, *s.fts5, corpus, 150, filters);
}

TEST(KeywordIndex, NewRowsMatchingACachedFilterAreFound) {
  TwoStores s;
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  ASSERT_TRUE(s.indexed->insert("docs", {row(1, "blue whale", 1), row(2, "blue sky", 2)}).ok());
  EXPECT_EQ(ranked(*s.indexed, "blue", 10, "batch == 1").size(), 1u);
  ASSERT_TRUE(s.indexed->insert("docs", {row(3, "blue moon", 1)}).ok());
  Ranking got = ranked(*s.indexed, "blue", 10, "batch == 1");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got, ranked(*s.fts5, "blue", 10, "batch == 1"));
}

TEST(KeywordIndex, WordsAreFts5TokensFoldedAndStemmed) {
  TwoStores s;
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  ASSERT_TRUE(s.indexed->insert("docs", {row(1, "She runs to the cafe in Zurich", 0), row(2, "naive e-mail", 0),
                                         row(3, "", 0), row(4, "foo—bar", 0), row(5, "nothing here", 0)})
                  .ok());
  auto ids = [&](const std::string& q) {
    std::vector<int64_t> out;
    for (const auto& [id, score] : ranked(*s.indexed, q, 10)) out.push_back(id);
    EXPECT_EQ(ranked(*s.indexed, q, 10), ranked(*s.fts5, q, 10)) << q;
    return out;
  };
  EXPECT_EQ(ids("RUNNING to the CAFÉ"), std::vector<int64_t>({1}));
  EXPECT_EQ(ids("Zürich"), std::vector<int64_t>({1}));
  EXPECT_EQ(ids("naïve"), std::vector<int64_t>({2}));
  EXPECT_EQ(ids("mail"), std::vector<int64_t>({2}));
  EXPECT_EQ(ids("bar"), std::vector<int64_t>({4}));  // "—" separates words
  EXPECT_TRUE(ids("!!! — ???").empty());
}

TEST(KeywordIndex, EqualScoresRankBySmallerRowIdFirst) {
  TwoStores s;
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 600; ++i) rows.push_back(row(i, i % 3 == 0 ? "tide pool" : "rock pool", 0));
  ASSERT_TRUE(s.indexed->insert("docs", rows).ok());
  Ranking got = ranked(*s.indexed, "pool tide", 5);
  EXPECT_EQ(got, ranked(*s.fts5, "pool tide", 5));
  ASSERT_EQ(got.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(got[i].first, static_cast<int64_t>(3 * i));
  got = ranked(*s.indexed, "rock", 4);
  EXPECT_EQ(got, ranked(*s.fts5, "rock", 4));
  EXPECT_EQ(got, Ranking({{1, got[0].second}, {2, got[0].second}, {4, got[0].second}, {5, got[0].second}}));
}

TEST(KeywordIndex, HybridSearchFusesTheSameKeywordRanking) {
  TwoStores s;
  Corpus corpus(5);
  ASSERT_TRUE(s.indexed->create_collection(spec()).ok());
  insert_random(*s.indexed, corpus, 0, 1500);
  for (int i = 0; i < 40; ++i) {
    std::string q = corpus.query();
    std::vector<float> v = {0.3f, 1.0f, static_cast<float>(i % 5), -0.5f};
    EXPECT_EQ(ranked(*s.indexed, q, 10, "batch != 4", v), ranked(*s.fts5, q, 10, "batch != 4", v)) << q;
  }
}

TEST(KeywordIndex, ReopeningLoadsTheSavedIndexAndCatchesUp) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  Corpus corpus(9);
  {
    auto store = open(path, true);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    insert_random(*store, corpus, 0, 1500);
    EXPECT_FALSE(ranked(*store, "w1 w2 agent", 5).empty());  // builds the index
  }
  ASSERT_TRUE(std::filesystem::exists(path + ".docs.kw"));
  {
    // Changes the saved index has not seen: the next open catches up with them.
    auto writer = open(path, true, false);
    insert_random(*writer, corpus, 1500, 200);
    ASSERT_TRUE(writer->remove("docs", ids_modulo(1700, 3, 0)).ok());
  }
  auto indexed = open(path, true);
  auto fts5 = open(path, false);
  expect_same_rankings(*indexed, *fts5, corpus, 150);
}

TEST(KeywordIndex, AProcessThatChangedNothingDoesNotWriteTheIndexAgain) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  Corpus corpus(5);
  {
    auto store = open(path, true);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    insert_random(*store, corpus, 0, 300);
    EXPECT_FALSE(ranked(*store, "w1 w2 agent", 5).empty());  // builds and, on close, saves the index
  }
  auto inode = [&] {
    struct stat st{};
    EXPECT_EQ(::stat((path + ".docs.kw").c_str(), &st), 0);
    return st.st_ino;  // a save replaces the file by a rename: a new inode
  };
  auto before = inode();
  {
    auto store = open(path, true);
    EXPECT_FALSE(ranked(*store, "w1 w2 agent", 5).empty());
  }
  EXPECT_EQ(inode(), before) << "searching only must not rewrite the index";
  {
    auto store = open(path, true);
    insert_random(*store, corpus, 300, 10);
    EXPECT_FALSE(ranked(*store, "w1 w2 agent", 5).empty());
  }
  EXPECT_NE(inode(), before) << "new rows are saved";
}

TEST(KeywordIndex, ADamagedOrForeignIndexFileIsRebuilt) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  Corpus corpus(13);
  {
    auto store = open(path, true);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    insert_random(*store, corpus, 0, 800);
    ranked(*store, "w1", 5);
  }
  std::string saved = *read_file(path + ".docs.kw");
  for (int damage = 0; damage < 3; ++damage) {
    std::string bytes = saved;
    if (damage == 0) bytes[bytes.size() / 2] ^= 0x5a;  // a flipped byte
    if (damage == 1) bytes.resize(bytes.size() / 3);    // cut short
    if (damage == 2) {  // the collection dropped and made again, with more rows than the file's
      auto store = open(path, true, false);
      ASSERT_TRUE(store->drop_collection("docs").ok());
      ASSERT_TRUE(store->create_collection(spec()).ok());
      insert_random(*store, corpus, 0, 1000);
    }
    ASSERT_TRUE(write_file_atomic(path + ".docs.kw", bytes).ok());
    auto indexed = open(path, true, false);
    auto fts5 = open(path, false);
    expect_same_rankings(*indexed, *fts5, corpus, 60);
  }
}

TEST(KeywordIndex, ATopKQueryReadsFewerPostingsThanTheFullRankingScores) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  uint64_t read = 0, total = 0;
  EmbeddedOptions o;
  o.on_keyword_search = [&](uint64_t r, uint64_t t) {
    read += r;
    total += t;
  };
  auto store = std::move(*open_embedded_store(path, o));
  ASSERT_TRUE(store->create_collection(spec()).ok());
  Corpus corpus(21);
  for (int b = 0; b < 4; ++b) insert_random(*store, corpus, b * 2500, 2500, 60);
  for (int i = 0; i < 100; ++i) ranked(*store, corpus.query(), 10);
  ASSERT_GT(total, 0u);
  EXPECT_LT(read * 2, total) << read << " of " << total;
}

TEST(KeywordIndexUnit, ScoresFollowFts5Bm25) {
  // One document of three tokens among two: N = 2, df("a") = 1, avgdl = 2.
  embedded::KeywordIndex ix;
  ix.add(1, {"a", "b", "a"});
  ix.add(2, {"b"});
  auto hits = ix.search({"a"}, 5, nullptr);
  ASSERT_EQ(hits.size(), 1u);
  double idf = std::log((2 - 1 + 0.5) / (1 + 0.5));  // 0 -> clamped to 1e-6
  ASSERT_LE(idf, 0.0);
  EXPECT_EQ(hits[0].rid, 1);
  EXPECT_DOUBLE_EQ(hits[0].score, 1e-6 * (2 * 2.2) / (2 + 1.2 * (0.25 + 0.75 * 3 / 2.0)));
  auto reparsed = embedded::KeywordIndex::parse(ix.serialize());
  ASSERT_TRUE(reparsed.has_value());
  EXPECT_EQ(reparsed->search({"a", "b"}, 5, nullptr).size(), 2u);
  EXPECT_FALSE(embedded::KeywordIndex::parse("MGKW").has_value());
}

}  // namespace
}  // namespace memgpt::vector
