// Whole-binary tests of the foundation commands: configure, version, folder, add/list/delete.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

using testing::ProcessResult;
using testing::run_memgpt;

class CliBasics : public ::testing::Test {
 protected:
  ProcessResult run(const std::vector<std::string>& args, testing::RunOptions opts = {}) {
    return run_memgpt(home_.path(), args, std::move(opts));
  }
  testing::TempDir home_;
};

TEST_F(CliBasics, VersionPrintsTheVersion) {
  auto r = run({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "0.1.0\n");
  EXPECT_EQ(run({"--version"}).out, "0.1.0\n");
}

TEST_F(CliBasics, VersionJsonNamesTheSimdLevelThatMemgptSimdPicks) {
  auto r = run({"version", "--json"}, {.env = {{"MEMGPT_SIMD", "sse"}}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json j = parse_json_or_discarded(r.out);
  EXPECT_EQ(j.value("version", ""), "0.1.0");
  EXPECT_EQ(j.value("vector_simd", ""), "sse");
  EXPECT_EQ(r.err, "");
  // An unknown level: the widest this CPU has, and a one-line note.
  r = run({"version", "--json"}, {.env = {{"MEMGPT_SIMD", "avx9000"}}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string level = parse_json_or_discarded(r.out).value("vector_simd", "");
  EXPECT_NE(level, "");
  EXPECT_EQ(r.err, "memgpt: MEMGPT_SIMD=avx9000: not one of sse, avx2, avx512; using " + level + "\n");
}

TEST_F(CliBasics, ListPersonasOnAFreshHomeShowsBuiltins) {
  auto r = run({"list", "personas"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Name"), std::string::npos);
  for (const char* name : {"sam_pov", "memgpt_doc", "memgpt_starter"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  // The first use wrote a config with a user id.
  std::string config = testing::read_text(home_.file("config"));
  EXPECT_NE(config.find("anon_clientid = "), std::string::npos);
  auto humans = run({"list", "humans", "--json"});
  ASSERT_EQ(humans.exit_code, 0);
  auto j = Json::parse(humans.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["name"], "basic");
  EXPECT_EQ(j[1]["name"], "cs_phd");
}

TEST_F(CliBasics, AddListDeletePersona) {
  testing::write_text(home_.file("pirate.txt"), "I am a pirate.\n");
  auto add = run({"add", "persona", "--name", "pirate", "-f", home_.file("pirate.txt")});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "Added persona 'pirate'\n");
  auto list = run({"list", "personas", "--json"});
  auto j = Json::parse(list.out);
  bool found = false;
  for (const auto& p : j) {
    if (p["name"] == "pirate") {
      found = true;
      EXPECT_EQ(p["text"], "I am a pirate.");
    }
  }
  EXPECT_TRUE(found);

  auto dup = run({"add", "persona", "--name", "pirate", "--text", "again"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err, "error: a persona named 'pirate' already exists (use --force to replace it)\n");
  auto forced = run({"add", "persona", "--name", "pirate", "--text", "again", "--force"});
  EXPECT_EQ(forced.exit_code, 0);

  auto del = run({"delete", "persona", "pirate"});
  EXPECT_EQ(del.exit_code, 0);
  auto again = run({"delete", "persona", "pirate"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "error: persona 'pirate' not found\n");
  auto human = run({"add", "human", "--name", "ann", "--text", "Ann likes tea."});
  EXPECT_EQ(human.exit_code, 0);
  EXPECT_NE(run({"list", "humans"}).out.find("Ann likes tea."), std::string::npos);
}

TEST_F(CliBasics, AddWithMissingFileFailsCleanly) {
  auto r = run({"add", "persona", "--name", "x", "-f", home_.file("nope.txt")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: cannot open " + home_.file("nope.txt") + ": No such file or directory\n");
  auto none = run({"add", "persona", "--name", "x"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("--text or -f"), std::string::npos);
}

TEST_F(CliBasics, CorruptConfigIsOneLineNamingFileAndLine) {
  testing::write_text(home_.file("config"), "[model]\nmodel = gpt-4\n[broken\n");
  auto r = run({"list", "personas"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: " + home_.file("config") + ":3: malformed section header '[broken'\n");
  // Nothing was overwritten.
  EXPECT_EQ(testing::read_text(home_.file("config")), "[model]\nmodel = gpt-4\n[broken\n");
}

TEST_F(CliBasics, ReadOnlyHomeIsAClearError) {
  if (::geteuid() == 0) {
    // root ignores permission bits; use a home below a file instead, which nobody can create.
    testing::write_text(home_.file("afile"), "x");
    auto r = run_memgpt(home_.file("afile") + "/home", {"list", "personas"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("error: "), std::string::npos);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    return;
  }
  ::chmod(home_.path().c_str(), 0500);
  auto r = run({"list", "personas"});
  ::chmod(home_.path().c_str(), 0700);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot write the configuration"), std::string::npos) << r.err;
}

TEST_F(CliBasics, ConfigureWithFlagsAndShow) {
  auto r = run({"configure", "--llm-provider", "ollama", "--model", "llama3",
                "--context-window", "16384", "--archival-storage", "milvus", "--archival-uri",
                home_.file("milvus.db"), "--recall-storage", "sqlite", "--openai-key",
                "sk-test-1234567890abcdef"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Saving config to"), std::string::npos);
  std::string config = testing::read_text(home_.file("config"));
  EXPECT_NE(config.find("model_endpoint_type = ollama"), std::string::npos);
  EXPECT_NE(config.find("model_endpoint = http://localhost:11434"), std::string::npos);
  EXPECT_NE(config.find("model_wrapper = chatml"), std::string::npos);
  EXPECT_NE(config.find("context_window = 16384"), std::string::npos);
  struct stat st{};
  ASSERT_EQ(::stat(home_.file("credentials").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto show = run({"configure", "--show", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto j = Json::parse(show.out);
  EXPECT_EQ(j["model"]["model"], "llama3");
  EXPECT_EQ(j["model"]["context_window"], 16384);
  EXPECT_EQ(j["archival_storage"]["uri"], home_.file("milvus.db"));
  EXPECT_EQ(j["credentials"]["openai.key"], "sk-t****cdef");
  EXPECT_EQ(show.out.find("sk-test-1234567890abcdef"), std::string::npos);

  auto text = run({"configure", "--show"});
  EXPECT_NE(text.out.find("[model]\nmodel = llama3"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("sk-test-1234567890abcdef"), std::string::npos);

  // Environment overrides the file, still masked.
  testing::RunOptions env;
  env.env["OPENAI_API_KEY"] = "sk-env-abcdefghijkl";
  auto envshow = run({"configure", "--show", "--json"}, env);
  EXPECT_EQ(Json::parse(envshow.out)["credentials"]["openai.key"], "sk-e****ijkl");
}

TEST_F(CliBasics, ConfigureRejectsBadValues) {
  auto r = run({"configure", "--context-window", "big"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: --context-window: context_window must be a positive integer, got 'big'\n");
  auto t = run({"configure", "--archival-storage", "chroma"});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_NE(t.err.find("must be one of: milvus"), std::string::npos);
  auto u = run({"configure", "--archival-uri", "s3://bucket/x"});
  EXPECT_EQ(u.exit_code, 1);
  // Nothing was written by the failed calls.
  EXPECT_FALSE(testing::read_text(home_.file("config")).find("chroma") != std::string::npos);
}

// The in-process model's threads: the config key, else MEMGPT_LLM_THREADS, else the cores.
TEST_F(CliBasics, ShowTellsTheLocalModelThreadsInEffect) {
  testing::RunOptions env;
  env.env["MEMGPT_LLM_THREADS"] = "2";
  ASSERT_EQ(run({"configure", "--llm-provider", "local"}).exit_code, 0);
  EXPECT_EQ(Json::parse(run({"configure", "--show", "--json"}, env).out)["model"]["threads"], 2);
  ASSERT_EQ(run({"configure", "--model-threads", "3"}).exit_code, 0);
  EXPECT_NE(testing::read_text(home_.file("config")).find("threads = 3"), std::string::npos);
  auto text = run({"configure", "--show"}, env);
  EXPECT_NE(text.out.find("\nthreads = 3\n"), std::string::npos) << text.out;
  auto bad = run({"configure", "--model-threads", "0"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("threads must be a positive integer"), std::string::npos) << bad.err;
}

TEST_F(CliBasics, EmbeddingProviderSetsMatchingDefaults) {
  ASSERT_EQ(run({"configure", "--embedding-provider", "openai"}).exit_code, 0);
  auto j = Json::parse(run({"configure", "--show", "--json"}).out);
  EXPECT_EQ(j["embedding"]["embedding_model"], "text-embedding-ada-002");
  EXPECT_EQ(j["embedding"]["embedding_dim"], 1536);
  ASSERT_EQ(run({"configure", "--embedding-provider", "local"}).exit_code, 0);
  j = Json::parse(run({"configure", "--show", "--json"}).out);
  EXPECT_EQ(j["embedding"]["embedding_dim"], 384);
}

TEST_F(CliBasics, ConfigAndCredentialsPathsFromEnvironment) {
  testing::RunOptions opts;
  opts.env["MEMGPT_CONFIG_PATH"] = home_.file("alt/config.ini");
  opts.env["MEMGPT_CREDENTIALS_PATH"] = home_.file("alt/creds.ini");
  auto r = run({"configure", "--model", "gpt-4", "--anthropic-key", "ant-1234567890"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(testing::read_text(home_.file("alt/config.ini")).find("model = gpt-4"),
            std::string::npos);
  EXPECT_NE(testing::read_text(home_.file("alt/creds.ini")).find("[anthropic]"),
            std::string::npos);
}

TEST_F(CliBasics, FolderPrintsHome) {
  auto r = run({"folder"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, home_.path() + "\n");
}

TEST_F(CliBasics, ServerFlagErrorsAreOneLine) {
  auto r = run({"server", "--use-ssl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "error: --use-ssl needs --ssl-cert and --ssl-key\n");
  r = run({"server", "--port", "0", "--ssl-cert", "/nonexistent/cert.pem", "--ssl-key", "/nonexistent/key.pem"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot load the certificate /nonexistent/cert.pem"), std::string::npos) << r.err;
  r = run({"server", "--max-body-mb", "0"});
  EXPECT_EQ(r.exit_code, 1);
  auto help = run({"run", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--core-memory-limit"), std::string::npos);
}

TEST_F(CliBasics, EveryCommandHasHelp) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--help"}, {"configure", "--help"}, {"list", "--help"}, {"add", "--help"},
           {"delete", "--help"}, {"load", "--help"}, {"load", "directory", "--help"},
           {"search", "--help"}, {"server", "--help"}, {"quickstart", "--help"},
           {"version", "--help"}, {"folder", "--help"}, {"milvus", "serve", "--help"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0];
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << args[0];
  }
}

TEST_F(CliBasics, UsageErrorsExitWith2) {
  EXPECT_EQ(run({"list", "cats"}).exit_code, 2);
  EXPECT_EQ(run({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(run({}).exit_code, 2);
}

}  // namespace
}  // namespace memgpt
