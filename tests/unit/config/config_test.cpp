#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/test_env.h"
#include "util/files.h"

namespace memgpt {
namespace {

TEST(Config, DefaultsAreEmbeddedAndOffline) {
  testing::ScopedHome home;
  auto c = MemgptConfig::load();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->exists);
  EXPECT_EQ(c->archival_storage.type, "milvus");
  EXPECT_EQ(c->archival_uri(), home.path() + "/milvus.db");
  EXPECT_EQ(c->recall_storage.type, "sqlite");
  EXPECT_EQ(c->sqlite_path(), home.path() + "/sqlite.db");
  EXPECT_EQ(c->embedding_endpoint_type, "local");
  EXPECT_EQ(c->embedding_model, kBuiltinEmbeddingModel);
  EXPECT_EQ(c->embedding_dim, 384);
  EXPECT_EQ(c->embedding_chunk_size, 300);
}

TEST(Config, SaveWritesMemgptSectionsAndKeepsUnknownKeys) {
  testing::ScopedHome home;
  testing::write_text(config_path(),
                      "# my notes\n[model]\nmodel = gpt-4\nfavourite_colour = blue\n"
                      "[plugins]\nenabled = yes\n");
  auto c = MemgptConfig::load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->model, "gpt-4");
  ASSERT_TRUE(c->set("model", "context_window", "16384").ok());
  ASSERT_TRUE(c->save().ok());
  std::string text = testing::read_text(config_path());
  EXPECT_NE(text.find("# my notes"), std::string::npos);
  EXPECT_NE(text.find("favourite_colour = blue"), std::string::npos);
  EXPECT_NE(text.find("[plugins]\nenabled = yes"), std::string::npos);
  for (const char* section : {"[defaults]", "[model]", "[embedding]", "[archival_storage]",
                              "[recall_storage]", "[metadata_storage]", "[client]", "[version]"}) {
    EXPECT_NE(text.find(section), std::string::npos) << section;
  }
  auto back = MemgptConfig::load();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->context_window, 16384);
  EXPECT_FALSE(back->anon_clientid.empty());
  EXPECT_EQ(back->anon_clientid, c->anon_clientid);
}

TEST(Config, InvalidValuesAreRejectedWithTheKeyNamed) {
  testing::ScopedHome home;
  auto c = MemgptConfig::load();
  ASSERT_TRUE(c.ok());
  Status s = c->set("model", "context_window", "lots");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("context_window"), std::string::npos);
  s = c->set("archival_storage", "type", "chroma");
  EXPECT_NE(s.message().find("milvus"), std::string::npos);
  s = c->set("model", "no_such_key", "1");
  EXPECT_NE(s.message().find("unknown setting model.no_such_key"), std::string::npos);
}

TEST(Config, ArchivalIndexTypeIsWrittenOnlyOnceChosenAndIsHnswOrHnswSq) {
  testing::ScopedHome home;
  auto c = MemgptConfig::load();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->archival_storage.index_type, "") << "unset: the collections' default, HNSW";
  ASSERT_TRUE(c->save().ok());
  EXPECT_EQ(testing::read_text(config_path()).find("index_type"), std::string::npos);
  Status s = c->set("archival_storage", "index_type", "hnsw_pq");
  EXPECT_EQ(s.message(), "archival_storage.index_type must be one of: HNSW, HNSW_SQ (got 'hnsw_pq')");
  ASSERT_TRUE(c->set("archival_storage", "index_type", "HNSW_SQ").ok());
  ASSERT_TRUE(c->save().ok());
  auto back = MemgptConfig::load();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->archival_storage.index_type, "HNSW_SQ");
  EXPECT_NE(testing::read_text(config_path()).find("[archival_storage]"), std::string::npos);
}

TEST(Config, CorruptFileNamesFileAndLine) {
  testing::ScopedHome home;
  testing::write_text(config_path(), "[model]\nmodel = gpt-4\nthis line is wrong\n");
  auto c = MemgptConfig::load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(config_path() + ":3:"), std::string::npos)
      << c.status().message();
  testing::write_text(config_path(), "[model]\ncontext_window = -5\n");
  c = MemgptConfig::load();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("context_window"), std::string::npos);
}

TEST(Config, SqlitePathAcceptsFolderOrFile) {
  testing::ScopedHome home;
  auto c = MemgptConfig::load();
  ASSERT_TRUE(c.ok());
  c->recall_storage.path = "/data/memgpt";
  EXPECT_EQ(c->sqlite_path(), "/data/memgpt/sqlite.db");
  c->recall_storage.path = "/data/mine.db";
  EXPECT_EQ(c->sqlite_path(), "/data/mine.db");
}

TEST(Credentials, FileIsPrivateAndEnvironmentOverrides) {
  testing::ScopedHome home;
  auto creds = Credentials::load();
  ASSERT_TRUE(creds.ok());
  creds->set("openai", "key", "sk-from-file-123456");
  ASSERT_TRUE(creds->save().ok());
  struct stat st{};
  ASSERT_EQ(::stat(credentials_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto back = Credentials::load();
  ASSERT_TRUE(back.ok());
  ::unsetenv("OPENAI_API_KEY");
  EXPECT_EQ(back->openai_key(), "sk-from-file-123456");
  ::setenv("OPENAI_API_KEY", "sk-from-env-abcdef", 1);
  EXPECT_EQ(back->openai_key(), "sk-from-env-abcdef");
  ::unsetenv("OPENAI_API_KEY");
  ::setenv("ANTHROPIC_API_KEY", "ant-key", 1);
  EXPECT_EQ(back->anthropic_key(), "ant-key");
  ::unsetenv("ANTHROPIC_API_KEY");
}

TEST(Credentials, MaskingHidesTheMiddle) {
  EXPECT_EQ(mask_secret("sk-proj-abcdefghijklmnop"), "sk-p****mnop");
  EXPECT_EQ(mask_secret("short"), "*****");
  EXPECT_EQ(mask_secret(""), "");
}

}  // namespace
}  // namespace memgpt
