// The in-process sentence-embedding model as a user meets it: a new home picks it, a small
// source is loaded and searched with it, long chunks are split to fit it, and the flags select
// either local embedder.
#include <gtest/gtest.h>

#include <string>

#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class LocalEmbeddingTest : public ::testing::Test {
 protected:
  testing::ProcessResult run(const std::vector<std::string>& args) {
    return testing::run_memgpt(home_.path(), args, {.env = {{"MEMGPT_EMBED_THREADS", "1"}}, .timeout_ms = 300000});
  }
  Json config() { return Json::parse(run({"configure", "--show", "--json"}).out); }
  testing::TempDir home_, data_;
};

TEST_F(LocalEmbeddingTest, NewHomePicksTheModelAndSearchFindsMeaningNotJustWords) {
  auto c = run({"configure", "--model", "gpt-4o-mini"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("embeddings: all-minilm-l6-v2 (sentence-embedding model, in process)"), std::string::npos)
      << c.out;
  EXPECT_EQ(config()["embedding"]["embedding_model"], "all-minilm-l6-v2");

  testing::write_text(data_.file("pets.txt"), "Cats and dogs are the most common household animals people keep.");
  testing::write_text(data_.file("finance.txt"), "The central bank raised interest rates to curb inflation.");
  testing::write_text(data_.file("space.txt"), "The probe photographed the rings of Saturn during its flyby.");
  testing::write_text(data_.file("cooking.txt"), "Knead the dough, let it rise for an hour, then bake the bread.");
  auto load = run({"load", "directory", "--name", "notes", "--input-dir", data_.path()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded 4 passages and 4 documents from notes\n");

  // No word in common with the passage it should find.
  struct Case {
    const char* query;
    const char* file;
  };
  for (Case q : {Case{"which pets do families usually own?", "pets.txt"},
                 Case{"monetary policy tightening", "finance.txt"},
                 Case{"a spacecraft visiting a gas giant", "space.txt"},
                 Case{"how to make a loaf", "cooking.txt"}}) {
    auto s = run({"search", "--source", "notes", "--mode", "vector", "--json", "--top-k", "1", q.query});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    auto hits = Json::parse(s.out);
    ASSERT_EQ(hits.size(), 1u) << s.out;
    EXPECT_EQ(hits[0]["doc_id"], q.file) << q.query;
  }
}

TEST_F(LocalEmbeddingTest, ChunksLongerThanTheModelReadsAreSplitAndTheUserIsTold) {
  ASSERT_EQ(run({"configure", "--embedding-provider", "local", "--embedding-model", "all-minilm-l6-v2",
                 "--embedding-chunk-size", "600"}).exit_code, 0);
  // One paragraph of about 600 tokens without a sentence end: one chunk of 600 cl100k tokens,
  // far over the model's 254 word pieces.
  std::string text;
  for (int i = 0; i < 60; ++i) text += "archival memory keeps passages of text for later recall and ";
  testing::write_text(data_.file("long.txt"), text);
  auto load = run({"load", "directory", "--name", "long", "--input-dir", data_.path()});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_NE(load.out.find("Split 1 chunk longer than the embedding model all-minilm-l6-v2 reads (254 word pieces) "
                          "into smaller passages"),
            std::string::npos)
      << load.out;
  auto list = run({"search", "--source", "long", "--json", "--top-k", "10", "archival memory"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_GE(Json::parse(list.out).size(), 3u);
}

TEST_F(LocalEmbeddingTest, FlagsSelectEitherLocalEmbedder) {
  ASSERT_EQ(run({"configure", "--embedding-provider", "local", "--embedding-model", "memgpt-builtin-384"}).exit_code, 0);
  EXPECT_EQ(config()["embedding"]["embedding_model"], "memgpt-builtin-384");
  ASSERT_EQ(run({"configure", "--embedding-provider", "local"}).exit_code, 0);
  EXPECT_EQ(config()["embedding"]["embedding_model"], "all-minilm-l6-v2");
  EXPECT_EQ(config()["embedding"]["embedding_dim"], 384);
}

}  // namespace
}  // namespace memgpt
