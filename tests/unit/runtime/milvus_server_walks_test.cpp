// Whole-set walks of archival memory against a Milvus server: the Milvus double (our REST
// server on loopback, which refuses a query whose offset + limit passes 16384, as Milvus does)
// holds more passages than one query window. Small vectors (8 dimensions, from an embedder that
// is never called) keep 17,000 passages to seconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <utility>

#include "runtime/agent_file_service.h"
#include "runtime/reembed_service.h"
#include "runtime/sources_service.h"
#include "scripted_embeddings.h"
#include "support/milvus_double.h"
#include "support/runtime_home.h"
#include "support/test_env.h"
#include "vector/milvus_errors.h"

namespace memgpt::runtime {
namespace {

constexpr int kDim = 8;
constexpr int64_t kPassages = vector::kMaxTopK + 700;  // past the query window

class MilvusServerWalksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MemgptConfig config = *load_config_or_default();
    config.model_endpoint_type = "openai";
    config.model_endpoint = "http://127.0.0.1:9/v1";  // never called: no step runs here
    config.embedding_endpoint_type = "openai";         // never called: the passages come with vectors
    config.embedding_endpoint = "http://127.0.0.1:9/v1";
    config.embedding_model = "text-embedding-3-small";
    config.embedding_dim = kDim;
    opened_.open(config, home_.path(), milvus_.url());
    agents_ = std::make_unique<AgentService>(*opened_.ctx, *opened_.archival, AgentServiceOptions{});
  }

  store::AgentRecord agent(const std::string& name) {
    NewAgent n;
    n.user_id = opened_.ctx->user_id;
    n.name = name;
    n.llm_config = {.model = "gpt-4o-mini", .model_endpoint_type = "openai",
                    .model_endpoint = "http://127.0.0.1:9/v1", .context_window = 8192};
    auto rec = agents_->create(n);
    EXPECT_TRUE(rec.ok()) << rec.status().message();
    return *rec;
  }

  // Stores `count` archival passages ("<agent name> note <i>") with their vectors.
  void remember(const store::AgentRecord& a, int64_t count) {
    sources::PassageStore archival = agents_->archival_of(a);
    ASSERT_TRUE(archival.ensure_collections().ok());
    std::vector<sources::Passage> batch;
    for (int64_t i = 0; i < count; ++i) {
      sources::Passage p;
      p.id = sources::passage_id({a.id, std::to_string(i)});
      p.text = a.name + " note " + std::to_string(i);
      p.user_id = a.user_id;
      p.agent_id = a.id;
      p.created_at = 1'700'000'000'000 + i;
      p.embedding.assign(kDim, 0.0f);
      p.embedding[static_cast<size_t>(i % kDim)] = 1.0f;
      batch.push_back(std::move(p));
      if (batch.size() == 2000 || i + 1 == count) {
        Status s = archival.upsert_rows(true, batch);
        ASSERT_TRUE(s.ok()) << s.message();
        batch.clear();
      }
    }
  }

  testing::ScopedHome home_;
  testing::TempDir milvus_dir_;
  // The engine builds no graph: these tests never search.
  testing::MilvusDouble milvus_{milvus_dir_.path(), "", vector::EmbeddedOptions{.defer_indexing = true}};
  testing::RuntimeHome opened_;
  std::unique_ptr<AgentService> agents_;
};

TEST_F(MilvusServerWalksTest, AttachingASourceOfMoreThanOneQueryWindowCopiesEveryPassage) {
  store::SourceRecord source;
  source.user_id = opened_.ctx->user_id;
  source.name = "big";
  source.embedding_endpoint_type = "openai";
  source.embedding_model = "text-embedding-3-small";
  source.embedding_dim = kDim;
  auto created = opened_.ctx->store->create_source(source);
  ASSERT_TRUE(created.ok()) << created.status().message();
  source = *created;
  sources::PassageStore passages = opened_.archival->passages->in(sources::space_of(source));
  ASSERT_TRUE(passages.ensure_collections().ok());
  std::vector<std::string> source_ids;
  std::vector<sources::Passage> batch;
  for (int64_t i = 0; i < kPassages; ++i) {
    sources::Passage p;
    p.id = sources::passage_id({source.id, std::to_string(i)});
    p.text = "passage " + std::to_string(i);
    p.user_id = source.user_id;
    p.source_id = source.id;
    p.data_source = source.name;
    p.embedding.assign(kDim, 0.0f);
    p.embedding[static_cast<size_t>(i % kDim)] = 1.0f;
    source_ids.push_back(p.id);
    batch.push_back(std::move(p));
    if (batch.size() == 2000 || i + 1 == kPassages) {
      Status s = passages.upsert_source_passages(batch);
      ASSERT_TRUE(s.ok()) << s.message();
      batch.clear();
    }
  }
  store::AgentRecord a = agent("reader");

  std::pair<int64_t, int64_t> last_progress;
  auto copied = agents_->attach_source(a.id, source, [&](int64_t done, int64_t total) { last_progress = {done, total}; });
  ASSERT_TRUE(copied.ok()) << copied.status().message();
  EXPECT_EQ(*copied, kPassages);
  EXPECT_EQ(last_progress, std::make_pair(kPassages, kPassages));
  sources::PassageStore archival = agents_->archival_of(a);
  EXPECT_EQ(*archival.count_archival(a.id), kPassages);
  // Each source passage has its copy (ids derive from agent and passage).
  for (size_t from = 0; from < source_ids.size(); from += 1000) {
    std::vector<std::string> ids;
    for (size_t i = from; i < std::min(source_ids.size(), from + 1000); ++i) {
      ids.push_back(sources::passage_id({a.id, source_ids[i]}));
    }
    auto copies = archival.get_archival(a.id, ids);
    ASSERT_TRUE(copies.ok()) << copies.status().message();
    ASSERT_EQ(copies->size(), ids.size()) << "copies missing among passages " << from << "..";
  }
}

TEST_F(MilvusServerWalksTest, AnExportedAgentFileHoldsEveryPassageOfAnAgentWithMoreThanOneQueryWindow) {
  store::AgentRecord big = agent("big"), other = agent("other");
  remember(big, kPassages);
  remember(other, 300);
  AgentFileService files(*opened_.ctx, *opened_.archival, *agents_);
  auto text = files.export_agent(big.id);
  ASSERT_TRUE(text.ok()) << text.status().message();

  Json doc = *parse_json(*text);
  const Json& passages = doc[kAgentFileExtensionKey]["agents"][0]["archival"]["passages"];
  ASSERT_EQ(static_cast<int64_t>(passages.size()), kPassages);
  std::set<std::string> texts;
  std::string previous;
  for (const auto& p : passages) {
    texts.insert(p["text"].get<std::string>());
    std::string created = p["created_at"].get<std::string>();  // ISO 8601, UTC: sorts as time does
    EXPECT_GE(created, previous) << "passages are oldest first";
    previous = created;
  }
  EXPECT_EQ(static_cast<int64_t>(texts.size()), kPassages) << "a passage is in the file twice";
  EXPECT_TRUE(texts.count("big note 0") && texts.count("big note " + std::to_string(kPassages - 1)));
  EXPECT_FALSE(texts.count("other note 0")) << "another agent's passage was exported";
}

TEST_F(MilvusServerWalksTest, ReembeddingAnAgentOfMoreThanOneQueryWindowMovesEveryPassage) {
  store::AgentRecord big = agent("big");
  remember(big, kPassages);
  testing::ScriptedEmbeddings server(12);
  embed::EmbedderConfig c;
  c.endpoint_type = "vllm";
  c.endpoint = server.base_url();
  c.model = "scripted-embed";
  c.dim = server.dim();
  c.batch_size = 1000;
  auto target = embed::make_embedder(c);
  ASSERT_TRUE(target.ok()) << target.status().message();
  SourcesService sources(*opened_.ctx, *opened_.archival);
  ReembedService reembed(*opened_.ctx, *opened_.archival, *agents_, sources);
  ReembedOptions options;
  options.batch_size = 1000;
  auto report = reembed.reembed_agent(big, **target, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->passages, kPassages);
  store::AgentRecord moved = *opened_.ctx->store->get_agent(big.id);
  EXPECT_EQ(moved.embedding_config.embedding_dim, 12);
  sources::PassageStore archival = agents_->archival_of(moved);
  EXPECT_EQ(archival.space().dim, 12);
  EXPECT_EQ(*archival.count_archival(big.id), kPassages);
}

}  // namespace
}  // namespace memgpt::runtime
