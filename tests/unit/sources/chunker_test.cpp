// Chunk boundaries: size in exact cl100k tokens, cuts at paragraph and sentence ends, overlap,
// and never a cut inside a UTF-8 character.
#include "sources/chunker.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "tokenizer/tokenizer.h"

namespace memgpt::sources {
namespace {

size_t tokens(const std::string& s) { return tokenizer::cl100k_base().count(s); }

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

TEST(Chunker, ShortTextIsOneTrimmedChunk) {
  EXPECT_EQ(chunk_text("  \n Otters hold hands. \n\n"), std::vector<std::string>{"Otters hold hands."});
}

TEST(Chunker, BlankTextHasNoChunks) {
  EXPECT_TRUE(chunk_text("").empty());
  EXPECT_TRUE(chunk_text(" \n\n\t \n").empty());
}

TEST(Chunker, ParagraphsAreKeptWholeWhenTheyFit) {
  std::string a = "The first paragraph is about herons standing still in the reeds.";
  std::string b = "The second paragraph is about otters and their habit of holding hands.";
  auto chunks = chunk_text(a + "\n\n" + b, {.chunk_tokens = 20, .overlap_tokens = 0});
  EXPECT_EQ(chunks, (std::vector<std::string>{a, b}));
}

TEST(Chunker, ChunksStayWithinTheSizeAndOverlapTheirNeighbour) {
  std::string text;
  for (int i = 0; i < 200; ++i) {
    text += "Sentence number " + std::to_string(i) + " speaks of lanterns in the harbor. ";
    if (i % 7 == 6) text += "\n\n";
  }
  auto chunks = chunk_text(text, {.chunk_tokens = 60, .overlap_tokens = 10});
  ASSERT_GT(chunks.size(), 5u);
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_LE(tokens(chunks[i]), 60u) << i;
    if (i + 1 < chunks.size()) {
      // The next chunk starts with the end of this one.
      std::string tail = chunks[i].substr(chunks[i].size() - 12);
      EXPECT_NE(chunks[i + 1].find(tail), std::string::npos) << i << ": " << tail;
    }
  }
  // Nothing is lost: every sentence is in some chunk.
  for (int i = 0; i < 200; ++i) {
    std::string needle = "Sentence number " + std::to_string(i) + " ";
    bool found = false;
    for (const auto& c : chunks) found = found || c.find(needle) != std::string::npos;
    EXPECT_TRUE(found) << needle;
  }
}

TEST(Chunker, CutsAtSentenceEndsRatherThanMidSentence) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "Herons wade slowly through the cold shallow water at dawn. ";
  for (const auto& c : chunk_text(text, {.chunk_tokens = 40, .overlap_tokens = 0})) {
    EXPECT_EQ(c.back(), '.') << c;
  }
}

TEST(Chunker, TextWithoutBreaksIsCutByTokensNeverInsideACharacter) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "é🦦ß漢";
  auto chunks = chunk_text(text, {.chunk_tokens = 50, .overlap_tokens = 5});
  ASSERT_GT(chunks.size(), 10u);
  size_t letters = 0;
  for (const auto& c : chunks) {
    EXPECT_TRUE(valid_utf8(c));
    EXPECT_LE(tokens(c), 50u);
    letters += c.size();
  }
  EXPECT_GE(letters, text.size());  // all of it, and the overlaps
}

}  // namespace
}  // namespace memgpt::sources

namespace memgpt::sources {
namespace {

// A model whose tokenizer counts every letter: far more tokens than cl100k.
size_t letters(std::string_view t) {
  size_t n = 0;
  for (char c : t) n += std::isalpha(static_cast<unsigned char>(c)) ? 1 : 0;
  return n;
}

TEST(ChunkTextForModel, ChunksOverTheModelLimitAreSplitUntilEveryPieceFits) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Sentence number " + std::to_string(i) + " talks about memory. ";
  ModelLimit limit{120, letters};
  FitReport fit;
  auto chunks = chunk_text_for_model(text, {100, 10}, limit, &fit);
  auto plain = chunk_text(text, {100, 10});
  EXPECT_GT(fit.split, 0);
  EXPECT_EQ(fit.truncated, 0);
  EXPECT_EQ(fit.max_tokens, 120u);
  EXPECT_GT(chunks.size(), plain.size());
  for (const auto& c : chunks) EXPECT_LE(letters(c), 120u) << c;
  // Nothing is lost: every sentence number is in some chunk.
  for (int i = 0; i < 40; ++i) {
    std::string needle = "number " + std::to_string(i) + " ";
    bool found = false;
    for (const auto& c : chunks) found = found || c.find(needle) != std::string::npos;
    EXPECT_TRUE(found) << needle;
  }
}

TEST(ChunkTextForModel, ChunksThatFitAreUnchangedAndWithoutALimitNothingChanges) {
  std::string text = "A short note. Another one.";
  FitReport fit;
  EXPECT_EQ(chunk_text_for_model(text, {100, 10}, ModelLimit{500, letters}, &fit), chunk_text(text, {100, 10}));
  EXPECT_EQ(fit.split, 0);
  EXPECT_EQ(chunk_text_for_model(text, {100, 10}, ModelLimit{}, &fit), chunk_text(text, {100, 10}));
}

TEST(ChunkTextForModel, AWordLongerThanTheLimitIsReportedAsTruncated) {
  std::string word(400, 'x');  // cl100k cuts it into few tokens; the model counts 400
  FitReport fit;
  auto chunks = chunk_text_for_model(word, {8, 0}, ModelLimit{10, letters}, &fit);
  EXPECT_GT(fit.truncated, 0);
  std::string joined;
  for (const auto& c : chunks) joined += c;
  EXPECT_EQ(joined, word);
}

}  // namespace
}  // namespace memgpt::sources
