// Loading on several threads (sources/load_pipeline.h) against loading on one: real files, the
// embedded vector engine in a file, the built-in embedder.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "embed/embedder.h"
#include "sources/ingest.h"
#include "support/test_env.h"
#include "vector/vector_store.h"

namespace memgpt::sources {
namespace {

// Paragraphs of distinct text (`seed` makes each file's own).
std::string prose(int paragraphs, int seed) {
  static const char* kWords[] = {"river",  "heron",  "valley", "lantern", "harbor", "glacier", "meadow",
                                 "canyon", "otter",  "bridge", "cloud",   "stone",  "island",  "forest"};
  std::string out;
  uint32_t x = static_cast<uint32_t>(seed) * 2654435761u + 1;
  for (int p = 0; p < paragraphs; ++p) {
    for (int w = 0; w < 45; ++w) {
      x = x * 1103515245u + 12345u;
      out += kWords[(x >> 16) % 14];
      out += w % 11 == 10 ? ". " : " ";
    }
    out += "Paragraph " + std::to_string(p) + " of file " + std::to_string(seed) + ".\n\n";
  }
  return out;
}

// One vector store file and what a load put into it.
struct Loaded {
  Result<LoadReport> report = unavailable("not run");
  std::vector<Passage> passages;  // in primary-key order, with their vectors
  std::vector<std::string> events;  // the progress callbacks, in the order they came
};

class LoadPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto embedder = embed::make_builtin_embedder();
    ASSERT_TRUE(embedder.ok()) << embedder.status().message();
    embedder_ = std::move(*embedder);
    source_.id = "source-1";
    source_.user_id = "user-1";
    source_.name = "docs";
  }

  std::string file(const std::string& name, const std::string& content) {
    testing::write_text(docs_.file(name), content);
    files_.push_back(docs_.file(name));
    return files_.back();
  }

  // Loads files_ into a fresh store with `threads`; `cancel_after` stops the load once that
  // many passages are reported stored.
  Loaded load(int threads, int64_t cancel_after = 0) {
    Loaded out;
    auto store = vector::open_vector_store(stores_.file("milvus-" + std::to_string(++stores_made_) + ".db"));
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return out;
    PassageStore passages(store->get(), embedder_.get());
    EXPECT_TRUE(passages.ensure_collections().ok());
    LoadRequest request;
    request.threads = threads;
    std::atomic<bool> cancel{false};
    LoadProgress progress;
    progress.cancel = &cancel;
    progress.on_file = [&](size_t done, size_t total, const std::string& f) {
      out.events.push_back("file " + std::to_string(done) + "/" + std::to_string(total) + " " + f);
    };
    progress.on_warning = [&](const std::string& w) { out.events.push_back("warning " + w); };
    progress.on_passages = [&](int64_t n) {
      last_reported_ = n;
      if (cancel_after > 0 && n >= cancel_after) cancel = true;
    };
    out.report = ingest_files(passages, source_, files_, request, progress);
    Status stored = passages.for_each_page(false, "source_id", source_.id, 1000, /*with_embeddings=*/true,
                                           [&](auto& page) {
                                             out.passages.insert(out.passages.end(), page.begin(), page.end());
                                             return Status{};
                                           });
    EXPECT_TRUE(stored.ok()) << stored.message();
    return out;
  }

  testing::TempDir docs_, stores_;
  std::unique_ptr<embed::Embedder> embedder_;
  store::SourceRecord source_;
  std::vector<std::string> files_;
  int stores_made_ = 0;
  int64_t last_reported_ = 0;
};

// Many files of many sizes, bad lines, a file that breaks after its first megabyte (so some of
// its passages are stored before it fails) and one that fails at once: four threads store the
// same passages as one thread, in the same order, and report the same.
TEST_F(LoadPipelineTest, SeveralThreadsStoreExactlyWhatOneThreadStores) {
  file("a.txt", prose(1200, 1));
  file("b.md", "# Notes\n\n" + prose(3, 2));
  file("facts.jsonl", "{\"text\": \"Saturn's moon Titan has methane lakes.\"}\nnot json\n{\"text\": \"" +
                          prose(1, 3).substr(0, 200) + "\"}\n");
  // More than one piece (1 MB): the first piece is read, then the bad bytes fail the file.
  file("broken.txt", prose(4000, 4) + "\xff\xfe broken\n");
  for (int i = 0; i < 40; ++i) file("small-" + std::to_string(100 + i) + ".txt", prose(1 + i % 4, 10 + i));
  file("binary.txt", std::string("\x7f" "ELF\x02\x01\x01\0\0\0\0", 12) + std::string(64, '\0'));
  file("z.txt", prose(5000, 5));

  Loaded one = load(1);
  Loaded four = load(4);
  ASSERT_TRUE(one.report.ok()) << one.report.status().message();
  ASSERT_TRUE(four.report.ok()) << four.report.status().message();

  EXPECT_EQ(four.report->documents, one.report->documents);
  EXPECT_EQ(four.report->passages, one.report->passages);
  EXPECT_EQ(four.report->files, one.report->files);
  EXPECT_EQ(four.report->skipped, one.report->skipped);
  EXPECT_EQ(four.report->warnings, one.report->warnings);
  EXPECT_EQ(four.report->fit.split, one.report->fit.split);
  EXPECT_EQ(four.report->fit.truncated, one.report->fit.truncated);
  EXPECT_EQ(four.events, one.events);
  ASSERT_EQ(one.report->skipped.size(), 2u);
  EXPECT_NE(one.report->skipped[0].find("broken.txt: not valid UTF-8 text"), std::string::npos)
      << one.report->skipped[0];
  EXPECT_NE(one.report->skipped[1].find("binary.txt"), std::string::npos) << one.report->skipped[1];
  ASSERT_EQ(one.report->warnings.size(), 1u);

  ASSERT_EQ(four.passages.size(), one.passages.size()) << "both reported " << one.report->passages;
  EXPECT_EQ(static_cast<int64_t>(one.passages.size()), one.report->passages);
  EXPECT_GT(one.passages.size(), 1000u);  // several writes either way
  for (size_t i = 0; i < one.passages.size(); ++i) {
    const Passage& a = one.passages[i];
    const Passage& b = four.passages[i];
    ASSERT_EQ(b.id, a.id) << "passage " << i;
    EXPECT_EQ(b.text, a.text) << a.id;
    EXPECT_EQ(b.doc_id, a.doc_id) << a.id;
    EXPECT_EQ(b.metadata, a.metadata) << a.id;
    EXPECT_EQ(b.user_id, a.user_id) << a.id;
    EXPECT_EQ(b.source_id, a.source_id) << a.id;
    EXPECT_EQ(b.data_source, a.data_source) << a.id;
    EXPECT_EQ(b.embedding, a.embedding) << a.id;  // bit for bit
    EXPECT_NE(b.doc_id, "broken.txt") << "a passage of the skipped file stayed";
    // One time stamp per load (the loads ran at different times).
    EXPECT_EQ(a.created_at, one.passages[0].created_at);
    EXPECT_EQ(b.created_at, four.passages[0].created_at);
  }
}

// A stop half way returns kCancelled; every write is whole, so the store holds exactly the
// passages reported stored (the caller then removes the source with them).
TEST_F(LoadPipelineTest, AStopHalfWayLeavesOnlyWholeWrites) {
  for (int i = 0; i < 12; ++i) file("part-" + std::to_string(i) + ".txt", prose(600, i));
  Loaded stopped = load(3, /*cancel_after=*/1);
  EXPECT_EQ(stopped.report.status().code(), ErrorCode::kCancelled);
  EXPECT_GT(last_reported_, 0);
  EXPECT_EQ(static_cast<int64_t>(stopped.passages.size()), last_reported_);
  Loaded whole = load(3);
  ASSERT_TRUE(whole.report.ok()) << whole.report.status().message();
  EXPECT_LT(stopped.passages.size(), whole.passages.size());
}

// Under --strict the first unreadable file fails the load, with the same error either way.
TEST_F(LoadPipelineTest, StrictFailsAtTheFirstBadFileAsOneThreadDoes) {
  file("a.txt", prose(20, 1));
  file("empty.txt", "");
  file("c.txt", prose(20, 3));
  auto strict_load = [&](int threads) {
    auto store = vector::open_vector_store(stores_.file("strict-" + std::to_string(threads) + ".db"));
    EXPECT_TRUE(store.ok());
    PassageStore passages(store->get(), embedder_.get());
    EXPECT_TRUE(passages.ensure_collections().ok());
    LoadRequest request;
    request.threads = threads;
    request.strict = true;
    return ingest_files(passages, source_, files_, request).status();
  };
  Status one = strict_load(1);
  Status four = strict_load(4);
  EXPECT_FALSE(one.ok());
  EXPECT_EQ(four.code(), one.code());
  EXPECT_EQ(four.message(), one.message());
}

}  // namespace
}  // namespace memgpt::sources
