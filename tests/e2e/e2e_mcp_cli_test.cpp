// `memgpt mcp` as a user runs it: the stdio server answering a client's lines on stdout (logs
// only on stderr), and the registry of other MCP servers (add, list, tools, remove) with a real
// server built with the official SDK (tests/support/mcp/echo_server.mjs).
#include <gtest/gtest.h>

#include <sstream>

#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

using testing::ProcessResult;
using testing::run_memgpt;

class McpCli : public ::testing::Test {
 protected:
  ProcessResult run(const std::vector<std::string>& args, testing::RunOptions opts = {}) {
    return run_memgpt(home_.path(), args, std::move(opts));
  }
  testing::TempDir home_;
};

TEST_F(McpCli, StdioServerWritesOnlyJsonRpcOnStdout) {
  testing::RunOptions opts;
  opts.stdin_data =
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-03-26\","
      "\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"list_agents\",\"arguments\":{}}}\n";
  auto r = run({"mcp"}, opts);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<Json> answers;
  for (std::string line; std::getline(lines, line);) {
    Json j = parse_json_or_discarded(line);
    ASSERT_FALSE(j.is_discarded()) << "not JSON on stdout: " << line;
    answers.push_back(j);
  }
  ASSERT_EQ(answers.size(), 2u) << r.out;
  EXPECT_EQ(answers[0]["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(answers[1]["result"]["structuredContent"]["agents"], Json::array());
  EXPECT_NE(r.err.find("serving MCP on stdio"), std::string::npos);
}

TEST_F(McpCli, AnUnknownDefaultAgentFailsBeforeServing) {
  auto r = run({"mcp", "--agent", "nobody"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: agent 'nobody' not found"), std::string::npos) << r.err;
}

TEST_F(McpCli, RegisterListToolsAndRemoveAServer) {
  const std::string modules = std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules";
  const std::string script = std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs";
  auto add = run({"mcp", "add", "echo", "--env", "MEMGPT_NODE_MODULES=" + modules, "--", "node", script});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_EQ(add.out, "Registered MCP server 'echo' (node).\n");
  EXPECT_EQ(run({"mcp", "add", "echo", "--", "node"}).exit_code, 1);
  EXPECT_EQ(run({"mcp", "add", "both", "--url", "http://127.0.0.1:1/mcp", "--", "node"}).exit_code, 1);

  auto list = run({"mcp", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  Json servers = parse_json_or_discarded(list.out);
  ASSERT_EQ(servers.size(), 1u);
  EXPECT_EQ(servers[0]["args"][0], script);
  EXPECT_EQ(servers[0]["env"]["MEMGPT_NODE_MODULES"], nullptr);  // secrets never printed

  auto tools = run({"mcp", "tools", "echo", "--json"});
  ASSERT_EQ(tools.exit_code, 0) << tools.err;
  Json listed = parse_json_or_discarded(tools.out);
  std::vector<std::string> names;
  for (const auto& t : listed) names.push_back(t["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"echo", "fail", "hang", "crash", "mute", "junk"}));

  EXPECT_EQ(run({"mcp", "remove", "echo"}).exit_code, 0);
  auto gone = run({"mcp", "tools", "echo"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("no MCP server 'echo'"), std::string::npos) << gone.err;
}

}  // namespace
}  // namespace memgpt
