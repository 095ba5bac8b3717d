// Re-embedding on real parts: SQLite metadata, the embedded vector engine in a file, the
// built-in embedder, and an OpenAI-compatible embeddings server on loopback (the embedder a
// source is re-embedded with). An interruption is a cancel between batches; kill -9 is covered
// by the whole-binary test (tests/e2e/e2e_reembed_test.cpp).
#include "runtime/reembed_service.h"

#include <gtest/gtest.h>

#include "runtime/embedder_records.h"
#include "scripted_embeddings.h"
#include "support/runtime_home.h"
#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

class ReembedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MemgptConfig config = *load_config_or_default();
    config.model_endpoint_type = "openai";
    config.model_endpoint = "http://127.0.0.1:9/v1";  // never called: no step runs here
    config.embedding_endpoint_type = "local";          // the built-in embedder, named
    config.embedding_model = kBuiltinEmbeddingModel;
    config.embedding_dim = kBuiltinEmbeddingDim;
    opened_.open(config, home_.path());
    agents_ = std::make_unique<AgentService>(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
    sources_ = std::make_unique<SourcesService>(*opened_.ctx, *opened_.archival);
    service_ = std::make_unique<ReembedService>(*opened_.ctx, *opened_.archival, *agents_, *sources_);
  }
  std::unique_ptr<embed::Embedder> scripted(testing::ScriptedEmbeddings& server) {
    embed::EmbedderConfig c;
    c.endpoint_type = "vllm";
    c.endpoint = server.base_url();
    c.model = "scripted-embed";
    c.dim = server.dim();
    auto e = embed::make_embedder(c);
    EXPECT_TRUE(e.ok()) << e.status().message();
    return std::move(*e);
  }
  store::SourceRecord load(const std::string& name) {
    std::string text;
    for (int i = 0; i < 30; ++i) {
      text += "Paragraph " + std::to_string(i) + " tells of rivers, herons and the long winter of the valley. ";
      text += "It goes on for a while so that the chunker has to cut it into more than one passage.\n\n";
    }
    text += "The lighthouse keeper Marguerite paints the lamp blue every spring.\n";
    testing::write_text(docs_.file(name + ".txt"), text);
    sources::LoadRequest r;
    r.user_id = user();
    r.name = name;
    r.input_files = {docs_.file(name + ".txt")};
    r.chunk_tokens = 60;  // several passages: several batches
    auto report = sources_->load(r);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report->source;
  }
  store::AgentRecord agent(const std::string& name) {
    NewAgent n;
    n.user_id = user();
    n.name = name;
    n.llm_config = {.model = "gpt-4o-mini", .model_endpoint_type = "openai",
                    .model_endpoint = "http://127.0.0.1:9/v1", .context_window = 8192};
    auto rec = agents_->create(n);
    EXPECT_TRUE(rec.ok()) << rec.status().message();
    return *rec;
  }
  const std::string& user() { return opened_.ctx->user_id; }
  store::MetadataStore& meta() { return *opened_.ctx->store; }
  sources::PassageStore& passages() { return *opened_.archival->passages; }
  // A re-embed stopped (as by Ctrl-C) once `passages` are stored, in batches of 2: the
  // space its new vectors were going to.
  sources::VectorSpace interrupt_after(const store::SourceRecord& source, embed::Embedder& target, int64_t passages) {
    std::atomic<bool> stop{false};
    ReembedOptions options;
    options.batch_size = 2;
    options.cancel = &stop;
    options.on_progress = [&](int64_t done, int64_t) { stop = done >= passages; };
    auto r = service_->reembed_source(source, target, options);
    EXPECT_EQ(r.status().code(), ErrorCode::kCancelled);
    auto pending = meta().get_reembed(source.id);
    EXPECT_TRUE(pending.ok());
    return pending.ok() ? sources::space_of(pending->to, target.dim()) : sources::VectorSpace{};
  }
  int64_t rows_in(const sources::VectorSpace& space, const std::string& source_id) {
    auto n = passages().in(space).count_source_passages(source_id);
    return n.ok() ? *n : 0;  // a collection never made holds nothing
  }

  testing::ScopedHome home_;
  testing::TempDir docs_;
  testing::RuntimeHome opened_;
  std::unique_ptr<AgentService> agents_;
  std::unique_ptr<SourcesService> sources_;
  std::unique_ptr<ReembedService> service_;
};

TEST_F(ReembedServiceTest, ASourceReembeddedToAnotherDimensionKeepsEveryPassageAndRecordsTheEmbedder) {
  testing::ScriptedEmbeddings server(64);
  auto target = scripted(server);
  store::SourceRecord source = load("valley");
  int64_t before = rows_in(sources::space_of(source), source.id);
  ASSERT_GT(before, 4);
  int64_t last_done = -1, last_total = -1;
  ReembedOptions options;
  options.batch_size = 4;
  options.on_progress = [&](int64_t done, int64_t total) { last_done = done, last_total = total; };
  auto report = service_->reembed_source(source, *target, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->passages, before);
  EXPECT_EQ(report->from.embedding_model, kBuiltinEmbeddingModel);
  EXPECT_EQ(last_done, before);
  EXPECT_EQ(last_total, before);

  store::SourceRecord now = *meta().get_source(source.id);
  EXPECT_EQ(now.embedding_model, "scripted-embed");
  EXPECT_EQ(now.embedding_dim, 64);
  EXPECT_EQ(now.embedding_endpoint_type, "vllm");
  EXPECT_EQ(rows_in(sources::space_of(now), source.id), before);
  EXPECT_EQ(rows_in(sources::space_of(source), source.id), 0) << "the old vectors were not removed";
  EXPECT_FALSE(meta().get_reembed(source.id).ok()) << "the re-embed is still recorded as under way";
  // The new vectors answer a search made with the new embedder.
  sources::PassageStore searched(opened_.archival->store.get(), target.get());
  auto hits = searched.in(sources::space_of(now)).search_source(source.id, "lighthouse keeper Marguerite", 0, 1,
                                                                 sources::SearchMode::kVector);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_NE(hits->hits[0].passage.text.find("Marguerite"), std::string::npos);
  // Once more with the same embedder: nothing to do.
  auto again = service_->reembed_source(now, *target, options);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_TRUE(again->unchanged);
  EXPECT_EQ(again->passages, before);
}

TEST_F(ReembedServiceTest, AnInterruptedReembedLeavesTheOldVectorsInUseAndARerunResumes) {
  testing::ScriptedEmbeddings server(384);  // the built-in's dimension: the new vectors go beside the old
  auto target = scripted(server);
  store::SourceRecord source = load("valley");
  int64_t before = rows_in(sources::space_of(source), source.id);
  sources::VectorSpace staged = interrupt_after(source, *target, 4);
  EXPECT_EQ(rows_in(staged, source.id), 4);

  // The record still names the built-in embedder and every old vector is where it was.
  store::SourceRecord kept = *meta().get_source(source.id);
  EXPECT_EQ(kept.embedding_model, kBuiltinEmbeddingModel);
  EXPECT_EQ(kept.embedding_space, "");
  EXPECT_EQ(rows_in(sources::space_of(kept), source.id), before);
  auto hits = passages().in(sources::space_of(kept)).search_source(source.id, "lighthouse keeper", 0, 1,
                                                                    sources::SearchMode::kHybrid);
  ASSERT_TRUE(hits.ok()) << hits.status().message();
  ASSERT_EQ(hits->hits.size(), 1u);
  EXPECT_NE(hits->hits[0].passage.text.find("Marguerite"), std::string::npos);
  ASSERT_TRUE(meta().get_reembed(source.id).ok());

  int requests_before = server.requests();
  ReembedOptions options;
  options.batch_size = 2;
  auto resumed = service_->reembed_source(kept, *target, options);
  ASSERT_TRUE(resumed.ok()) << resumed.status().message();
  EXPECT_EQ(resumed->passages, before);
  EXPECT_EQ(resumed->resumed, 4) << "the passages stored before the interruption were embedded again";
  EXPECT_EQ(server.requests() - requests_before, static_cast<int>((before - 4 + 1) / 2));
  store::SourceRecord now = *meta().get_source(source.id);
  EXPECT_EQ(now.embedding_model, "scripted-embed");
  EXPECT_EQ(rows_in(sources::space_of(now), source.id), before);
  EXPECT_EQ(rows_in(sources::space_of(kept), source.id), 0);
}

TEST_F(ReembedServiceTest, AnInterruptedReembedToAnotherEmbedderIsUndoneByTheNextOne) {
  testing::ScriptedEmbeddings server(48);
  auto abandoned = scripted(server);
  store::SourceRecord source = load("valley");
  sources::VectorSpace staged = interrupt_after(source, *abandoned, 2);
  EXPECT_EQ(rows_in(staged, source.id), 2);

  testing::ScriptedEmbeddings other(32);
  auto target = scripted(other);
  auto done = service_->reembed_source(source, *target);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_EQ(done->resumed, 0);
  EXPECT_EQ(rows_in(staged, source.id), 0) << "the abandoned re-embed's vectors were left behind";
  EXPECT_EQ(meta().get_source(source.id)->embedding_dim, 32);
}

TEST_F(ReembedServiceTest, AttachRefusesASourceOfAnotherModelOfTheSameDimensionUntilReembedded) {
  testing::ScriptedEmbeddings server(384);
  auto target = scripted(server);
  store::SourceRecord source = load("valley");
  store::AgentRecord a = agent("ada");
  ASSERT_TRUE(service_->reembed_source(source, *target).ok());
  source = *meta().get_source(source.id);

  auto refused = agents_->attach_source(a.id, source);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kFailedPrecondition);
  const std::string& why = refused.status().message();
  EXPECT_NE(why.find("scripted-embed (384 dims)"), std::string::npos) << why;
  EXPECT_NE(why.find("memgpt-builtin-384 (384 dims)"), std::string::npos) << why;
  EXPECT_NE(why.find("memgpt reembed"), std::string::npos) << why;
  EXPECT_EQ(why.find('\n'), std::string::npos);

  // The agent's archival memory re-embedded with the source's embedder: the attach works.
  ASSERT_TRUE(agents_->archival_of(a).insert_archival(user(), a.id, "Ada keeps bees.").ok());
  auto moved = service_->reembed_agent(a, *target);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->passages, 1);
  a = *meta().get_agent(a.id);
  EXPECT_EQ(a.embedding_config.embedding_model, "scripted-embed");
  auto copied = agents_->attach_source(a.id, source);
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(*agents_->archival_of(a).count_archival(a.id), *copied + 1);
  // The agent's own passage kept its id and text.
  auto listed = agents_->archival_of(a).list_archival(a.id, 100);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [](const auto& p) { return p.text == "Ada keeps bees."; }));
  // Its steps would embed with the configured (built-in) embedder: opening it for one says how to fix it.
  auto open = agents_->open(a.id, true);
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("memgpt reembed agent ada"), std::string::npos) << open.status().message();
}

// Regression: the dimension alone was compared, so a source of another model with the same
// dimension was attached (and its vectors searched with the wrong model).
TEST_F(ReembedServiceTest, AttachComparesTheModelNotOnlyTheDimension) {
  store::SourceRecord source = load("valley");
  store::AgentRecord a = agent("ada");
  a.embedding_config.embedding_model = "all-minilm-l6-v2";
  a.embedding_config.embedding_dim = 384;
  ASSERT_TRUE(meta().update_agent(a).ok());
  auto refused = agents_->attach_source(a.id, source);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("all-minilm-l6-v2"), std::string::npos) << refused.status().message();
  EXPECT_TRUE(meta().list_agent_sources(a.id)->empty());
}

// An agent from an older home recorded no embedder: it is taken to have the configured one.
TEST_F(ReembedServiceTest, AnAgentWithoutARecordedEmbedderTakesTheConfiguredOne) {
  store::SourceRecord source = load("valley");
  store::AgentRecord a = agent("old");
  a.embedding_config.embedding_model.clear();
  a.embedding_config.embedding_dim = 0;
  ASSERT_TRUE(meta().update_agent(a).ok());
  auto copied = agents_->attach_source(a.id, source);
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_GT(*copied, 0);
}

// Regression: an upload to a source embedded by another model of the same dimension was
// embedded with the configured model and mixed into the source.
TEST_F(ReembedServiceTest, UploadRefusesASourceOfAnotherModel) {
  store::SourceRecord source = load("valley");
  source.embedding_model = "all-minilm-l6-v2";
  ASSERT_TRUE(meta().update_source(source).ok());
  UploadRequest up;
  up.source = source;
  up.file_name = "more.txt";
  up.content_type = "text/plain";
  up.content = "More about herons.";
  auto r = sources_->upload(up);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("all-minilm-l6-v2 (384 dims)"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("memgpt reembed source valley"), std::string::npos) << r.status().message();
  EXPECT_TRUE(meta().list_files(source.id)->empty());
}

TEST_F(ReembedServiceTest, DeletingASourceRemovesTheVectorsOfAnInterruptedReembed) {
  testing::ScriptedEmbeddings server(384);
  auto target = scripted(server);
  store::SourceRecord source = load("valley");
  sources::VectorSpace staged = interrupt_after(source, *target, 2);
  ASSERT_EQ(rows_in(staged, source.id), 2);
  ASSERT_TRUE(sources_->remove(source).ok());
  EXPECT_EQ(rows_in(staged, source.id), 0);
  EXPECT_FALSE(meta().get_reembed(source.id).ok());
}

}  // namespace
}  // namespace memgpt::runtime
