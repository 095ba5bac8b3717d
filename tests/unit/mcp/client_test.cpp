// memgpt's MCP client against a real MCP server built with the official SDK
// (tests/support/mcp/echo_server.mjs, run by node), over stdio and streamable HTTP: tools
// listed, called, and every way a server can misbehave (a tool error, a hang, a crash, junk on
// stdout, a command that does not exist) as one readable failure; the client recovers after.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

#include "mcp/client.h"
#include "mcp/server_registry.h"
#include "support/test_env.h"

namespace memgpt::mcp {
namespace {

const std::string kEchoServer = std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs";
const std::string kNodeModules = std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules";

McpServerConfig echo_stdio() {
  McpServerConfig c;
  c.name = "echo";
  c.type = "stdio";
  c.command = "node";
  c.args = {kEchoServer};
  c.env = {{"MEMGPT_NODE_MODULES", kNodeModules}};
  return c;
}

std::vector<std::string> names_of(const std::vector<RemoteTool>& tools) {
  std::vector<std::string> names;
  for (const auto& t : tools) names.push_back(t.name);
  std::sort(names.begin(), names.end());
  return names;
}

TEST(McpStdioClient, ListsAndCallsTheToolsOfARealServer) {
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(20));
  auto tools = client->list_tools();
  ASSERT_TRUE(tools.ok()) << tools.status().message();
  EXPECT_EQ(names_of(*tools), (std::vector<std::string>{"crash", "echo", "fail", "hang", "junk", "mute"}));
  const RemoteTool& echo = *std::find_if(tools->begin(), tools->end(), [](const auto& t) { return t.name == "echo"; });
  EXPECT_EQ(echo.input_schema["properties"]["text"]["type"], "string");
  auto said = client->call_tool("echo", {{"text", "hello"}});
  ASSERT_TRUE(said.ok()) << said.status().message();
  EXPECT_EQ(said->text, "echo: hello");
  EXPECT_FALSE(said->is_error);
  auto failed = client->call_tool("fail", Json::object());
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->is_error);
  EXPECT_EQ(failed->text, "the fail tool failed on purpose");
}

TEST(McpStdioClient, AHangingToolTimesOutAndTheNextCallWorks) {
  // The deadline is the call's: node's start-up on a busy machine does not count against it.
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(2));
  auto hung = client->call_tool("hang", Json::object());
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), ErrorCode::kTimeout);
  EXPECT_EQ(hung.status().message(), "MCP server 'echo' did not answer tools/call within 2 s");
  auto again = client->call_tool("echo", {{"text", "again"}});  // a new server process
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->text, "echo: again");
}

TEST(McpStdioClient, AServerSlowerToStartThanTheCallsTimeoutStillAnswers) {
  McpServerConfig slow = echo_stdio();
  slow.command = "sh";
  slow.args = {"-c", "sleep 2; exec node \"$0\"", kEchoServer};
  auto client = make_mcp_client(slow, std::chrono::seconds(1));
  auto said = client->call_tool("echo", {{"text", "late"}});
  ASSERT_TRUE(said.ok()) << said.status().message();
  EXPECT_EQ(said->text, "echo: late");
}

TEST(McpStdioClient, AServerThatExitsMidCallIsAFailureAndIsStartedAgain) {
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(20));
  auto crashed = client->call_tool("crash", Json::object());
  ASSERT_FALSE(crashed.ok());
  EXPECT_EQ(crashed.status().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(crashed.status().message(), "MCP server 'echo' exited with status 3 during tools/call");
  auto again = client->call_tool("echo", {{"text", "back"}});
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->text, "echo: back");
}

TEST(McpStdioClient, AServerThatClosesItsOutputButLivesOnIsAFailureNotAWaitForever) {
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(20));
  auto muted = client->call_tool("mute", Json::object());
  ASSERT_FALSE(muted.ok());
  EXPECT_EQ(muted.status().message(), "MCP server 'echo' closed its output during tools/call");
  EXPECT_TRUE(client->call_tool("echo", {{"text", "x"}}).ok());
}

TEST(McpStdioClient, JunkOnStdoutIsAFailure) {
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(20));
  auto junk = client->call_tool("junk", Json::object());
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.status().message(), "MCP server 'echo' wrote something that is not JSON-RPC on stdout");
  EXPECT_TRUE(client->call_tool("echo", {{"text", "x"}}).ok());
}

TEST(McpStdioClient, AnUnknownToolIsTheServersRefusalAndACommandThatCannotStartIsNamed) {
  auto client = make_mcp_client(echo_stdio(), std::chrono::seconds(20));
  auto unknown = client->call_tool("nope", Json::object());
  // The SDK (1.32) answers an unknown tool as an isError result.
  ASSERT_TRUE(unknown.ok()) << unknown.status().message();
  EXPECT_TRUE(unknown->is_error);
  EXPECT_NE(unknown->text.find("Tool nope not found"), std::string::npos) << unknown->text;
  McpServerConfig missing = echo_stdio();
  missing.command = "/nonexistent/mcp-server";
  auto none = make_mcp_client(missing, std::chrono::seconds(5))->list_tools();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("MCP server 'echo'"), std::string::npos) << none.status().message();
}

// The SDK server over streamable HTTP on loopback, started and stopped by the test.
class McpHttpClient : public ::testing::Test {
 protected:
  void SetUp() override {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::setenv("MEMGPT_NODE_MODULES", kNodeModules.c_str(), 1);
      ::execlp("node", "node", kEchoServer.c_str(), "--http", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[256];
    std::smatch m;
    while (!std::regex_search(text, m, std::regex("listening on (\\d+)"))) {
      ssize_t n = ::read(out[0], buf, sizeof buf);
      ASSERT_GT(n, 0) << "the echo server did not start: " << text;
      text.append(buf, static_cast<size_t>(n));
    }
    ::close(out[0]);
    config_.name = "echo-http";
    config_.type = "streamable_http";
    config_.url = "http://127.0.0.1:" + m[1].str() + "/mcp";
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid_ = -1;
  McpServerConfig config_;
};

TEST_F(McpHttpClient, ListsCallsAndTimesOut) {
  auto client = make_mcp_client(config_, std::chrono::seconds(3));
  auto tools = client->list_tools();
  ASSERT_TRUE(tools.ok()) << tools.status().message();
  EXPECT_EQ(names_of(*tools), (std::vector<std::string>{"crash", "echo", "fail", "hang", "junk", "mute"}));
  auto said = client->call_tool("echo", {{"text", "over http"}});
  ASSERT_TRUE(said.ok()) << said.status().message();
  EXPECT_EQ(said->text, "echo: over http");
  auto hung = client->call_tool("hang", Json::object());
  ASSERT_FALSE(hung.ok());
  EXPECT_EQ(hung.status().code(), ErrorCode::kTimeout);
  EXPECT_TRUE(client->call_tool("echo", {{"text", "x"}}).ok());
}

TEST(McpHttpClientDown, ANobodyListeningServerIsUnavailable) {
  McpServerConfig c;
  c.name = "gone";
  c.type = "streamable_http";
  c.url = "http://127.0.0.1:9/mcp";
  auto r = make_mcp_client(c, std::chrono::seconds(3))->list_tools();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "MCP server 'gone' cannot be reached");
}

TEST(McpServerRegistry, AddListGetRemoveWithSecretsKeptOnlyInTheFile) {
  testing::ScopedHome home;
  McpServerRegistry registry;
  EXPECT_TRUE(registry.list()->empty());
  McpServerConfig c = echo_stdio();
  c.env["TOKEN"] = "s3cret";
  ASSERT_TRUE(registry.add(c).ok());
  EXPECT_EQ(registry.add(c).code(), ErrorCode::kAlreadyExists);
  McpServerConfig bad = c;
  bad.name = "has space";
  EXPECT_EQ(registry.add(bad).code(), ErrorCode::kInvalidArgument);
  auto got = registry.get("echo");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->args, c.args);
  EXPECT_EQ(got->env.at("TOKEN"), "s3cret");
  EXPECT_EQ(config_json(*got, false)["env"]["TOKEN"], nullptr);
  EXPECT_EQ(registry.get("other").status().message(), "no MCP server 'other' (registered: echo)");
  ASSERT_TRUE(registry.remove("echo").ok());
  EXPECT_EQ(registry.remove("echo").code(), ErrorCode::kNotFound);
}

TEST(McpServerConfigJson, LettasShapesAreReadAndBadOnesRefused) {
  auto http = config_from_json({{"server_name", "web"}, {"type", "streamable_http"}, {"server_url", "https://x.example/mcp"},
                                {"custom_headers", {{"Authorization", "Bearer t"}}}});
  ASSERT_TRUE(http.ok()) << http.status().message();
  EXPECT_EQ(http->headers.at("Authorization"), "Bearer t");
  EXPECT_FALSE(config_from_json({{"server_name", "x"}, {"type", "stdio"}}).ok());
  EXPECT_FALSE(config_from_json({{"server_name", "x"}, {"type", "streamable_http"}, {"server_url", "file:///etc"}}).ok());
  EXPECT_FALSE(config_from_json({{"server_name", "x"}, {"command", "a"}, {"args", {1}}}).ok());
  EXPECT_FALSE(config_from_json({{"server_name", "x"}, {"type", "sse"}, {"server_url", "http://a"}}).ok());
}

}  // namespace
}  // namespace memgpt::mcp
