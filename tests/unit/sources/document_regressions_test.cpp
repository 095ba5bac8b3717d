// Inputs found by the fuzz targets in fuzz/document.cpp, kept as specifications of the loaders.
#include <gtest/gtest.h>

#include <fstream>

#include "sources/document.h"
#include "support/test_env.h"

namespace memgpt::sources {
namespace {

// Found by fuzz/document_txt: a run of UTF-8 continuation bytes longer than a piece made the
// splitter cut nothing and loop forever (`memgpt load` and the server's upload hung on a
// 1 MiB run of 0xAB in a .txt file).
TEST(ReadDocuments, TextWithALongRunOfContinuationBytesIsRefusedAsNotUtf8) {
  testing::TempDir dir;
  std::string path = dir.file("bad.txt");
  {
    std::ofstream out(path, std::ios::binary);
    out << "First paragraph.\n\n" << std::string(300, '\xab') << "\nmore text\n";
  }
  int emitted = 0;
  Status s = read_documents(
      path,
      [&](Document) {
        ++emitted;
        return Status();
      },
      ReadOptions{.piece_bytes = 64});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not valid UTF-8 text"), std::string::npos) << s.message();
}

// Found by fuzz/document_txt: an encoded UTF-16 surrogate (CESU-8, "\xed\xb7\xa5") passed as
// UTF-8 and reached the passages, where a strict JSON encoder throws on it.
TEST(ReadDocuments, SurrogatesAndOverlongFormsAreNotUtf8) {
  testing::TempDir dir;
  for (std::string bad : {std::string("g\xed\xb7\xa5"), std::string("g\xe0\x80\xaf"), std::string("g\xf4\x90\x80\x80")}) {
    std::string path = dir.file("bad.txt");
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << bad;
    }
    Status s = read_documents(path, [](Document) { return Status(); });
    ASSERT_FALSE(s.ok()) << "accepted " << bad;
    EXPECT_NE(s.message().find("not valid UTF-8 text (byte 1)"), std::string::npos) << s.message();
  }
}

// The same splitter keeps a multi-byte character whole when a piece ends inside it.
TEST(ReadDocuments, PiecesNeverSplitACharacter) {
  testing::TempDir dir;
  std::string path = dir.file("emoji.txt");
  std::string text;
  for (int i = 0; i < 40; ++i) text += "\xf0\x9f\x98\x80";  // U+1F600, 4 bytes each
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  std::string joined;
  Status s = read_documents(
      path,
      [&](Document d) {
        EXPECT_EQ(d.text.size() % 4, 0u) << "a piece ends inside a character";
        joined += d.text;
        return Status();
      },
      ReadOptions{.piece_bytes = 64});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace memgpt::sources
