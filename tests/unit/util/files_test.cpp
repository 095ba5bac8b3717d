#include "util/files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/test_env.h"
#include "util/clock.h"
#include "util/status.h"

namespace memgpt {
namespace {

TEST(Files, AtomicWriteSetsModeAndReplaces) {
  testing::TempDir dir;
  std::string p = dir.file("f");
  ASSERT_TRUE(write_file_atomic(p, "one", 0600).ok());
  ASSERT_TRUE(write_file_atomic(p, "two", 0600).ok());
  auto text = read_file(p);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "two");
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Files, ReadErrorsAreClassified) {
  testing::TempDir dir;
  auto missing = read_file(dir.file("missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  auto folder = read_file(dir.path());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.status().code(), ErrorCode::kInvalidArgument);
}

TEST(Files, EnsureDirCreatesParents) {
  testing::TempDir dir;
  std::string deep = dir.path() + "/a/b/c";
  ASSERT_TRUE(ensure_dir(deep).ok());
  EXPECT_TRUE(path_exists(deep));
  EXPECT_TRUE(ensure_dir(deep).ok());
}

TEST(Files, HomeAndConfigPathsFollowEnvironment) {
  testing::ScopedHome home;
  EXPECT_EQ(memgpt_home(), home.path());
  EXPECT_EQ(config_path(), home.path() + "/config");
  EXPECT_EQ(credentials_path(), home.path() + "/credentials");
  ::setenv("MEMGPT_CONFIG_PATH", "/tmp/elsewhere.ini", 1);
  EXPECT_EQ(config_path(), "/tmp/elsewhere.ini");
  ::unsetenv("MEMGPT_CONFIG_PATH");
}

TEST(Files, ExpandUser) {
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(expand_user("~/.memgpt/milvus.db"), "/home/someone/.memgpt/milvus.db");
  EXPECT_EQ(expand_user("~"), "/home/someone");
  EXPECT_EQ(expand_user("/abs"), "/abs");
  EXPECT_EQ(expand_user("~other/x"), "~other/x");
  EXPECT_EQ(display_path("/home/someone/.memgpt"), "~/.memgpt");
}

TEST(Clock, UuidsAreVersion4AndUnique) {
  std::string a = new_uuid(), b = new_uuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
}

TEST(Clock, Iso8601) { EXPECT_EQ(format_iso8601(1716761702123), "2024-05-26T22:15:02.123Z"); }

TEST(Status, ResultCarriesValueOrError) {
  Result<int> ok = 5;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  Result<int> err = not_found("x missing");
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(err.value_or(7), 7);
  Status s = err.status().with_context("loading");
  EXPECT_EQ(s.message(), "loading: x missing");
}

}  // namespace
}  // namespace memgpt
