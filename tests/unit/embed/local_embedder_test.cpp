// The in-process sentence-embedding model (all-MiniLM-L6-v2 on llama.cpp) against the reference:
// token ids from HF `tokenizers` and vectors from an independent float64 forward pass, both in
// tests/unit/embed/data/minilm_reference.json (scripts/embed/make_reference_fixture.py).
#include <gtest/gtest.h>

#include <cmath>

#include "embed/embedder.h"
#include "embed/wordpiece.h"
#include "support/test_env.h"
#include "util/files.h"
#include "util/json.h"

namespace memgpt::embed {
namespace {

#ifdef MEMGPT_LOCAL_LLM

struct ReferenceCase {
  std::string text;
  std::vector<int32_t> ids;
  size_t pieces = 0;
  std::vector<float> vector;
};

std::vector<ReferenceCase> reference_cases() {
  auto text = read_file(std::string(MEMGPT_SOURCE_DIR) + "/tests/unit/embed/data/minilm_reference.json");
  EXPECT_TRUE(text.ok()) << text.status().message();
  auto doc = parse_json(*text);
  EXPECT_TRUE(doc.ok()) << doc.status().message();
  std::vector<ReferenceCase> out;
  for (const auto& c : (*doc)["cases"]) {
    out.push_back({c["text"].get<std::string>(), c["ids"].get<std::vector<int32_t>>(), c["pieces"].get<size_t>(),
                   c["vector"].get<std::vector<float>>()});
  }
  EXPECT_GE(out.size(), 20u);
  return out;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    ab += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

EmbedderConfig local_model() {
  EmbedderConfig c;
  c.endpoint_type = "local";
  c.model = kLocalEmbeddingModel;
  return c;
}

TEST(WordPieceTokenizer, GivesTheReferenceTokenIdsForEveryInput) {
  auto tok = load_local_model_tokenizer(kLocalEmbeddingModel);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  EXPECT_EQ(tok->vocab_size(), 30522u);
  for (const auto& c : reference_cases()) {
    bool truncated = false;
    EXPECT_EQ(tok->encode(c.text, 256, &truncated), c.ids) << c.text;
    EXPECT_EQ(tok->count_pieces(c.text), c.pieces) << c.text;
    EXPECT_EQ(truncated, c.pieces + 2 > 256) << c.text;
  }
}

TEST(WordPieceTokenizer, CutsAtTheLimitAndKeepsSep) {
  auto tok = load_local_model_tokenizer(kLocalEmbeddingModel);
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  auto ids = tok->encode("one two three four five", 4);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(tok->token(ids.front()), "[CLS]");
  EXPECT_EQ(tok->token(ids[1]), "one");
  EXPECT_EQ(tok->token(ids[2]), "two");
  EXPECT_EQ(tok->token(ids.back()), "[SEP]");
}

TEST(LocalModelEmbedder, MatchesTheReferenceVectorsInOneBatch) {
  auto e = make_embedder(local_model());
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ((*e)->dim(), 384);
  EXPECT_EQ((*e)->model(), "all-minilm-l6-v2");
  EXPECT_EQ((*e)->endpoint_type(), "local");
  EXPECT_EQ((*e)->max_input_tokens(), 254u);
  auto cases = reference_cases();
  std::vector<std::string> texts;
  for (const auto& c : cases) texts.push_back(c.text);
  auto v = (*e)->embed(texts);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_EQ((*v)[i].size(), 384u);
    EXPECT_GE(cosine((*v)[i], cases[i].vector), 0.999) << cases[i].text;
    EXPECT_NEAR(cosine((*v)[i], (*v)[i]), 1.0, 1e-6);
  }
}

TEST(LocalModelEmbedder, OneAtATimeGivesTheSameVectorsAsABatch) {
  auto e = make_embedder(local_model());
  ASSERT_TRUE(e.ok()) << e.status().message();
  std::vector<std::string> texts = {"The mitochondria is the powerhouse of the cell.",
                                    "what is the capital of france?", "東京は日本の首都です。"};
  auto batch = (*e)->embed(texts);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  for (size_t i = 0; i < texts.size(); ++i) {
    auto one = (*e)->embed(std::span<const std::string>(&texts[i], 1));
    ASSERT_TRUE(one.ok()) << one.status().message();
    EXPECT_GE(cosine((*one)[0], (*batch)[i]), 0.99999) << texts[i];
    auto again = (*e)->embed(std::span<const std::string>(&texts[i], 1));  // from the query cache
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)[0], (*one)[0]);
  }
}

TEST(LocalModelEmbedder, RanksAParaphraseAboveAnUnrelatedSentence) {
  auto e = make_embedder(local_model());
  ASSERT_TRUE(e.ok()) << e.status().message();
  std::vector<std::string> texts = {"How do I reset my password?", "I forgot my login credentials and cannot sign in.",
                                    "The recipe needs two cups of flour."};
  auto v = (*e)->embed(texts);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_GT(cosine((*v)[0], (*v)[1]), cosine((*v)[0], (*v)[2]) + 0.2);
}

TEST(LocalModelEmbedder, BuiltinNameStillGivesTheBuiltinEmbedder) {
  EmbedderConfig c = local_model();
  c.model = kBuiltinEmbedderModel;
  auto e = make_embedder(c);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ((*e)->model(), "memgpt-builtin-384");
}

TEST(LocalModelEmbedder, MissingModelNamesTheFix) {
  testing::TempDir empty;
  EmbedderConfig c = local_model();
  c.model = empty.file("missing.gguf");
  auto e = make_embedder(c);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(e.status().message().find("all-minilm-l6-v2"), std::string::npos) << e.status().message();
  EXPECT_EQ(e.status().message().find('\n'), std::string::npos);

  c.model = "no-such-model";
  auto unknown = make_embedder(c);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("memgpt-builtin-384"), std::string::npos) << unknown.status().message();
}

TEST(LocalModelEmbedder, DamagedFileIsAOneLineError) {
  testing::TempDir dir;
  auto model = read_file(*resolve_local_embedding_model(kLocalEmbeddingModel));
  ASSERT_TRUE(model.ok());
  // A truncated copy: the header is intact, the tensors are not.
  std::string cut = dir.file("cut.gguf");
  ASSERT_TRUE(write_file_atomic(cut, std::string_view(*model).substr(0, model->size() / 3)).ok());
  EmbedderConfig c = local_model();
  c.model = cut;
  auto e = make_embedder(c);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("cannot load"), std::string::npos) << e.status().message();
  EXPECT_EQ(e.status().message().find('\n'), std::string::npos) << e.status().message();

  std::string text = dir.file("text.gguf");
  ASSERT_TRUE(write_file_atomic(text, "not a model").ok());
  c.model = text;
  auto not_gguf = make_embedder(c);
  ASSERT_FALSE(not_gguf.ok());
  EXPECT_NE(not_gguf.status().message().find("not a GGUF"), std::string::npos) << not_gguf.status().message();
}

#endif  // MEMGPT_LOCAL_LLM

}  // namespace
}  // namespace memgpt::embed
