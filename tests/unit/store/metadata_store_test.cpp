#include "store/metadata_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "store/builtin_assets.h"
#include "store_backend.h"
#include "support/test_env.h"

namespace memgpt::store {
namespace {

class MetadataStoreTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = meta_.get();
    ASSERT_TRUE(store_->ensure_user(kUser).ok());
  }
  static constexpr const char* kUser = "user-1";
  MetadataStore* store_ = nullptr;
};
INSTANTIATE_TEST_SUITE_P(Backends, MetadataStoreTest, ::testing::Values("sqlite", "postgres"),
                         backend_name);

TEST_P(MetadataStoreTest, SeedsBuiltinProfilesOnce) {
  auto personas = store_->list_profiles(ProfileKind::kPersona, kUser);
  ASSERT_TRUE(personas.ok());
  std::vector<std::string> names;
  for (const auto& p : *personas) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"memgpt_doc", "memgpt_starter", "sam_pov"}));
  auto humans = store_->list_profiles(ProfileKind::kHuman, kUser);
  ASSERT_TRUE(humans.ok());
  ASSERT_EQ(humans->size(), 2u);
  EXPECT_EQ((*humans)[0].name, "basic");
  EXPECT_TRUE((*humans)[0].builtin);
  std::string basic(*builtin_asset("humans/basic.txt"));
  while (!basic.empty() && basic.back() == '\n') basic.pop_back();
  EXPECT_EQ((*humans)[0].text, basic);

  // A deleted built-in stays deleted: seeding happens once per user.
  ASSERT_TRUE(store_->delete_profile(ProfileKind::kPersona, kUser, "sam_pov").ok());
  ASSERT_TRUE(store_->ensure_user(kUser).ok());
  EXPECT_EQ(store_->list_profiles(ProfileKind::kPersona, kUser)->size(), 2u);
  // Presets ship too.
  auto preset = store_->get_preset(kUser, "memgpt_chat");
  ASSERT_TRUE(preset.ok());
  EXPECT_EQ(preset->system_name, "memgpt_chat");
  EXPECT_EQ(preset->functions.size(), 8u);
}

TEST_P(MetadataStoreTest, ProfileCrud) {
  ProfileRecord p;
  p.user_id = kUser;
  p.name = "pirate";
  p.text = "I speak like a pirate.";
  ASSERT_TRUE(store_->add_profile(ProfileKind::kPersona, p).ok());
  auto dup = store_->add_profile(ProfileKind::kPersona, p);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "a persona named 'pirate' already exists");
  // Same name as a human is a different profile.
  EXPECT_TRUE(store_->add_profile(ProfileKind::kHuman, p).ok());
  ASSERT_TRUE(store_->update_profile_text(ProfileKind::kPersona, kUser, "pirate", "Arr.").ok());
  EXPECT_EQ(store_->get_profile(ProfileKind::kPersona, kUser, "pirate")->text, "Arr.");
  ASSERT_TRUE(store_->delete_profile(ProfileKind::kPersona, kUser, "pirate").ok());
  Status again = store_->delete_profile(ProfileKind::kPersona, kUser, "pirate");
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
  EXPECT_EQ(again.message(), "persona 'pirate' not found");
}

TEST_P(MetadataStoreTest, ProfilesAreScopedToTheirUser) {
  ASSERT_TRUE(store_->ensure_user("user-2").ok());
  ProfileRecord p{"", "user-2", "only-mine", "x", false, 0};
  ASSERT_TRUE(store_->add_profile(ProfileKind::kHuman, p).ok());
  EXPECT_FALSE(store_->get_profile(ProfileKind::kHuman, kUser, "only-mine").ok());
  EXPECT_TRUE(store_->get_profile(ProfileKind::kHuman, "user-2", "only-mine").ok());
}

TEST_P(MetadataStoreTest, SourcesAgentsAndLinks) {
  SourceRecord s;
  s.user_id = kUser;
  s.name = "paper";
  s.embedding_model = "memgpt-builtin-384";
  s.embedding_dim = 384;
  s.metadata = {{"files", 1}};
  auto src = store_->create_source(s);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(store_->create_source(s).status().code(), ErrorCode::kAlreadyExists);
  auto by_name = store_->get_source_by_name(kUser, "paper");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->embedding_dim, 384);
  EXPECT_EQ(by_name->metadata["files"], 1);

  AgentRecord a;
  a.user_id = kUser;
  a.name = "PoliteButterfly";
  a.persona = "memgpt_doc";
  a.llm_config.model = "gpt-4o-mini";
  auto agent = store_->create_agent(a);
  ASSERT_TRUE(agent.ok());
  EXPECT_EQ(store_->create_agent(a).status().code(), ErrorCode::kAlreadyExists);

  ASSERT_TRUE(store_->attach_source(agent->id, src->id).ok());
  ASSERT_TRUE(store_->attach_source(agent->id, src->id).ok());  // idempotent
  auto linked = store_->list_agent_sources(agent->id);
  ASSERT_TRUE(linked.ok());
  ASSERT_EQ(linked->size(), 1u);
  EXPECT_EQ((*linked)[0].name, "paper");
  EXPECT_EQ(*store_->list_source_agents(src->id), std::vector<std::string>{agent->id});

  AgentRecord updated = *agent;
  updated.state.message_ids = {"m1", "m2"};
  ASSERT_TRUE(store_->update_agent(updated).ok());
  EXPECT_EQ(store_->get_agent(agent->id)->state.message_ids.size(), 2u);

  ASSERT_TRUE(store_->delete_source(src->id).ok());
  EXPECT_TRUE(store_->list_agent_sources(agent->id)->empty());
  ASSERT_TRUE(store_->delete_agent(agent->id).ok());
  EXPECT_EQ(store_->get_agent(agent->id).status().code(), ErrorCode::kNotFound);
}

TEST_P(MetadataStoreTest, AgentRecordRoundTripsEveryTypedField) {
  AgentRecord a;
  a.user_id = kUser;
  a.name = "Typed";
  a.llm_config = {"llama3.1", "ollama", "http://127.0.0.1:11434", "chatml", 32768};
  a.embedding_config = {"openai", "http://127.0.0.1:8000/v1", "text-embedding-3-small", 1536, 512};
  a.description = "a test agent";
  a.tags = {"one", "two"};
  a.metadata = {{"nested", {{"list", {1, 2, 3}}}}};
  a.state.system_prompt = "You are MemGPT.";
  a.state.memory = {{"persona", "I am Sam.", 100}, {"human", "Name: Ann", 200}};
  a.state.functions = {"send_message"};
  a.state.message_ids = {"m1", "m2"};
  a.state.memory_edited_at = 42;
  a.state.alerted_memory_pressure = true;
  a.state.first_message_verified = true;
  a.state.inner_thoughts_in_args = false;
  auto created = store_->create_agent(a);
  ASSERT_TRUE(created.ok()) << created.status().message();
  auto back = store_->get_agent(created->id);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->llm_config, a.llm_config);
  EXPECT_EQ(back->embedding_config, a.embedding_config);
  EXPECT_EQ(back->description, a.description);
  EXPECT_EQ(back->tags, a.tags);
  EXPECT_EQ(back->metadata, a.metadata);
  EXPECT_EQ(back->state, a.state);
  // Clearing the description stores NULL, not an empty text.
  back->description.reset();
  ASSERT_TRUE(store_->update_agent(*back).ok());
  EXPECT_EQ(store_->get_agent(created->id)->description, std::nullopt);
}

// A saved state that cannot be read is never taken for an empty one (which the next save would
// write over it): the record says why, the store refuses to overwrite it, and the agent can
// still be listed and deleted.
TEST_P(MetadataStoreTest, AnUnreadableSavedStateIsKeptAndNamedNotEmptied) {
  AgentRecord a;
  a.user_id = kUser;
  a.name = "Broken";
  auto created = store_->create_agent(a);
  ASSERT_TRUE(created.ok());
  for (const char* state : {"{not json", R"({"memory": "persona"})", R"({"memory": [{"value": "no label"}]})"}) {
    std::vector<SqlValue> p{std::string(state), created->id};
    ASSERT_TRUE(store_->db().exec("UPDATE agents SET state = ? WHERE id = ?", p).ok());
    auto got = store_->get_agent(created->id);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_FALSE(got->state_problem.empty()) << state;
    EXPECT_EQ(store_->list_agents(kUser)->size(), 1u);
    Status overwrite = store_->update_agent(*got);
    EXPECT_EQ(overwrite.code(), ErrorCode::kCorrupt) << state;
    EXPECT_NE(overwrite.message().find("agent 'Broken' has an unreadable saved state"), std::string::npos)
        << overwrite.message();
    auto rows = store_->db().query("SELECT state FROM agents WHERE id = ?", std::vector<SqlValue>{created->id});
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ((*rows)[0].text(0), state);  // as it was
  }
  EXPECT_TRUE(store_->delete_agent(created->id).ok());
}

TEST_P(MetadataStoreTest, UsersApiKeysAndUploadedFiles) {
  auto bob = store_->create_user("bob");
  ASSERT_TRUE(bob.ok()) << bob.status().message();
  EXPECT_EQ(bob->name, "bob");
  EXPECT_EQ(bob->id.rfind("user-", 0), 0u);
  auto users = store_->list_users();
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 2u);
  // A new user gets the built-in profiles like the local one.
  EXPECT_TRUE(store_->get_profile(ProfileKind::kPersona, bob->id, "sam_pov").ok());
  ASSERT_TRUE(store_->add_api_key("hash-1", bob->id, "laptop").ok());
  EXPECT_EQ(*store_->user_for_api_key("hash-1"), bob->id);
  EXPECT_EQ(store_->user_for_api_key("hash-2").status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(store_->add_api_key("hash-1", kUser, "dup").ok());  // a key hash maps to one user

  SourceRecord s;
  s.user_id = kUser;
  s.name = "uploads";
  s.embedding_dim = 384;
  auto src = store_->create_source(s);
  ASSERT_TRUE(src.ok());
  FileRecord f;
  f.user_id = kUser;
  f.source_id = src->id;
  f.file_name = "notes.md";
  f.file_type = "text/markdown";
  f.file_size = 120;
  f.passages = 3;
  auto added = store_->add_file(f);
  ASSERT_TRUE(added.ok()) << added.status().message();
  EXPECT_EQ(added->id.rfind("file-", 0), 0u);
  auto files = store_->list_files(src->id);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].file_name, "notes.md");
  EXPECT_EQ((*files)[0].passages, 3);
  EXPECT_EQ(store_->get_file(added->id)->file_size, 120);
  // Deleting the source deletes its file records.
  ASSERT_TRUE(store_->delete_source(src->id).ok());
  EXPECT_EQ(store_->get_file(added->id).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->delete_file(added->id).code(), ErrorCode::kNotFound);
}

class MetadataStoreMigration : public ::testing::TestWithParam<std::string> {
 protected:
  StoreBackend backend_{GetParam()};
};
INSTANTIATE_TEST_SUITE_P(Backends, MetadataStoreMigration, ::testing::Values("sqlite", "postgres"),
                         backend_name);

TEST_P(MetadataStoreMigration, OlderDatabaseMigratesForward) {
  auto db = backend_.open("old");
  if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
  ASSERT_TRUE(MetadataStore::migrate_to(*db, 1).ok());
  std::vector<SqlValue> p{std::string("u"), int64_t{1}};
  ASSERT_TRUE(db->exec("INSERT INTO users (id, name, created_at) VALUES (?, 'old', ?)", p).ok());
  // Version 1 has no presets table yet.
  EXPECT_FALSE(db->query("SELECT * FROM presets").ok());
  auto store = MetadataStore::open(db);
  ASSERT_TRUE(store.ok()) << store.status().message();
  EXPECT_EQ(*(*store)->schema_version(), current_schema_version());
  EXPECT_EQ((*store)->get_user("u")->name, "old");  // data survived
  EXPECT_TRUE((*store)->list_presets("u").ok());
}

// Version 5 kept Letta's description, tags and metadata inside the agent's saved state (where
// the next step lost them); version 6 moves what is still there into columns of their own.
TEST_P(MetadataStoreMigration, DescriptiveFieldsMoveFromTheSavedStateToColumns) {
  auto db = backend_.open("v5");
  if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
  ASSERT_TRUE(MetadataStore::migrate_to(*db, 5).ok());
  Json described = {{"system", "You are MemGPT."},
                    {"memory", {{{"label", "human"}, {"value", "Name: Ann"}, {"limit", 2000}}}},
                    {"message_ids", {"m1"}},
                    {"description", "keeps notes"},
                    {"tags", {"notes", "ada"}},
                    {"metadata", {{"team", "research"}}}};
  Json plain = {{"system", "You are MemGPT."}, {"memory", Json::array()}, {"tags", "not a list"}};
  for (const auto& [id, state] : {std::pair{"a1", described}, std::pair{"a2", plain}}) {
    std::vector<SqlValue> p{std::string(id), std::string(id == std::string("a1") ? "ada" : "bob"), state.dump()};
    ASSERT_TRUE(db->exec("INSERT INTO agents (id, user_id, name, llm_config, state, created_at, last_updated) "
                         "VALUES (?, 'u', ?, '{\"model\": \"gpt-4\"}', ?, 1, 1)",
                         p)
                    .ok());
  }
  auto store = MetadataStore::open(db);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto ada = (*store)->get_agent("a1");
  ASSERT_TRUE(ada.ok()) << ada.status().message();
  EXPECT_EQ(ada->description, "keeps notes");
  EXPECT_EQ(ada->tags, (std::vector<std::string>{"notes", "ada"}));
  EXPECT_EQ(ada->metadata, Json({{"team", "research"}}));
  // The rest of the record reads as before.
  EXPECT_EQ(ada->llm_config.model, "gpt-4");
  EXPECT_EQ(ada->llm_config.model_endpoint_type, "openai");
  EXPECT_EQ(ada->llm_config.context_window, kDefaultContextWindow);
  EXPECT_EQ(ada->state.message_ids, std::vector<std::string>{"m1"});
  ASSERT_EQ(ada->state.memory.size(), 1u);
  EXPECT_EQ(ada->state.memory[0].value, "Name: Ann");
  auto bob = (*store)->get_agent("a2");
  ASSERT_TRUE(bob.ok()) << bob.status().message();
  EXPECT_EQ(bob->description, std::nullopt);
  EXPECT_TRUE(bob->tags.empty());  // what was not a list of tags is not one now
  EXPECT_EQ(bob->metadata, Json::object());
}

TEST_P(MetadataStoreMigration, NewerDatabaseIsRefused) {
  auto db = backend_.open("new");
  if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
  {
    auto s = MetadataStore::open(db);
    ASSERT_TRUE(s.ok());
    std::vector<SqlValue> p{std::to_string(current_schema_version() + 5)};
    ASSERT_TRUE((*s)->db().exec("UPDATE memgpt_meta SET value = ? WHERE key = 'schema_version'", p).ok());
  }
  auto s = MetadataStore::open(db);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("newer memgpt"), std::string::npos);
}

TEST(MetadataStoreFiles, NotADatabaseIsAClearError) {
  testing::TempDir dir;
  testing::write_text(dir.file("junk.db"), std::string(4096, 'x'));
  auto s = MetadataStore::open_sqlite_file(dir.file("junk.db"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(s.status().message().find("junk.db"), std::string::npos);
}

// Two processes writing the same database at once: every write lands, nothing is corrupted.
TEST(MetadataStoreConcurrency, TwoProcessesWriteTheSameFile) {
  testing::TempDir dir;
  std::string path = dir.file("shared.db");
  ASSERT_TRUE(MetadataStore::open_sqlite_file(path).ok());
  constexpr int kPerProcess = 150;
  std::vector<pid_t> children;
  for (int proc = 0; proc < 2; ++proc) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = MetadataStore::open_sqlite_file(path);
      if (!s.ok()) _exit(10);
      std::string user = "user-" + std::to_string(proc);
      if (auto u = (*s)->ensure_user(user); !u.ok()) {
        fprintf(stderr, "child: %s\n", u.status().message().c_str());
        _exit(11);
      }
      for (int i = 0; i < kPerProcess; ++i) {
        ProfileRecord p{"", user, "p" + std::to_string(i), "text", false, 0};
        if (!(*s)->add_profile(ProfileKind::kPersona, p).ok()) _exit(12);
        AgentRecord a;
        a.user_id = user;
        a.name = "agent" + std::to_string(i);
        if (!(*s)->create_agent(a).ok()) _exit(13);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto s = MetadataStore::open_sqlite_file(path);
  ASSERT_TRUE(s.ok());
  for (int proc = 0; proc < 2; ++proc) {
    std::string user = "user-" + std::to_string(proc);
    EXPECT_EQ((*s)->list_agents(user)->size(), static_cast<size_t>(kPerProcess));
    // 3 built-in personas + the added ones
    EXPECT_EQ((*s)->list_profiles(ProfileKind::kPersona, user)->size(),
              static_cast<size_t>(kPerProcess + 3));
  }
  auto check = (*s)->db().query("PRAGMA integrity_check");
  ASSERT_TRUE(check.ok());
  EXPECT_EQ((*check)[0].text(0), "ok");
}

TEST_P(MetadataStoreMigration, TransactionRollsBackOnError) {
  auto db = backend_.open("tx");
  if (!db) MEMGPT_SKIP_OR_FAIL(backend_.why_unavailable());
  ASSERT_TRUE(db->exec_script("CREATE TABLE t (x INTEGER PRIMARY KEY, s TEXT)").ok());
  Status s = db->transaction([&]() -> Status {
    std::vector<SqlValue> p{int64_t{1}};
    MEMGPT_RETURN_IF_ERROR(db->exec("INSERT INTO t (x) VALUES (?)", p).status());
    return invalid_argument("stop");
  });
  EXPECT_EQ(s.message(), "stop");
  EXPECT_TRUE(db->query("SELECT x FROM t")->empty());
  s = db->transaction([&]() -> Status {
    std::vector<SqlValue> p{int64_t{2}, std::string("it's a '?' mark")};
    return db->exec("INSERT INTO t (x, s) VALUES (?, ?)", p).status();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  auto rows = db->query("SELECT x, s FROM t WHERE s LIKE '%?%'");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].integer(0), 2);
  EXPECT_EQ((*rows)[0].text(1), "it's a '?' mark");
  std::vector<SqlValue> dup{int64_t{2}};
  EXPECT_EQ(db->exec("INSERT INTO t (x) VALUES (?)", dup).status().code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace memgpt::store
