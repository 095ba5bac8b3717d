// Durability and sharing of the embedded engine: reopening, index files that are missing,
// stale or damaged, several processes on one file, and kill -9 in the middle of writes.
#include "vector/embedded_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "support/test_env.h"
#include "util/files.h"
#include "util/sql.h"
#include "vector/milvus_errors.h"

namespace memgpt::vector {
namespace {

constexpr int kDim = 8;

CollectionSpec spec(const std::string& name = "p") {
  CollectionSpec s;
  s.name = name;
  s.fields = {{"id", DataType::kVarChar, true, false, 64, 0},
              {"text", DataType::kVarChar, false, false, 65535, 0},
              {"embedding", DataType::kFloatVector, false, false, 0, kDim},
              {"batch", DataType::kInt64, false, false, 0, 0}};
  s.index.field_name = "embedding";
  s.index.metric = MetricType::kCosine;  // a row's own vector is then its best match
  return s;
}

std::vector<float> vec(int seed) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::normal_distribution<float> g;
  std::vector<float> v(kDim);
  for (auto& x : v) x = g(rng);
  return v;
}

Json row(int i, int64_t batch = 0) {
  return {{"id", "r" + std::to_string(i)}, {"text", "row " + std::to_string(i)}, {"embedding", vec(i)},
          {"batch", batch}};
}

std::unique_ptr<VectorStore> open(const std::string& path) {
  auto s = open_embedded_store(path);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : nullptr;
}

// Searching a row's own vector must find that row first.
void expect_findable(VectorStore& store, int i) {
  SearchRequest s;
  s.vector = vec(i);
  s.limit = 1;
  auto hits = store.search("p", s);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, "r" + std::to_string(i));
}

TEST(EmbeddedStore, ReopenUsesTheSavedIndexAndCatchesUp) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    std::vector<Json> rows;
    for (int i = 0; i < 200; ++i) rows.push_back(row(i));
    ASSERT_TRUE(store->insert("p", rows).ok());
  }
  EXPECT_TRUE(std::filesystem::exists(path + ".p.hnsw"));
  {
    // Rows written without saving the index (as after a crash): the next open catches up.
    EmbeddedOptions no_save;
    no_save.save_index_on_close = false;
    auto store = open_embedded_store(path, no_save);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->insert("p", {row(500), row(501)}).ok());
    ASSERT_TRUE((*store)->remove_ids("p", {"r3"}).ok());
  }
  auto store = open(path);
  EXPECT_EQ(*store->count("p", ""), 201);
  expect_findable(*store, 500);
  expect_findable(*store, 7);
  SearchRequest s;
  s.vector = vec(3);
  s.limit = 3;
  for (const auto& h : *store->search("p", s)) EXPECT_NE(h.id.get<std::string>(), "r3");
  EXPECT_TRUE(store->get("p", {"r3"}, {})->empty());
}

TEST(EmbeddedStore, MissingOrDamagedIndexIsRebuilt) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    std::vector<Json> rows;
    for (int i = 0; i < 100; ++i) rows.push_back(row(i));
    ASSERT_TRUE(store->insert("p", rows).ok());
  }
  testing::write_text(path + ".p.hnsw", "garbage, not an index");
  {
    auto store = open(path);
    expect_findable(*store, 42);
  }
  std::filesystem::remove(path + ".p.hnsw");
  std::filesystem::remove(path + ".p.hnsw.meta");
  auto store = open(path);
  expect_findable(*store, 99);
}

TEST(EmbeddedStore, AFileThatIsNotAStoreIsAClearError) {
  testing::TempDir dir;
  testing::write_text(dir.file("junk.db"), std::string(8192, 'x'));
  auto s = open_embedded_store(dir.file("junk.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("junk.db"), std::string::npos);
  auto missing = open_embedded_store(dir.file("no/such/folder/milvus.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("does not exist"), std::string::npos);
}

TEST(EmbeddedStore, TwoInstancesShareOneFile) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  auto a = open(path);
  auto b = open(path);
  ASSERT_TRUE(a->create_collection(spec()).ok());
  ASSERT_TRUE(a->insert("p", {row(1), row(2)}).ok());
  expect_findable(*b, 2);  // b sees a's rows at once
  ASSERT_TRUE(b->upsert("p", {row(3)}).ok());
  ASSERT_TRUE(b->remove_ids("p", {"r1"}).ok());
  expect_findable(*a, 3);
  EXPECT_EQ(*a->count("p", ""), 2);
  ASSERT_TRUE(a->drop_collection("p").ok());
  EXPECT_EQ(milvus_code_of(b->count("p", "").status()), MilvusCode::kCollectionNotFound);
  ASSERT_TRUE(b->create_collection(spec()).ok());
  ASSERT_TRUE(b->insert("p", {row(9)}).ok());
  expect_findable(*a, 9);  // a notices the collection was re-created
}

// Counts are cached between writes; a write by this instance or another connection is seen at
// once.
TEST(EmbeddedStore, RepeatedCountsFollowEveryWrite) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  auto a = open(path);
  auto b = open(path);
  ASSERT_TRUE(a->create_collection(spec()).ok());
  ASSERT_TRUE(a->insert("p", {row(1, 7), row(2, 7), row(3, 8)}).ok());
  EXPECT_EQ(*a->count("p", "batch == 7"), 2);
  EXPECT_EQ(*a->count("p", "batch == 7"), 2);  // from the cache
  ASSERT_TRUE(a->insert("p", {row(4, 7)}).ok());
  EXPECT_EQ(*a->count("p", "batch == 7"), 3);  // own write
  ASSERT_TRUE(b->upsert("p", {row(5, 7)}).ok());
  EXPECT_EQ(*a->count("p", "batch == 7"), 4);  // another connection's write
  ASSERT_TRUE(b->remove("p", "batch == 7").ok());
  EXPECT_EQ(*a->count("p", "batch == 7"), 0);
  EXPECT_EQ(*a->count("p", ""), 1);
  ASSERT_TRUE(a->remove_ids("p", {"r3"}).ok());
  EXPECT_EQ(*a->count("p", ""), 0);
}

// A writer process and a reader process on one file at the same time: every read is
// consistent (whole batches) and the writer never fails.
TEST(EmbeddedStore, ReaderAndWriterProcessesInParallel) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
  }
  constexpr int kBatches = 40, kBatchSize = 25;
  pid_t writer = ::fork();
  if (writer == 0) {
    auto s = open_embedded_store(path);
    if (!s.ok()) _exit(10);
    for (int b = 0; b < kBatches; ++b) {
      std::vector<Json> rows;
      for (int i = 0; i < kBatchSize; ++i) rows.push_back(row(b * kBatchSize + i, b));
      if (!(*s)->upsert("p", rows).ok()) _exit(11);
    }
    _exit(0);
  }
  pid_t reader = ::fork();
  if (reader == 0) {
    auto s = open_embedded_store(path);
    if (!s.ok()) _exit(20);
    for (int i = 0; i < 200; ++i) {
      auto n = (*s)->count("p", "");
      if (!n.ok()) _exit(21);
      if (*n % kBatchSize != 0) _exit(22);  // a partial batch was visible
      SearchRequest q;
      q.vector = vec(i);
      q.limit = 5;
      if (!(*s)->search("p", q).ok()) _exit(23);
    }
    _exit(0);
  }
  for (pid_t pid : {writer, reader}) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << (pid == writer ? "writer" : "reader");
  }
  auto store = open(path);
  EXPECT_EQ(*store->count("p", ""), kBatches * kBatchSize);
  expect_findable(*store, kBatches * kBatchSize - 1);
}

// kill -9 at random moments while a child upserts batches. After each kill: every batch the
// child acknowledged (reported on a pipe) is present whole, no partial batch is visible, and
// the store opens without repair.
TEST(EmbeddedStore, SurvivesKillNineMidBatch) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
  }
  constexpr int kBatchSize = 50;
  std::mt19937 rng(1234);
  int64_t next_batch = 0;
  int64_t acknowledged = -1;
  for (int round = 0; round < 24; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      EmbeddedOptions opt;
      opt.save_index_on_close = false;
      auto s = open_embedded_store(path, opt);
      if (!s.ok()) _exit(10);
      for (int64_t b = next_batch;; ++b) {
        std::vector<Json> rows;
        for (int i = 0; i < kBatchSize; ++i) rows.push_back(row(static_cast<int>(b * kBatchSize + i), b));
        if (!(*s)->upsert("p", rows).ok()) _exit(11);
        if (::write(fds[1], &b, sizeof b) != sizeof b) _exit(12);
      }
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 120));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    int64_t b;
    while (::read(fds[0], &b, sizeof b) == sizeof b) acknowledged = std::max(acknowledged, b);
    ::close(fds[0]);

    auto store = open(path);
    ASSERT_TRUE(store) << "round " << round;
    auto n = store->count("p", "");
    ASSERT_TRUE(n.ok()) << n.status().message();
    EXPECT_EQ(*n % kBatchSize, 0) << "partial batch visible in round " << round;
    EXPECT_GE(*n, (acknowledged + 1) * kBatchSize) << "acknowledged rows lost in round " << round;
    if (acknowledged >= 0) expect_findable(*store, static_cast<int>(acknowledged * kBatchSize));
    next_batch = *n / kBatchSize;
  }
  EXPECT_GT(acknowledged, 0);
}

// Large batches are indexed on several threads: every row is in the graph once, upserts replace
// rows, and the graph survives a reopen (loaded from the saved file, keys included).
TEST(EmbeddedStore, LargeBatchesAreIndexedInParallel) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  constexpr int kRows = 3000;
  auto all_rows = [](int64_t batch) {
    std::vector<Json> rows;
    for (int i = 0; i < kRows; ++i) rows.push_back(row(i, batch));
    return rows;
  };
  auto check = [&](VectorStore& store, int64_t batch) {
    EXPECT_EQ(*store.count("p", ""), kRows);
    for (int i = 0; i < kRows; i += 97) {
      SearchRequest s;
      s.vector = vec(i);
      s.limit = 1;
      s.ef = 400;
      s.output_fields = {"batch"};
      auto hits = store.search("p", s);
      ASSERT_TRUE(hits.ok()) << hits.status().message();
      ASSERT_EQ(hits->size(), 1u);
      EXPECT_EQ((*hits)[0].id, "r" + std::to_string(i));
      EXPECT_EQ((*hits)[0].fields["batch"], batch);
    }
  };
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    ASSERT_TRUE(store->insert("p", all_rows(1)).ok());
    check(*store, 1);
    ASSERT_TRUE(store->upsert("p", all_rows(2)).ok());
    check(*store, 2);
  }
  auto store = open(path);
  check(*store, 2);
}

// A batch is written in several multi-row statements (powers of two, up to 256 rows): every row
// is stored once, in the batch's order, and each one's text is in the keyword index.
TEST(EmbeddedStore, ABatchOfManyRowsIsStoredInOrderAndIndexedForKeywords) {
  testing::TempDir dir;
  auto store = open(dir.file("milvus.db"));
  ASSERT_TRUE(store->create_collection(spec()).ok());
  constexpr int kRows = 701;  // 256 + 256 + 128 + 32 + 16 + 8 + 4 + 1
  std::vector<Json> rows;
  for (int i = 0; i < kRows; ++i) {
    Json r = row(i);
    r["text"] = "row " + std::to_string(i) + " word" + std::to_string(i * 7919);
    rows.push_back(std::move(r));
  }
  ASSERT_TRUE(store->insert("p", rows).ok());
  auto file = open_sqlite(dir.file("milvus.db"));
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto all = (*file)->query("SELECT pk FROM c_p ORDER BY rid");  // row ids: the order of writing
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), static_cast<size_t>(kRows));
  for (int i = 0; i < kRows; ++i) ASSERT_EQ((*all)[i].text(0), "r" + std::to_string(i)) << i;
  for (int i : {0, 255, 256, 511, 512, 639, 672, 700}) {
    SearchRequest s;
    s.text_query = "word" + std::to_string(i * 7919);
    s.limit = 2;
    auto hits = store->search("p", s);
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    ASSERT_EQ(hits->size(), 1u) << i;
    EXPECT_EQ((*hits)[0].id, "r" + std::to_string(i));
    expect_findable(*store, i);
  }
}

// A file written before queries ran in primary-key order has no (partition key, pk) index:
// the first process to open the collection adds it, and the rows and their order are the same.
TEST(EmbeddedStore, AFileWithoutThePrimaryKeyOrderIndexGetsItWhenOpened) {
  testing::TempDir dir;
  CollectionSpec s = spec();
  s.fields.push_back({"agent_id", DataType::kVarChar, false, true, 64, 0});
  {
    auto store = open(dir.file("milvus.db"));
    ASSERT_TRUE(store->create_collection(s).ok());
    std::vector<Json> rows;
    for (int i = 0; i < 30; ++i) {
      Json r = row(29 - i);
      r["agent_id"] = i % 2 ? "a" : "b";
      rows.push_back(std::move(r));
    }
    ASSERT_TRUE(store->insert("p", rows).ok());
  }
  auto indexes = [&]() {
    auto file = open_sqlite(dir.file("milvus.db"));
    EXPECT_TRUE(file.ok()) << file.status().message();
    auto names = (*file)->query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'c_p' "
                                "AND name NOT LIKE 'sqlite_%' ORDER BY name");
    EXPECT_TRUE(names.ok()) << names.status().message();
    std::vector<std::string> out;
    for (const auto& n : *names) out.push_back(n.text(0));
    return out;
  };
  ASSERT_EQ(indexes(), (std::vector<std::string>{"i_p_agent_id", "o_p_agent_id"}));
  {
    auto file = open_sqlite(dir.file("milvus.db"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->exec_script("DROP INDEX o_p_agent_id;").ok());
  }
  auto store = open(dir.file("milvus.db"));
  QueryRequest q;
  q.filter = "agent_id == \"a\"";
  auto got = store->query("p", q);
  ASSERT_TRUE(got.ok()) << got.status().message();
  std::vector<std::string> ids;
  for (const auto& r : *got) ids.push_back(r["id"]);
  EXPECT_EQ(ids.size(), 15u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(indexes(), (std::vector<std::string>{"i_p_agent_id", "o_p_agent_id"}));
}

// A key twice in one batch: upsert keeps the later row; insert refuses the batch, naming the
// later row, and stores nothing of it.
TEST(EmbeddedStore, AKeyTwiceInOneBatchIsReplacedByUpsertAndRefusedByInsert) {
  testing::TempDir dir;
  auto store = open(dir.file("milvus.db"));
  ASSERT_TRUE(store->create_collection(spec()).ok());
  std::vector<Json> rows;
  for (int i = 0; i < 300; ++i) rows.push_back(row(i, 1));
  Json again = row(7, 2);
  again["text"] = "the later row 7";
  rows.push_back(again);
  auto inserted = store->insert("p", rows);
  ASSERT_FALSE(inserted.ok());
  EXPECT_NE(inserted.status().message().find("duplicate primary key r7 (row 300)"), std::string::npos)
      << inserted.status().message();
  EXPECT_EQ(*store->count("p", ""), 0);
  ASSERT_TRUE(store->upsert("p", rows).ok());
  EXPECT_EQ(*store->count("p", ""), 300);
  auto got = store->get("p", {"r7"}, {"text", "batch"});
  ASSERT_TRUE(got.ok() && got->size() == 1u);
  EXPECT_EQ((*got)[0]["text"], "the later row 7");
  EXPECT_EQ((*got)[0]["batch"], 2);
  // A key already stored: insert refuses the batch at that row.
  std::vector<Json> more;
  for (int i = 300; i < 600; ++i) more.push_back(row(i, 3));
  more.push_back(row(42, 3));
  auto refused = store->insert("p", more);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("duplicate primary key r42 (row 300)"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(*store->count("p", ""), 300);
}

// The keys file and the graph file are derived data: damaged, they are ignored or rebuilt.
TEST(EmbeddedStore, DamagedKeysOrTruncatedGraphIsRecovered) {
  testing::TempDir dir;
  std::string path = dir.file("milvus.db");
  {
    auto store = open(path);
    ASSERT_TRUE(store->create_collection(spec()).ok());
    std::vector<Json> rows;
    for (int i = 0; i < 300; ++i) rows.push_back(row(i));
    ASSERT_TRUE(store->insert("p", rows).ok());
  }
  testing::write_text(path + ".p.hnsw.keys", "MGKEYS1 but then garbage");
  {
    auto store = open(path);
    expect_findable(*store, 17);
    expect_findable(*store, 299);
  }
  auto graph = *read_file(path + ".p.hnsw");
  testing::write_text(path + ".p.hnsw", graph.substr(0, graph.size() / 2));
  {
    auto store = open(path);
    expect_findable(*store, 5);
    expect_findable(*store, 250);
  }
  // A graph whose neighbour ids point past its end is refused, not searched.
  graph = *read_file(path + ".p.hnsw");
  size_t header = 96, links0 = (2 * 16 + 1) * 4;
  ASSERT_GT(graph.size(), header + links0);
  uint32_t count = 1, bad_id = 0x7fffffff;
  std::memcpy(graph.data() + header, &count, 4);
  std::memcpy(graph.data() + header + 4, &bad_id, 4);
  testing::write_text(path + ".p.hnsw", graph);
  auto store = open(path);
  expect_findable(*store, 123);
}

}  // namespace
}  // namespace memgpt::vector
