// Which files a load reads: extensions, sub-folders, and links that lead nowhere or in circles.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "sources/ingest.h"
#include "support/test_env.h"
#include "unprivileged.h"

namespace memgpt::sources {
namespace {

class CollectFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("sub/deeper"));
    for (const char* f : {"a.txt", "b.md", "c.py", "sub/d.txt", "sub/deeper/e.pdf", "UPPER.TXT"}) {
      testing::write_text(dir_.file(f), "x");
    }
  }
  std::vector<std::string> names(const FileList& list) {
    std::vector<std::string> out;
    for (const auto& f : list.files) out.push_back(f.substr(dir_.path().size() + 1));
    return out;
  }
  testing::TempDir dir_;
};

TEST_F(CollectFilesTest, DefaultExtensionsInTheFolderOnlyUnlessRecursive) {
  auto flat = collect_files({.input_dir = dir_.path()});
  ASSERT_TRUE(flat.ok()) << flat.status().message();
  EXPECT_EQ(names(*flat), (std::vector<std::string>{"UPPER.TXT", "a.txt", "b.md"}));
  auto deep = collect_files({.input_dir = dir_.path(), .recursive = true});
  ASSERT_TRUE(deep.ok());
  EXPECT_EQ(names(*deep), (std::vector<std::string>{"UPPER.TXT", "a.txt", "b.md", "sub/d.txt", "sub/deeper/e.pdf"}));
  auto code = collect_files({.input_dir = dir_.path(), .extensions = {"py", ".MD"}});
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(names(*code), (std::vector<std::string>{"b.md", "c.py"}));
}

TEST_F(CollectFilesTest, LinksAreListedSoTheReaderCanNameTheirProblemButFolderLinksAreNotFollowed) {
  ASSERT_EQ(::symlink(dir_.file("loop.txt").c_str(), dir_.file("loop.txt").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.file("gone.txt").c_str(), dir_.file("dangling.txt").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.file("a.txt").c_str(), dir_.file("alias.txt").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.path().c_str(), dir_.file("sub/back.txt").c_str()), 0);  // a folder link
  ASSERT_EQ(::symlink(dir_.path().c_str(), dir_.file("sub/up").c_str()), 0);
  ASSERT_EQ(::mkfifo(dir_.file("pipe.txt").c_str(), 0600), 0);
  auto list = collect_files({.input_dir = dir_.path(), .recursive = true});
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(names(*list), (std::vector<std::string>{"UPPER.TXT", "a.txt", "alias.txt", "b.md", "dangling.txt",
                                                    "loop.txt", "sub/d.txt", "sub/deeper/e.pdf"}));
  EXPECT_TRUE(list->problems.empty());
}

TEST_F(CollectFilesTest, NamedFilesMustExistAsSomethingEvenABrokenLink) {
  ASSERT_EQ(::symlink(dir_.file("loop.txt").c_str(), dir_.file("loop.txt").c_str()), 0);
  auto ok = collect_files({.input_files = {dir_.file("loop.txt"), dir_.file("c.py")}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->files.size(), 2u);
  auto missing = collect_files({.input_files = {dir_.file("nope.txt")}});
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), dir_.file("nope.txt") + ": no such file");
}

// As an ordinary user (under root, in a child that dropped to nobody: root reads any folder).
TEST_F(CollectFilesTest, UnreadableSubFolderIsAProblemNotAFailure) {
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);  // nobody may list the top folder
  ASSERT_EQ(::chmod(dir_.file("sub").c_str(), 0), 0);
  Json seen = testing::as_unprivileged_user([&] {
    auto list = collect_files({.input_dir = dir_.path(), .recursive = true});
    if (!list.ok()) return Json{{"failed", list.status().message()}};
    return Json{{"files", names(*list)}, {"problems", list->problems}};
  });
  ::chmod(dir_.file("sub").c_str(), 0755);
  ASSERT_FALSE(seen.contains("error")) << seen.dump();
  ASSERT_FALSE(seen.contains("failed")) << seen.dump();
  EXPECT_EQ(seen["files"], Json({"UPPER.TXT", "a.txt", "b.md"}));
  ASSERT_EQ(seen["problems"].size(), 1u);
  EXPECT_NE(seen["problems"][0].get<std::string>().find("sub: folder not readable"), std::string::npos);
}

TEST_F(CollectFilesTest, UsageErrors) {
  EXPECT_EQ(collect_files({}).status().message(), "name the files to load with --input-dir or --input-files");
  EXPECT_EQ(collect_files({.input_dir = dir_.file("nodir")}).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(collect_files({.input_dir = dir_.path(), .extensions = {".exe"}}).status().message(),
            "extension '.exe' is not supported");
  EXPECT_EQ(collect_files({.input_dir = dir_.file("sub/deeper"), .extensions = {".md"}}).status().message(),
            "no files with extensions .md in " + dir_.file("sub/deeper"));
}

}  // namespace
}  // namespace memgpt::sources
