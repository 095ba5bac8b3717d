// Sources in the metadata store: visibility by state (a source is seen only when loaded),
// the delete that detaches from every agent in one transaction, files still uploading, and
// the migration that adds the state to sources already stored.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/metadata_store.h"
#include "store_backend.h"

namespace memgpt::store {
namespace {

class SourceRecordsTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(meta_->ensure_user(kUser).ok());
  }
  SourceRecord make_source(const std::string& name, SourceState state) {
    SourceRecord s;
    s.user_id = kUser;
    s.name = name;
    s.embedding_dim = 4;
    s.state = state;
    auto r = meta_->create_source(s);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : s;
  }
  std::string make_agent(const std::string& name) {
    AgentRecord a;
    a.user_id = kUser;
    a.name = name;
    auto r = meta_->create_agent(a);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->id : "";
  }
  static constexpr const char* kUser = "user-1";
};
INSTANTIATE_TEST_SUITE_P(Backends, SourceRecordsTest, ::testing::Values("sqlite", "postgres"), backend_name);

TEST_P(SourceRecordsTest, ASourceBeingLoadedIsInvisibleUntilReady) {
  SourceRecord loading = make_source("docs", SourceState::kLoading);
  EXPECT_EQ(meta_->get_source(loading.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(meta_->get_source_by_name(kUser, "docs").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(meta_->list_sources(kUser)->empty());
  std::string agent = make_agent("a");
  EXPECT_EQ(meta_->attach_source(agent, loading.id).code(), ErrorCode::kFailedPrecondition);
  // The name stays taken, and a load can find what a crash left.
  SourceRecord again = loading;
  again.id.clear();
  again.state = SourceState::kReady;
  EXPECT_EQ(meta_->create_source(again).status().code(), ErrorCode::kAlreadyExists);
  auto found = meta_->get_source_by_name_in_any_state(kUser, "docs");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->state, SourceState::kLoading);
  auto unfinished = meta_->list_unfinished_sources();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_EQ(unfinished->size(), 1u);
  EXPECT_EQ((*unfinished)[0].id, loading.id);

  loading.state = SourceState::kReady;
  loading.metadata = {{"passages", 3}};
  ASSERT_TRUE(meta_->update_source(loading).ok());
  auto ready = meta_->get_source_by_name(kUser, "docs");
  ASSERT_TRUE(ready.ok());
  EXPECT_EQ(ready->metadata["passages"], 3);
  EXPECT_TRUE(meta_->attach_source(agent, loading.id).ok());
  EXPECT_EQ(meta_->list_agent_sources(agent)->size(), 1u);
  EXPECT_TRUE(meta_->list_unfinished_sources()->empty());
}

TEST_P(SourceRecordsTest, BeginningADeleteHidesTheSourceAndDetachesEveryAgentAtOnce) {
  SourceRecord s = make_source("docs", SourceState::kReady);
  std::string a = make_agent("a"), b = make_agent("b");
  ASSERT_TRUE(meta_->attach_source(a, s.id).ok());
  ASSERT_TRUE(meta_->attach_source(b, s.id).ok());
  auto detached = meta_->begin_source_delete(s.id);
  ASSERT_TRUE(detached.ok()) << detached.status().message();
  std::vector<std::string> expected{a, b};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*detached, expected);
  EXPECT_TRUE(meta_->list_agent_sources(a)->empty());
  EXPECT_TRUE(meta_->list_source_agents(s.id)->empty());
  EXPECT_EQ(meta_->get_source(s.id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(meta_->list_unfinished_sources()->at(0).state, SourceState::kDeleting);
  EXPECT_EQ(meta_->begin_source_delete("nope").status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(meta_->delete_source(s.id).ok());
  EXPECT_TRUE(meta_->list_unfinished_sources()->empty());
}

TEST_P(SourceRecordsTest, FilesStillUploadingAreNotListed) {
  SourceRecord s = make_source("docs", SourceState::kReady);
  FileRecord f;
  f.user_id = kUser;
  f.source_id = s.id;
  f.file_name = "a.txt";
  f.status = "loading";
  auto added = meta_->add_file(f);
  ASSERT_TRUE(added.ok());
  EXPECT_TRUE(meta_->list_files(s.id)->empty());
  ASSERT_EQ(meta_->list_unfinished_files()->size(), 1u);
  added->status = "completed";
  added->passages = 7;
  ASSERT_TRUE(meta_->update_file(*added).ok());
  auto files = meta_->list_files(s.id);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].passages, 7);
  EXPECT_TRUE(meta_->list_unfinished_files()->empty());
}

class SourceStateMigration : public ::testing::TestWithParam<std::string> {
 protected:
  StoreBackend backend_{GetParam()};
};
INSTANTIATE_TEST_SUITE_P(Backends, SourceStateMigration, ::testing::Values("sqlite", "postgres"), backend_name);

TEST_P(SourceStateMigration, SourcesStoredBeforeStatesExistedAreReady) {
  auto db = backend_.open("v4");
  if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
  ASSERT_TRUE(MetadataStore::migrate_to(*db, 4).ok());
  std::vector<SqlValue> p{std::string("s1"), std::string("u"), std::string("old"), int64_t{1}};
  ASSERT_TRUE(db->exec("INSERT INTO sources (id, user_id, name, created_at) VALUES (?, ?, ?, ?)", p).ok());
  auto store = MetadataStore::open(db);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto s = (*store)->get_source_by_name("u", "old");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->state, SourceState::kReady);
}

}  // namespace
}  // namespace memgpt::store

namespace memgpt::store {
namespace {

// Where a re-embedded source's and agent's vectors live is part of their records, and a
// re-embed under way is recorded (one per owner) until it is finished.
TEST_P(SourceRecordsTest, EmbeddingSpacesAndReembedsUnderWayAreStored) {
  SourceRecord s = make_source("docs", SourceState::kReady);
  EXPECT_EQ(s.embedding_space, "");
  s.embedding_model = "all-minilm-l6-v2";
  s.embedding_space = "all_minilm_l6_v2";
  ASSERT_TRUE(meta_->update_source(s).ok());
  EXPECT_EQ(meta_->get_source(s.id)->embedding_space, "all_minilm_l6_v2");

  AgentRecord a = *meta_->get_agent(make_agent("ada"));
  a.embedding_config.embedding_space = "scripted_embed";
  ASSERT_TRUE(meta_->update_agent(a).ok());
  EXPECT_EQ(meta_->get_agent(a.id)->embedding_config.embedding_space, "scripted_embed");

  EXPECT_EQ(meta_->get_reembed(s.id).status().code(), ErrorCode::kNotFound);
  ReembedRecord r;
  r.owner_id = s.id;
  r.kind = "source";
  r.from.embedding_model = "memgpt-builtin-384";
  r.from.embedding_dim = 384;
  r.to.embedding_model = "all-minilm-l6-v2";
  r.to.embedding_dim = 384;
  r.to.embedding_space = "all_minilm_l6_v2";
  ASSERT_TRUE(meta_->put_reembed(r).ok());
  r.phase = ReembedPhase::kCleanup;
  ASSERT_TRUE(meta_->put_reembed(r).ok());  // replaces
  auto got = meta_->get_reembed(s.id);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->phase, ReembedPhase::kCleanup);
  EXPECT_EQ(got->from.embedding_model, "memgpt-builtin-384");
  EXPECT_EQ(got->to.embedding_space, "all_minilm_l6_v2");
  EXPECT_EQ(meta_->list_reembeds()->size(), 1u);
  ASSERT_TRUE(meta_->delete_reembed(s.id).ok());
  EXPECT_TRUE(meta_->list_reembeds()->empty());
}

}  // namespace
}  // namespace memgpt::store
