#include "util/ini.h"

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace memgpt {
namespace {

TEST(IniFile, ParsesSectionsKeysAndComments) {
  auto ini = IniFile::parse("# top comment\n[model]\nmodel = gpt-4\nContext_Window: 8192\n\n"
                            "; another comment\n[embedding]\nembedding_dim=384\n",
                            "cfg");
  ASSERT_TRUE(ini.ok()) << ini.status().message();
  EXPECT_EQ(ini->get("model", "model"), "gpt-4");
  EXPECT_EQ(ini->get("model", "context_window"), "8192");  // keys are case-insensitive
  EXPECT_EQ(ini->get("embedding", "embedding_dim"), "384");
  EXPECT_FALSE(ini->get("model", "missing").has_value());
  EXPECT_EQ(ini->sections(), (std::vector<std::string>{"model", "embedding"}));
}

TEST(IniFile, RoundTripKeepsCommentsUnknownKeysAndOrder) {
  std::string text =
      "# written by hand\n[model]\nmodel = gpt-4\nmy_own_key = keep me\n\n[unknown]\nx = 1\n";
  auto ini = IniFile::parse(text, "cfg");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->to_string(), text);
  ini->set("model", "model", "gpt-4o");
  ini->set("model", "context_window", "128000");
  ini->set("embedding", "embedding_dim", "384");
  std::string out = ini->to_string();
  EXPECT_EQ(out,
            "# written by hand\n[model]\nmodel = gpt-4o\nmy_own_key = keep me\n"
            "context_window = 128000\n\n[unknown]\nx = 1\n\n[embedding]\nembedding_dim = 384\n");
}

TEST(IniFile, MalformedLinesNameFileAndLine) {
  auto bad_header = IniFile::parse("[model\nmodel = x\n", "/home/u/.memgpt/config");
  ASSERT_FALSE(bad_header.ok());
  EXPECT_EQ(bad_header.status().message(),
            "/home/u/.memgpt/config:1: malformed section header '[model'");
  auto no_equals = IniFile::parse("[model]\nmodel gpt-4\n", "cfg");
  ASSERT_FALSE(no_equals.ok());
  EXPECT_NE(no_equals.status().message().find("cfg:2:"), std::string::npos);
  auto before_section = IniFile::parse("model = x\n", "cfg");
  ASSERT_FALSE(before_section.ok());
  EXPECT_NE(before_section.status().message().find("before any [section]"), std::string::npos);
}

TEST(IniFile, EmptyValuesAndCrlf) {
  auto ini = IniFile::parse("[a]\r\nkey =\r\nother = v = w\r\n", "cfg");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ(ini->get("a", "key"), "");
  EXPECT_EQ(ini->get("a", "other"), "v = w");
}

TEST(IniFile, SaveAndLoadFromDisk) {
  testing::TempDir dir;
  IniFile ini;
  ini.set("openai", "key", "sk-secret");
  ASSERT_TRUE(ini.save(dir.file("credentials"), 0600).ok());
  auto back = IniFile::load(dir.file("credentials"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->get("openai", "key"), "sk-secret");
  auto missing = IniFile::load(dir.file("nope"));
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->sections().empty());
}

TEST(IniFile, EraseRemovesKey) {
  auto ini = IniFile::parse("[a]\nx = 1\ny = 2\n", "cfg");
  ASSERT_TRUE(ini.ok());
  EXPECT_TRUE(ini->erase("a", "x"));
  EXPECT_FALSE(ini->erase("a", "x"));
  EXPECT_EQ(ini->to_string(), "[a]\ny = 2\n");
}

// Found by fuzz/ini: "[ ]" parsed as a section with an empty name, which to_string wrote back
// as "[]", a header that does not parse: saving such a config made it unreadable.
TEST(IniFile, EmptySectionNameIsAnError) {
  auto ini = IniFile::parse("[model]\nmodel = x\n[ ]\nkey = 1\n", "cfg");
  ASSERT_FALSE(ini.ok());
  EXPECT_EQ(ini.status().message(), "cfg:3: empty section name '[ ]'");
}

}  // namespace
}  // namespace memgpt
