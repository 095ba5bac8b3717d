// The sources service on real parts: SQLite metadata, the embedded vector engine in a file,
// the built-in embedder and files written by the test. Crashes are reproduced by leaving the
// state a killed process leaves (a record not ready, passages stored, no lock held).
#include "runtime/sources_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "embed/embedder.h"
#include "support/test_env.h"
#include "vector/vector_store.h"

namespace memgpt::runtime {
namespace {

using store::SourceState;

class SourcesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto meta = store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"));
    ASSERT_TRUE(meta.ok()) << meta.status().message();
    meta_ = std::move(*meta);
    ASSERT_TRUE(meta_->ensure_user(kUser).ok());
    auto vs = vector::open_vector_store(dir_.file("milvus.db"));
    ASSERT_TRUE(vs.ok()) << vs.status().message();
    vectors_ = std::move(*vs);
    auto embedder = embed::make_builtin_embedder();
    ASSERT_TRUE(embedder.ok()) << embedder.status().message();
    embedder_ = std::move(*embedder);
    passages_ = std::make_unique<sources::PassageStore>(vectors_.get(), embedder_.get());
    service_ = std::make_unique<SourcesService>(*meta_, *passages_, dir_.file("sqlite.db"));
  }
  std::string file(const std::string& name, const std::string& text) {
    testing::write_text(docs_.file(name), text);
    return docs_.file(name);
  }
  sources::LoadRequest request(const std::string& name, std::vector<std::string> files) {
    sources::LoadRequest r;
    r.user_id = kUser;
    r.name = name;
    r.input_files = std::move(files);
    return r;
  }
  int64_t passages_of(const std::string& source_id) { return *passages_->count_source_passages(source_id); }
  int64_t all_passages() { return *vectors_->count(passages_->passages_collection(), ""); }
  std::string agent(const std::string& name) {
    store::AgentRecord a;
    a.user_id = kUser;
    a.name = name;
    return meta_->create_agent(a)->id;
  }
  void attach(const store::SourceRecord& s, const std::string& agent_id) {
    ASSERT_TRUE(passages_->attach_source(sources::space_of(s), s.id, agent_id, kUser).ok());
    ASSERT_TRUE(meta_->attach_source(agent_id, s.id).ok());
  }
  // Ten paragraphs: several passages.
  std::string long_text() {
    std::string t;
    for (int i = 0; i < 40; ++i) {
      t += "Paragraph " + std::to_string(i) + " tells of rivers, herons and the long winter of the valley. ";
      t += "It goes on for a while so that the chunker has to cut it into more than one passage.\n\n";
    }
    return t;
  }
  static constexpr const char* kUser = "user-1";
  testing::TempDir dir_, docs_;
  std::unique_ptr<store::MetadataStore> meta_;
  std::unique_ptr<vector::VectorStore> vectors_;
  std::unique_ptr<embed::Embedder> embedder_;
  std::unique_ptr<sources::PassageStore> passages_;
  std::unique_ptr<SourcesService> service_;
};

TEST_F(SourcesServiceTest, LoadShowsTheSourceOnlyWhenEveryPassageIsStored) {
  std::string text = file("rivers.txt", long_text());
  bool hidden_while_loading = true;
  sources::LoadProgress progress;
  progress.on_passages = [&](int64_t) {
    hidden_while_loading = hidden_while_loading && !meta_->get_source_by_name(kUser, "rivers").ok() &&
                           meta_->list_sources(kUser)->empty() && meta_->list_unfinished_sources()->size() == 1;
  };
  auto report = service_->load(request("rivers", {text}), progress);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_TRUE(hidden_while_loading);
  EXPECT_GT(report->passages, 1);
  auto source = meta_->get_source_by_name(kUser, "rivers");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source->state, SourceState::kReady);
  EXPECT_EQ(source->metadata, Json({{"files", 1}, {"documents", 1}, {"passages", report->passages}}));
  EXPECT_EQ(passages_of(source->id), report->passages);
  EXPECT_TRUE(meta_->list_unfinished_sources()->empty());

  auto again = service_->load(request("rivers", {text}));
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.status().message(),
            "a source named 'rivers' already exists (delete it first with `memgpt delete source rivers`)");
}

TEST_F(SourcesServiceTest, AFailedOrCancelledLoadLeavesNothing) {
  std::string empty = file("empty.txt", "");
  auto failed = service_->load(request("nothing", {empty}));
  EXPECT_EQ(failed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(failed.status().message(), "nothing could be loaded (1 file skipped)");
  std::atomic<bool> cancel{false};
  sources::LoadProgress progress;
  progress.cancel = &cancel;
  progress.on_passages = [&](int64_t) { cancel = true; };
  auto cancelled = service_->load(request("cancelled", {file("a.txt", long_text()), file("b.txt", long_text())}),
                                  progress);
  EXPECT_EQ(cancelled.status().code(), ErrorCode::kCancelled);
  EXPECT_TRUE(meta_->list_sources(kUser)->empty());
  EXPECT_TRUE(meta_->list_unfinished_sources()->empty());
  EXPECT_EQ(all_passages(), 0);
}

// A file of form feeds is skipped as holding no text; it is no document of the load.
TEST_F(SourcesServiceTest, AFileOfOnlyWhiteSpaceIsSkippedNotCountedAsADocument) {
  std::string blank = file("pages.txt", "\f\n\f\n\f\n");
  auto report = service_->load(request("mixed", {file("rivers.txt", "Herons wade in shallow water."), blank}));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->documents, 1);
  EXPECT_EQ(report->passages, 1);
  EXPECT_EQ(report->skipped, std::vector<std::string>{blank + ": holds no text"});
  auto alone = service_->load(request("blank", {blank}));
  EXPECT_EQ(alone.status().message(), "nothing could be loaded (1 file skipped)");
}

// What kill -9 leaves: a record still loading and some of its passages, and no lock held.
TEST_F(SourcesServiceTest, ALoadACrashLeftIsUndoneAndTheNameLoadsAgain) {
  store::SourceRecord crashed;
  crashed.user_id = kUser;
  crashed.name = "rivers";
  crashed.embedding_dim = passages_->dim();
  crashed.state = SourceState::kLoading;
  crashed = *meta_->create_source(crashed);
  ASSERT_TRUE(passages_->ensure_collections().ok());
  std::string text = file("rivers.txt", long_text());
  ASSERT_TRUE(sources::ingest_files(*passages_, crashed, {text}, request("rivers", {})).ok());
  ASSERT_GT(passages_of(crashed.id), 0);

  auto report = service_->load(request("rivers", {text}));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_NE(report->source.id, crashed.id);
  EXPECT_EQ(passages_of(crashed.id), 0);
  EXPECT_EQ(all_passages(), report->passages);
  EXPECT_EQ(meta_->list_sources(kUser)->size(), 1u);
}

TEST_F(SourcesServiceTest, RecoverLeavesALoadThatIsStillRunningAlone) {
  std::mutex mu;
  std::condition_variable cv;
  bool storing = false, may_finish = false;
  sources::LoadProgress progress;
  progress.on_passages = [&](int64_t) {
    std::unique_lock lock(mu);
    storing = true;
    cv.notify_all();
    cv.wait(lock, [&] { return may_finish; });
  };
  std::thread loader([&] {
    auto r = service_->load(request("rivers", {file("rivers.txt", long_text())}), progress);
    EXPECT_TRUE(r.ok()) << r.status().message();
  });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return storing; });
  }
  auto settled = service_->recover();
  ASSERT_TRUE(settled.ok()) << settled.status().message();
  EXPECT_EQ(*settled, 0);
  EXPECT_EQ(meta_->list_unfinished_sources()->size(), 1u);
  auto second = service_->load(request("rivers", {file("other.txt", "Other text.")}));
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  {
    std::lock_guard lock(mu);
    may_finish = true;
  }
  cv.notify_all();
  loader.join();
  EXPECT_EQ(meta_->list_sources(kUser)->size(), 1u);
}

TEST_F(SourcesServiceTest, RemoveDetachesFromEveryAgentAndTakesTheirCopies) {
  auto loaded = service_->load(request("rivers", {file("rivers.txt", long_text())}));
  ASSERT_TRUE(loaded.ok());
  auto other = service_->load(request("other", {file("other.txt", "Unrelated notes about lanterns.")}));
  ASSERT_TRUE(other.ok());
  std::string a = agent("a"), b = agent("b");
  attach(loaded->source, a);
  attach(loaded->source, b);
  attach(other->source, a);
  ASSERT_TRUE(passages_->insert_archival(kUser, a, "The agent's own memory.").ok());
  auto listing = service_->list(kUser);
  ASSERT_TRUE(listing.ok());
  ASSERT_EQ(listing->size(), 2u);
  EXPECT_EQ((*listing)[0].agent_names, (std::vector<std::string>{"a", "b"}));

  auto report = service_->remove(loaded->source);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->detached_agents.size(), 2u);
  EXPECT_EQ(report->passages, loaded->passages);
  EXPECT_EQ(report->archival_copies, 2 * loaded->passages);
  EXPECT_EQ(*passages_->count_archival(b), 0);
  EXPECT_EQ(*passages_->count_archival(a), 1 + other->passages);  // its own and the other source's
  EXPECT_EQ(meta_->list_agent_sources(a)->size(), 1u);
  EXPECT_EQ(passages_of(loaded->source.id), 0);
  EXPECT_EQ(meta_->list_sources(kUser)->size(), 1u);
}

// What a crash during a delete leaves: the source hidden and unlinked, its passages and the
// agents' copies still stored.
TEST_F(SourcesServiceTest, ADeleteACrashInterruptedIsFinished) {
  auto loaded = service_->load(request("rivers", {file("rivers.txt", long_text())}));
  ASSERT_TRUE(loaded.ok());
  std::string a = agent("a");
  attach(loaded->source, a);
  ASSERT_TRUE(meta_->begin_source_delete(loaded->source.id).ok());
  auto settled = service_->recover();
  ASSERT_TRUE(settled.ok()) << settled.status().message();
  EXPECT_EQ(*settled, 1);
  EXPECT_EQ(*passages_->count_archival(a), 0);
  EXPECT_EQ(all_passages(), 0);
  EXPECT_TRUE(meta_->list_unfinished_sources()->empty());
}

TEST_F(SourcesServiceTest, UploadStoresAFileAndGivesItToAttachedAgents) {
  auto loaded = service_->load(request("docs", {file("rivers.txt", long_text())}));
  ASSERT_TRUE(loaded.ok());
  std::string a = agent("a");
  attach(loaded->source, a);
  int64_t before = *passages_->count_archival(a);
  auto up = service_->upload({loaded->source, "boat.txt", "text/plain", "Chad's boat is called the Marlin."});
  ASSERT_TRUE(up.ok()) << up.status().message();
  EXPECT_EQ(up->file.status, "completed");
  EXPECT_EQ(up->passages, 1);
  EXPECT_EQ(up->updated_agents, std::vector<std::string>{a});
  EXPECT_EQ(*passages_->count_archival(a), before + 1);
  auto hits = passages_->search_archival(a, "Marlin", 0, 1);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->hits[0].passage.metadata["file_id"], up->file.id);
  auto source = meta_->get_source(loaded->source.id);
  EXPECT_EQ(source->metadata["files"], 2);
  EXPECT_EQ(source->metadata["passages"], loaded->passages + 1);
  EXPECT_EQ(meta_->list_files(loaded->source.id)->size(), 1u);

  auto dup = service_->upload({loaded->source, "boat.txt", "text/plain", "Again."});
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SourcesServiceTest, ABadUploadStoresNothingAndNamesTheFileByItsName) {
  auto loaded = service_->load(request("docs", {file("rivers.txt", long_text())}));
  ASSERT_TRUE(loaded.ok());
  auto bad = service_->upload({loaded->source, "deep.json", "application/json",
                               std::string(100000, '[') + std::string(100000, ']')});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "deep.json: is not valid JSON: nested deeper than 256 levels");
  EXPECT_TRUE(meta_->list_files(loaded->source.id)->empty());
  EXPECT_TRUE(meta_->list_unfinished_files()->empty());
  EXPECT_EQ(all_passages(), loaded->passages);
  EXPECT_EQ(service_->upload({loaded->source, "../escape.txt", "text/plain", "x"}).status().code(),
            ErrorCode::kInvalidArgument);
}

// What a crash during an upload leaves: a file record still loading and its passages tagged.
TEST_F(SourcesServiceTest, AnUploadACrashInterruptedIsUndone) {
  auto loaded = service_->load(request("docs", {file("rivers.txt", long_text())}));
  ASSERT_TRUE(loaded.ok());
  store::FileRecord f;
  f.user_id = kUser;
  f.source_id = loaded->source.id;
  f.file_name = "half.txt";
  f.status = "loading";
  f = *meta_->add_file(f);
  auto ingested = sources::ingest_file(*passages_, loaded->source, file("half.txt", long_text() + "Half."),
                                       {"half.txt", f.id, 300, 20});
  ASSERT_TRUE(ingested.ok());
  ASSERT_GT(all_passages(), loaded->passages);
  auto settled = service_->recover();
  ASSERT_TRUE(settled.ok()) << settled.status().message();
  EXPECT_EQ(*settled, 1);
  EXPECT_EQ(all_passages(), loaded->passages);
  EXPECT_TRUE(meta_->list_unfinished_files()->empty());
}

TEST(UploadNames, PathsAndControlCharactersAreRefused) {
  EXPECT_TRUE(check_upload_name("report 2024.pdf").ok());
  for (const std::string& bad : std::vector<std::string>{"", "..", ".", "a/b.txt", "..\\x", "x\x01.txt", std::string(256, 'a')}) {
    EXPECT_EQ(check_upload_name(bad).code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace memgpt::runtime
