// `memgpt export` and `memgpt import` as a user runs them: a file on disk or standard output,
// the new agent named on import, warnings for what a Letta file holds that memgpt cannot
// honour, and one-line refusals (a taken name, a malformed file, a file over the size limit)
// that leave no agent behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class AgentFileCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The new agent's first message.
    Json hello = {{"content", "Greet."}, {"tool", "send_message"}, {"arguments", {{"message", "Hello, I am Keeper."}}}};
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", Json::array({hello})}});
    ASSERT_GT(llm_->start(), 0);
    auto c = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                  llm_->base_url(), "--openai-key", "sk-test-cli-secret", "--embedding-provider", "local",
                  "--embedding-model", "memgpt-builtin-384"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    auto made = run({"run", "-y", "--agent", "Keeper"}, "/exit\n");
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home_.path(), args, testing::with_input(input));
  }
  std::vector<std::string> agent_names() {
    auto listed = run({"list", "agents", "--json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::string> names;
    Json doc = parse_json_or_discarded(listed.out);
    const Json& items = doc.is_array() ? doc : doc.value("agents", Json::array());
    for (const auto& a : items) names.push_back(a.value("name", ""));
    std::sort(names.begin(), names.end());
    return names;
  }
  static bool one_error_line(const std::string& err) {
    return err.rfind("error: ", 0) == 0 && err.find('\n') == err.size() - 1;
  }

  std::unique_ptr<testing::ScriptedLlmServer> llm_;
  testing::TempDir home_, files_;
};

TEST_F(AgentFileCliTest, ExportWritesTheDocumentToStandardOutputOrAFileWithoutKeys) {
  auto out = run({"export", "--agent", "Keeper"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  Json doc = parse_json_or_discarded(out.out);
  ASSERT_TRUE(doc.is_object()) << out.out.substr(0, 200);
  EXPECT_EQ(doc["agents"][0]["name"], "Keeper");
  EXPECT_EQ(doc["agents"][0]["id"], "agent-0");
  EXPECT_EQ(out.out.find("sk-test-cli-secret"), std::string::npos);

  auto to_file = run({"export", "--agent", "Keeper", "-o", files_.file("keeper.af")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_NE(to_file.out.find("Exported agent 'Keeper' to"), std::string::npos) << to_file.out;
  EXPECT_EQ(testing::read_text(files_.file("keeper.af")).find("sk-test-cli-secret"), std::string::npos);

  auto missing = run({"export", "--agent", "Nobody"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(one_error_line(missing.err)) << missing.err;
}

TEST_F(AgentFileCliTest, ImportCreatesTheAgentUnderANewNameAndRefusesATakenOne) {
  ASSERT_EQ(run({"export", "--agent", "Keeper", "-o", files_.file("keeper.af")}).exit_code, 0);
  auto taken = run({"import", files_.file("keeper.af")});
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_TRUE(one_error_line(taken.err)) << taken.err;
  EXPECT_NE(taken.err.find("an agent named 'Keeper' already exists"), std::string::npos) << taken.err;

  auto imported = run({"import", files_.file("keeper.af"), "--name", "Keeper2"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("Imported agent 'Keeper2' (id "), std::string::npos) << imported.out;
  EXPECT_TRUE(imported.err.empty()) << imported.err;

  auto as_json = run({"import", files_.file("keeper.af"), "--name", "Keeper3", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  Json report = parse_json_or_discarded(as_json.out);
  ASSERT_TRUE(report.is_object()) << as_json.out;
  EXPECT_EQ(report["agents"][0]["name"], "Keeper3");
  EXPECT_EQ(report["warnings"], Json::array());
  EXPECT_EQ(agent_names(), (std::vector<std::string>{"Keeper", "Keeper2", "Keeper3"}));

  // The copy opens and keeps its memory.
  auto memory = run({"run", "-y", "--agent", "Keeper2"}, "/memory\n/exit\n");
  EXPECT_EQ(memory.exit_code, 0) << memory.err;
}

TEST_F(AgentFileCliTest, PassagesOfAnotherEmbedderAreEmbeddedAgainOnImportAndFound) {
  auto out = run({"export", "--agent", "Keeper"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  Json doc = parse_json_or_discarded(out.out);
  ASSERT_TRUE(doc.is_object());
  Json& archival = doc["memgpt_extension"]["agents"][0]["archival"];
  archival["embedding_config"] = {{"embedding_endpoint_type", "openai"}, {"embedding_model", "text-embedding-3-small"},
                                  {"embedding_dim", 4}};
  archival["passages"] = Json::array({Json{{"text", "The lighthouse keeper Marguerite paints the lamp blue."},
                                           {"created_at", "2026-01-02T03:04:05Z"},
                                           {"embedding", {0.1, 0.2, 0.3, 0.4}}}});
  testing::write_text(files_.file("moved.af"), doc.dump());
  auto imported = run({"import", files_.file("moved.af"), "--name", "Moved"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("1 archival passages, embedded again with this home's embedder"), std::string::npos)
      << imported.out;
  EXPECT_NE(imported.err.find("Embedding archival memory with memgpt-builtin-384 (384 dims)"), std::string::npos)
      << imported.err;
  auto found = run({"search", "--agent", "Moved", "--mode", "vector", "--top-k", "1", "lighthouse keeper Marguerite"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("paints the lamp blue"), std::string::npos) << found.out;
}

TEST_F(AgentFileCliTest, ALettaFileImportsWithAWarningPerItemNotHonoured) {
  Json doc = {{"agents", Json::array({Json{{"id", "agent-0"},
                                           {"name", "from-letta"},
                                           {"system", "You are a helper."},
                                           {"block_ids", {"block-0"}},
                                           {"tool_ids", {"tool-0", "tool-1"}},
                                           {"in_context_message_ids", Json::array()},
                                           {"messages", Json::array()}}})},
              {"blocks", Json::array({Json{{"id", "block-0"}, {"label", "human"}, {"value", "Dana"}}})},
              {"tools", Json::array({Json{{"id", "tool-0"}, {"name", "send_message"}, {"tool_type", "letta_core"}},
                                     Json{{"id", "tool-1"}, {"name", "run_code"}, {"tool_type", "letta_builtin"}}})},
              {"groups", Json::array()}, {"files", Json::array()}, {"sources", Json::array()},
              {"mcp_servers", Json::array({Json{{"id", "mcp_server-0"}, {"server_name", "search"}, {"server_type", "sse"}}})}};
  testing::write_text(files_.file("letta.af"), doc.dump());
  auto imported = run({"import", files_.file("letta.af")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("Imported agent 'from-letta'"), std::string::npos) << imported.out;
  EXPECT_NE(imported.err.find("warning: agent 'agent-0': tool 'tool-1' (run_code, letta_builtin) is not imported"),
            std::string::npos)
      << imported.err;
  EXPECT_NE(imported.err.find("warning: MCP server 'mcp_server-0' (search) is not imported"), std::string::npos)
      << imported.err;
}

TEST_F(AgentFileCliTest, BadFilesAreRefusedWithOneLineAndLeaveNoAgent) {
  testing::write_text(files_.file("broken.af"), "{\"agents\": [{\"id\": \"agent-0\", \"name\": \"x\"");
  auto broken = run({"import", files_.file("broken.af")});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_TRUE(one_error_line(broken.err)) << broken.err;
  EXPECT_NE(broken.err.find("cannot import"), std::string::npos) << broken.err;

  // Over the limit: refused from its size, before it is read.
  std::string big = files_.file("big.af");
  testing::write_text(big, "{");
  ASSERT_EQ(::truncate(big.c_str(), 100 << 20), 0);
  auto huge = run({"import", big});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_TRUE(one_error_line(huge.err)) << huge.err;
  EXPECT_NE(huge.err.find("100 MB: agent files over 64 MB are refused"), std::string::npos) << huge.err;

  auto absent = run({"import", files_.file("nope.af")});
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_TRUE(one_error_line(absent.err)) << absent.err;
  EXPECT_EQ(agent_names(), std::vector<std::string>{"Keeper"});

  auto help = run({"import", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--name"), std::string::npos);
}

}  // namespace
}  // namespace memgpt
