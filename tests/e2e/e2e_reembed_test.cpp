// Embedders and re-embedding through the memgpt binary, as a user would: /attach (CLI) and the
// server's attach route refuse a source embedded by another model than the agent's, naming both
// and the fix; `memgpt reembed` moves a source or an agent to another embedder, and a kill -9 or
// Ctrl-C part way loses nothing (the old vectors stay in use; a rerun finishes). The other
// embedder is an OpenAI-compatible embeddings server on loopback.
#include <gtest/gtest.h>

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scripted_embeddings.h"
#include "server_fixture.h"
#include "support/live_memgpt.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

using testing::LiveMemgpt;

class ReembedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", Json::array()}});
    ASSERT_GT(llm_->start(), 0);
    // The built-in embedder named, not left to the default of a new home.
    auto c = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                  llm_->base_url(), "--openai-key", "sk-test", "--embedding-provider", "local", "--embedding-model",
                  "memgpt-builtin-384"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    std::string text;
    for (int i = 0; i < 24; ++i) {
      text += "Paragraph " + std::to_string(i) + " tells of rivers, herons and the long winter of the valley, ";
      text += "and it goes on for a while so that the chunker cuts the file into many passages.\n\n";
    }
    text += "The lighthouse keeper Marguerite paints the lamp blue every spring.\n";
    testing::write_text(docs_.file("valley.txt"), text);
    ASSERT_EQ(run({"configure", "--embedding-chunk-size", "40"}).exit_code, 0);
    auto load = run({"load", "directory", "--name", "docs", "--input-files", docs_.file("valley.txt")});
    ASSERT_EQ(load.exit_code, 0) << load.err;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home_.path(), args, testing::with_input(input));
  }
  // The flags that select the embeddings server as embedder.
  static std::vector<std::string> scripted_flags(const testing::ScriptedEmbeddings& server) {
    return {"--embedding-provider", "vllm", "--embedding-endpoint", server.base_url(), "--embedding-model",
            "scripted-embed", "--embedding-dim", std::to_string(server.dim())};
  }
  void configure_embedder(const testing::ScriptedEmbeddings& server) {
    std::vector<std::string> args = {"configure"};
    for (const auto& f : scripted_flags(server)) args.push_back(f);
    auto c = run(args);
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  Json source_listing() {
    auto l = run({"list", "sources", "--json"});
    EXPECT_EQ(l.exit_code, 0) << l.err;
    Json j = Json::parse(l.out, nullptr, false);
    return j.is_array() && j.size() == 1 ? j[0] : Json();
  }
  int64_t passages() { return source_listing().value("metadata", Json::object()).value("passages", int64_t{-1}); }

  testing::TempDir home_, docs_;
  std::unique_ptr<testing::ScriptedLlmServer> llm_;
};

// Regression: the CLI's /attach of a source of another model of the same dimension printed a
// note on stdout and went on (exit 0); now it is an error naming both models and the fix.
TEST_F(ReembedTest, CliAttachRefusesASourceOfAnotherModelNamingBothAndTheFix) {
  testing::ScriptedEmbeddings server(384);
  configure_embedder(server);
  auto r = run({"run", "-y", "--first", "--agent", "Keeper"}, "/attach docs\n");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("error: cannot attach source 'docs' to agent 'Keeper': the source was embedded with "
                       "memgpt-builtin-384 (384 dims) but the agent uses scripted-embed (384 dims); re-embed the "
                       "source with `memgpt reembed source docs --embedding-model scripted-embed`"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out.find("Attached data source"), std::string::npos) << r.out;

  // After re-embedding the source with the configured embedder, the same attach works.
  auto re = run({"reembed", "source", "docs"});
  ASSERT_EQ(re.exit_code, 0) << re.err;
  int64_t n = passages();
  EXPECT_NE(re.out.find("Re-embedded source 'docs': " + std::to_string(n) +
                        " passages now embedded with scripted-embed (384 dims) (was memgpt-builtin-384 (384 dims))."),
            std::string::npos)
      << re.out;
  auto attached = run({"run", "-y", "--first", "--agent", "Keeper"}, "/attach docs\n");
  EXPECT_EQ(attached.exit_code, 0) << attached.err;
  EXPECT_NE(attached.out.find("Attached data source docs to agent Keeper, consisting of " + std::to_string(n) +
                              " passages"),
            std::string::npos)
      << attached.out << attached.err;
  auto found = run({"search", "--source", "docs", "--mode", "vector", "--top-k", "1", "lighthouse keeper Marguerite"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("Marguerite"), std::string::npos) << found.out;
}

// Regression: the server compared dimensions only, so it attached a source of another model.
TEST_F(ReembedTest, ServerAttachRefusesASourceOfAnotherModelNamingBoth) {
  testing::ScriptedEmbeddings server(384);
  configure_embedder(server);
  std::map<std::string, std::string> env = {{"MEMGPT_HOME", home_.path()}};
  testing::ServerProcess served(testing::memgpt_server_argv(), env, testing::kMemgptServerReady);
  ASSERT_TRUE(served.ready()) << served.log();
  e2e::Api api(served.port());
  auto agent = api.post("/v1/agents", {{"name", "ada"}, {"model", "openai/gpt-4o-mini"}});
  ASSERT_EQ(agent.status, 200) << agent.body.dump();
  std::string agent_id = agent.body["id"];
  auto sources = api.get("/v1/sources?name=docs");
  ASSERT_EQ(sources.status, 200);
  ASSERT_EQ(sources.body.size(), 1u);
  std::string source_id = sources.body[0]["id"];
  for (const std::string& path : {"/v1/agents/" + agent_id + "/sources/attach/" + source_id,
                                  "/v1/agents/" + agent_id + "/folders/attach/" + source_id}) {
    auto refused = api.call("PATCH", path);
    EXPECT_EQ(refused.status, 409) << path << " " << refused.body.dump();
    std::string detail = refused.body.value("detail", "");
    EXPECT_NE(detail.find("memgpt-builtin-384 (384 dims)"), std::string::npos) << detail;
    EXPECT_NE(detail.find("scripted-embed (384 dims)"), std::string::npos) << detail;
    EXPECT_NE(detail.find("memgpt reembed source docs"), std::string::npos) << detail;
  }
  EXPECT_EQ(api.get("/v1/agents/" + agent_id + "/sources").body, Json::array());
}

// kill -9 half way: the source keeps its old vectors (listed, searchable with the old
// embedder), and a rerun resumes and completes.
TEST_F(ReembedTest, KillNineMidReembedLeavesTheSourceIntactAndARerunCompletes) {
  testing::ScriptedEmbeddings server(64);  // another dimension: other collections
  int64_t before = passages();
  ASSERT_GT(before, 8);
  server.hold_after(2);  // two batches are stored, the third waits
  std::vector<std::string> args = {"reembed", "source", "docs", "--batch-size", "3"};
  for (const auto& f : scripted_flags(server)) args.push_back(f);
  {
    LiveMemgpt reembed(args, {{"MEMGPT_HOME", home_.path()}});
    ASSERT_TRUE(server.wait_for_requests(3)) << "the re-embed never reached its third batch";
    reembed.signal(SIGKILL);
    int status = reembed.wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }
  Json listed = source_listing();
  EXPECT_EQ(listed.value("embedding_model", ""), "memgpt-builtin-384");
  EXPECT_EQ(passages(), before);
  auto found = run({"search", "--source", "docs", "--top-k", "1", "lighthouse keeper Marguerite"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("Marguerite"), std::string::npos) << found.out;

  server.hold_after(-1);
  server.release();
  args.push_back("--json");
  auto rerun = run(args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  Json report = Json::parse(rerun.out, nullptr, false);
  EXPECT_EQ(report.value("passages", int64_t{0}), before) << rerun.out;
  EXPECT_EQ(report.value("resumed", int64_t{0}), 6) << rerun.out;
  EXPECT_EQ(report["to"].value("embedding_model", ""), "scripted-embed");
  EXPECT_EQ(report["to"].value("embedding_dim", 0), 64);
  EXPECT_EQ(source_listing().value("embedding_model", ""), "scripted-embed");

  // With the built-in embedder configured, the source now says what to do; with its own, it is searched.
  auto refused = run({"search", "--source", "docs", "lighthouse"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("source 'docs' was embedded with scripted-embed (64 dims) but the configured embedder "
                             "is memgpt-builtin-384 (384 dims)"),
            std::string::npos)
      << refused.err;
  configure_embedder(server);
  auto searched = run({"search", "--source", "docs", "--mode", "vector", "--top-k", "1", "lighthouse keeper Marguerite"});
  ASSERT_EQ(searched.exit_code, 0) << searched.err;
  EXPECT_NE(searched.out.find("Marguerite"), std::string::npos) << searched.out;
}

// Ctrl-C part way stops at the next batch with exit 130 and one line; nothing changes.
TEST_F(ReembedTest, CtrlCStopsAtTheNextBatchAndKeepsTheOldVectors) {
  testing::ScriptedEmbeddings server(64);
  server.hold_after(1);
  std::vector<std::string> args = {"reembed", "source", "docs", "--batch-size", "3"};
  for (const auto& f : scripted_flags(server)) args.push_back(f);
  LiveMemgpt reembed(args, {{"MEMGPT_HOME", home_.path()}});
  ASSERT_TRUE(server.wait_for_requests(2));
  reembed.signal(SIGINT);
  server.release();  // the batch under way finishes; the next is not started
  int status = reembed.wait();
  ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping";
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(source_listing().value("embedding_model", ""), "memgpt-builtin-384");
}

TEST_F(ReembedTest, AnAgentsArchivalMemoryIsReembeddedAndItsStepsUseTheNewEmbedder) {
  testing::ScriptedEmbeddings server(64);
  auto made = run({"run", "-y", "--first", "--agent", "Keeper"}, "/attach docs\n");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  configure_embedder(server);
  // Configured for another embedder, the agent says how to fix it instead of mixing vectors.
  auto refused = run({"run", "-y", "--first", "--agent", "Keeper"}, "/memory\n");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("agent 'Keeper' keeps its archival memory embedded with memgpt-builtin-384 (384 dims) "
                             "but the configured embedder is scripted-embed (64 dims): re-embed it with `memgpt "
                             "reembed agent Keeper`"),
            std::string::npos)
      << refused.err;
  auto re = run({"reembed", "agent", "Keeper", "--json"});
  ASSERT_EQ(re.exit_code, 0) << re.err;
  EXPECT_EQ(Json::parse(re.out)["passages"], passages());
  auto searched = run({"search", "--agent", "Keeper", "--mode", "vector", "--top-k", "1", "lighthouse keeper Marguerite"});
  ASSERT_EQ(searched.exit_code, 0) << searched.err;
  EXPECT_NE(searched.out.find("Marguerite"), std::string::npos) << searched.out;
  auto opened = run({"run", "-y", "--first", "--agent", "Keeper"}, "/memory\n");
  EXPECT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find(std::to_string(passages()) + " passages"), std::string::npos) << opened.out;
}

TEST_F(ReembedTest, UsageErrors) {
  auto help = run({"reembed", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("source"), std::string::npos);
  EXPECT_EQ(run({"reembed"}).exit_code, 2);
  auto missing = run({"reembed", "source", "nosuch"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "error: source 'nosuch' not found\n");
  auto no_dim = run({"reembed", "source", "docs", "--embedding-provider", "vllm", "--embedding-model", "x"});
  EXPECT_EQ(no_dim.exit_code, 1);
  EXPECT_NE(no_dim.err.find("--embedding-dim"), std::string::npos) << no_dim.err;
  auto same = run({"reembed", "source", "docs"});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_NE(same.out.find("The source 'docs' is embedded with memgpt-builtin-384 (384 dims) already"), std::string::npos) << same.out;
}

TEST_F(ReembedTest, ConfigureChecksTheEmbeddingModelByMakingTheEmbedder) {
  auto unknown = run({"configure", "--embedding-provider", "local", "--embedding-model", "no-such-model"});
  EXPECT_EQ(unknown.exit_code, 1);
  // One line from the embedder factory, whatever it says of the name.
  EXPECT_EQ(unknown.err.rfind("error: --embedding-model: ", 0), 0u) << unknown.err;
  EXPECT_NE(unknown.err.find("no-such-model"), std::string::npos) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
  EXPECT_EQ(testing::read_text(home_.file("config")).find("no-such-model"), std::string::npos);
  auto known = run({"configure", "--embedding-provider", "local", "--embedding-model", "memgpt-builtin-384"});
  EXPECT_EQ(known.exit_code, 0) << known.err;
  auto shown = run({"configure", "--show", "--json"});
  EXPECT_EQ(Json::parse(shown.out)["embedding"]["embedder"], "memgpt-builtin-384 (384 dims)");
}

}  // namespace
}  // namespace memgpt
