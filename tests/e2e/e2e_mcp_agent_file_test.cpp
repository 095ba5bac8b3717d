// An agent's MCP tools in Agent Files, through the memgpt binary only: the tools and the server
// they come from are written in Letta's shape (tool_type external_mcp naming its server in
// metadata_.mcp, top-level mcp_servers with secrets left out); an import registers a server the
// home lacks, reuses a registered one of the same configuration, and reports per item what it
// cannot honour (a secret left out of the file, another server of the same name, an SSE
// server, a server the file does not describe). The tool attached from a file runs in a step
// against the real MCP server built with the official SDK (tests/support/mcp/echo_server.mjs).
#include <gtest/gtest.h>

#include "scripted_llm.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class McpAgentFile : public ::testing::Test {
 protected:
  void SetUp() override {
    llm_ = std::make_unique<testing::ScriptedLlmServer>(
        Json{{"model", "gpt-4o-mini"},
             {"replies", Json::array({Json{{"content", "Echoing."}, {"tool", "echo"},
                                           {"arguments", {{"text", "after the move"}, {"request_heartbeat", true}}}},
                                      Json{{"content", "Done."}, {"tool", "send_message"},
                                           {"arguments", {{"message", "The echo answered."}}}}})}});
    ASSERT_GT(llm_->start(), 0);
    configure(from_);
    configure(to_);
    ASSERT_EQ(run(from_, {"run", "--agent", "bob", "-y", "--first", "--no-verify"}).exit_code, 0);
  }
  void configure(const testing::TempDir& home) {
    auto c = run(home, {"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                        llm_->base_url(), "--openai-key", "sk-test", "--embedding-provider", "local",
                        "--embedding-model", "memgpt-builtin-384"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  testing::ProcessResult run(const testing::TempDir& home, const std::vector<std::string>& args,
                             const std::string& input = "") {
    return testing::run_memgpt(home.path(), args, testing::with_input(input));
  }
  static std::string modules() { return std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules"; }
  static std::string script() { return std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs"; }
  // The echo server started through env(1): its configuration holds no secret.
  std::vector<std::string> add_open_server(const std::string& name) {
    return {"mcp", "add", name, "--", "env", "MEMGPT_NODE_MODULES=" + modules(), "node", script()};
  }
  Json exported(const std::string& agent) {
    auto out = run(from_, {"export", "--agent", agent, "-o", files_.file("bob.af")});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    text_ = testing::read_text(files_.file("bob.af"));
    return parse_json_or_discarded(text_);
  }
  Json attached(const testing::TempDir& home, const std::string& agent) {
    auto out = run(home, {"mcp", "attached", "--agent", agent, "--json"});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    return parse_json_or_discarded(out.out);
  }

  std::unique_ptr<testing::ScriptedLlmServer> llm_;
  testing::TempDir from_, to_, files_;
  std::string text_;
};

TEST_F(McpAgentFile, AnAgentsMcpToolTravelsInLettasShapeAndRunsInAnotherHome) {
  ASSERT_EQ(run(from_, add_open_server("tools")).exit_code, 0);
  auto a = run(from_, {"mcp", "attach", "--agent", "bob", "--timeout", "7", "tools", "echo"});
  ASSERT_EQ(a.exit_code, 0) << a.err;

  Json doc = exported("bob");
  ASSERT_EQ(doc["mcp_servers"].size(), 1u) << text_;
  const Json& server = doc["mcp_servers"][0];
  EXPECT_EQ(server["id"], "mcp_server-0");
  EXPECT_EQ(server["server_type"], "stdio");
  EXPECT_EQ(server["server_name"], "tools");
  EXPECT_EQ(server["stdio_config"]["command"], "env");
  EXPECT_EQ(server["stdio_config"]["args"].back(), script());
  Json tool;
  for (const auto& t : doc["tools"]) {
    if (t["tool_type"] == "external_mcp") tool = t;
  }
  ASSERT_FALSE(tool.is_null()) << doc["tools"].dump();
  EXPECT_EQ(tool["name"], "echo");
  EXPECT_EQ(tool["tags"], Json::array({"mcp:tools"}));
  EXPECT_EQ(tool["metadata_"]["mcp"]["server_name"], "tools");
  EXPECT_EQ(tool["metadata_"]["mcp"]["server_id"], "mcp_server-0");
  EXPECT_EQ(tool["json_schema"]["parameters"]["properties"]["text"]["type"], "string");
  const Json& ids = doc["agents"][0]["tool_ids"];
  EXPECT_NE(std::find(ids.begin(), ids.end(), tool["id"]), ids.end()) << ids.dump();

  // Another home registers the server from the file and attaches the tool with its deadline.
  auto imported = run(to_, {"import", files_.file("bob.af")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.err, "");
  EXPECT_NE(imported.out.find("Registered MCP server 'tools' (env MEMGPT_NODE_MODULES="), std::string::npos)
      << imported.out;
  Json tools = attached(to_, "bob");
  ASSERT_EQ(tools.size(), 1u) << tools.dump();
  EXPECT_EQ(tools[0]["id"], "mcp:tools:echo");
  EXPECT_EQ(tools[0]["inputSchema"]["required"], Json::array({"text"}));
  auto home_file = parse_json_or_discarded(testing::read_text(to_.file("mcp_attachments.json")));
  EXPECT_EQ(home_file["agents"].begin().value()[0]["timeout_ms"], 7000) << home_file.dump();

  // The imported agent calls the tool through the registered server.
  auto r = run(to_, {"run", "--agent", "bob", "--no-verify"}, "Use the echo tool.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("The echo answered."), std::string::npos) << r.out;
  auto reqs = llm_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  std::string result;
  for (const auto& m : reqs[1]["messages"]) {
    if (m["role"] == "tool") result = m["content"].get<std::string>();
  }
  EXPECT_NE(result.find("echo: after the move"), std::string::npos) << reqs[1]["messages"].dump();

  // Importing again reuses the registered server (same configuration): nothing registered twice.
  auto again = run(to_, {"import", files_.file("bob.af"), "--name", "bob2"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(again.out.find("Registered MCP server"), std::string::npos) << again.out;
  EXPECT_EQ(attached(to_, "bob2").size(), 1u);
  EXPECT_EQ(parse_json_or_discarded(run(to_, {"mcp", "list", "--json"}).out).size(), 1u);
}

TEST_F(McpAgentFile, ASecretLeftOutOfTheFileIsReportedAndTheServerRegisteredWithItHereIsUsed) {
  auto add = run(from_, {"mcp", "add", "tools", "--env", "MEMGPT_NODE_MODULES=" + modules(), "--env",
                         "API_TOKEN=tok-s3cret", "--", "node", script()});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  ASSERT_EQ(run(from_, {"mcp", "attach", "--agent", "bob", "tools", "echo"}).exit_code, 0);
  Json doc = exported("bob");
  EXPECT_EQ(text_.find("tok-s3cret"), std::string::npos);
  EXPECT_EQ(text_.find(modules()), std::string::npos);
  EXPECT_EQ(doc["mcp_servers"][0]["env"], (Json{{"API_TOKEN", nullptr}, {"MEMGPT_NODE_MODULES", nullptr}}));
  EXPECT_FALSE(doc["mcp_servers"][0]["stdio_config"].contains("env"));  // Letta's importer reads this part

  // Without the secrets the server is not registered; the agent is imported without the tool.
  auto imported = run(to_, {"import", files_.file("bob.af")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.err,
            "warning: MCP server 'tools' is not registered: the file leaves out API_TOKEN, MEMGPT_NODE_MODULES (secrets "
            "are never written); register it with them (memgpt mcp add tools ...) and import again\n");
  EXPECT_EQ(attached(to_, "bob"), Json::array());
  EXPECT_EQ(parse_json_or_discarded(run(to_, {"mcp", "list", "--json"}).out), Json::array());

  // Registered here with its secrets, the server is the file's: the tool is attached.
  ASSERT_EQ(run(to_, {"mcp", "add", "tools", "--env", "MEMGPT_NODE_MODULES=" + modules(), "--env",
                      "API_TOKEN=tok-other", "--", "node", script()})
                .exit_code,
            0);
  auto with_secrets = run(to_, {"import", files_.file("bob.af"), "--name", "bob2"});
  ASSERT_EQ(with_secrets.exit_code, 0) << with_secrets.err;
  EXPECT_EQ(with_secrets.err, "");
  EXPECT_EQ(attached(to_, "bob2").size(), 1u);

  // A server of that name that runs something else is not used.
  ASSERT_EQ(run(to_, {"mcp", "remove", "tools"}).exit_code, 0);
  ASSERT_EQ(run(to_, {"mcp", "add", "tools", "--", "node", "other.mjs"}).exit_code, 0);
  auto other = run(to_, {"import", files_.file("bob.af"), "--name", "bob3"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.err, "warning: MCP server 'tools' is registered here as node other.mjs, the file's is node " +
                           script() + ": its tools are not attached\n");
  EXPECT_EQ(attached(to_, "bob3"), Json::array());
}

TEST_F(McpAgentFile, ALettaFileWithMcpToolsRegistersItsServerAndReportsWhatItCannotHonour) {
  Json echo_schema = {{"name", "echo"},
                      {"description", "Answers the text."},
                      {"parameters",
                       {{"type", "object"},
                        {"properties", {{"text", {{"type", "string"}}}, {"request_heartbeat", {{"type", "boolean"}}}}},
                        {"required", {"text", "request_heartbeat"}},
                        {"additionalProperties", false}}},
                      {"mcp:SCHEMA_STATUS", "STRICT_COMPLIANT"}};
  Json doc = {
      {"agents", Json::array({Json{{"id", "agent-0"},
                                   {"name", "from-letta"},
                                   {"system", "You are a helper."},
                                   {"block_ids", Json::array()},
                                   {"tool_ids", {"tool-0", "tool-1", "tool-2", "tool-3"}},
                                   {"in_context_message_ids", Json::array()},
                                   {"messages", Json::array()}}})},
      {"blocks", Json::array()},
      {"tools",
       Json::array(
           {Json{{"id", "tool-0"}, {"name", "send_message"}, {"tool_type", "letta_core"}},
            // Letta writes json_schema as an object; some clients encode it again as a string.
            Json{{"id", "tool-1"}, {"name", "echo"}, {"tool_type", "external_mcp"}, {"tags", {"mcp:tools"}},
                 {"json_schema", echo_schema.dump()},
                 {"metadata_", {{"mcp", {{"server_name", "tools"}, {"server_id", "mcp_server-0"}}}}}},
            Json{{"id", "tool-2"}, {"name", "forecast"}, {"tool_type", "external_mcp"},
                 {"metadata_", {{"mcp", {{"server_id", "mcp_server-1"}}}}}},
            Json{{"id", "tool-3"}, {"name", "lookup"}, {"tool_type", "external_mcp"}, {"tags", {"mcp:nowhere"}}}})},
      {"mcp_servers",
       Json::array({Json{{"id", "mcp_server-0"},
                         {"server_type", "stdio"},
                         {"server_name", "tools"},
                         {"server_url", nullptr},
                         {"stdio_config",
                          {{"server_name", "tools"},
                           {"type", "stdio"},
                           {"command", "env"},
                           {"args", {"MEMGPT_NODE_MODULES=" + modules(), "node", script()}}}},
                         {"metadata_", nullptr}},
                    Json{{"id", "mcp_server-1"},
                         {"server_type", "sse"},
                         {"server_name", "weather"},
                         {"server_url", "https://weather.example/sse"},
                         {"stdio_config", nullptr}}})},
      {"groups", Json::array()},
      {"files", Json::array()},
      {"sources", Json::array()}};
  testing::write_text(files_.file("letta.af"), doc.dump());
  auto imported = run(to_, {"import", files_.file("letta.af")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("Registered MCP server 'tools' (env MEMGPT_NODE_MODULES="), std::string::npos)
      << imported.out;
  EXPECT_NE(imported.err.find("warning: MCP server 'mcp_server-1' (weather) is not imported: it is an SSE server"),
            std::string::npos)
      << imported.err;
  EXPECT_NE(imported.err.find("warning: MCP server 'nowhere' is not registered here and the file does not describe it"),
            std::string::npos)
      << imported.err;
  Json tools = attached(to_, "from-letta");
  ASSERT_EQ(tools.size(), 1u) << tools.dump();
  EXPECT_EQ(tools[0]["id"], "mcp:tools:echo");
  // request_heartbeat is memgpt's to add: the schema keeps only the tool's own parameters.
  EXPECT_EQ(tools[0]["inputSchema"]["properties"], (Json{{"text", {{"type", "string"}}}}));
  EXPECT_EQ(tools[0]["inputSchema"]["required"], Json::array({"text"}));
}

}  // namespace
}  // namespace memgpt
