// Another MCP server's tools in an agent's step, through the memgpt binary only: a real server
// built with the official SDK (tests/support/mcp/echo_server.mjs) registered in the home, its
// tools attached to an agent, and the scripted LLM on loopback calling them. A tool's answer
// reaches the next request; a tool that hangs or a server that crashes is a failed function the
// model reads, and the step (and the turn) still completes.
#include <gtest/gtest.h>

#include "scripted_llm.h"
#include "server_fixture.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

class McpAttach : public ::testing::Test {
 protected:
  void start(Json replies) {
    llm_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    llm_->start();
    auto c = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                  llm_->base_url(), "--openai-key", "sk-test", "--archival-storage", "milvus", "--archival-uri",
                  home_.file("milvus.db")});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    const std::string modules = std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules";
    const std::string script = std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs";
    auto add = run({"mcp", "add", "tools", "--env", "MEMGPT_NODE_MODULES=" + modules, "--", "node", script});
    ASSERT_EQ(add.exit_code, 0) << add.err;
    // The agent exists before anything is attached (creating it calls no model).
    auto created = run({"run", "--agent", "bob", "-y", "--first", "--no-verify"});
    ASSERT_EQ(created.exit_code, 0) << created.err << created.out;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home_.path(), args, testing::with_input(input));
  }
  static Json call(const std::string& tool, Json args) {
    return {{"content", "Calling " + tool + "."}, {"tool", tool}, {"arguments", args}};
  }
  // The function result the model received last in request `i`.
  std::string last_tool_result(size_t i) {
    auto reqs = llm_->requests();
    if (i >= reqs.size()) return "(no request " + std::to_string(i) + ")";
    const Json& msgs = reqs[i]["messages"];
    for (auto it = msgs.rbegin(); it != msgs.rend(); ++it) {
      if ((*it)["role"] == "tool") return (*it)["content"].get<std::string>();
    }
    return "(no tool message)";
  }
  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> llm_;
};

TEST_F(McpAttach, AnAttachedToolIsCalledInAStepAndItsAnswerReachesTheNextRequest) {
  start(Json::array({call("echo", {{"text", "hello from the agent"}, {"request_heartbeat", true}}),
                     call("send_message", {{"message", "The echo answered."}})}));
  auto attach = run({"mcp", "attach", "--agent", "bob", "tools", "echo"});
  ASSERT_EQ(attach.exit_code, 0) << attach.err;
  EXPECT_EQ(attach.out, "Attached mcp:tools:echo to agent 'bob' (the model calls it as 'echo').\n");

  auto r = run({"run", "--agent", "bob", "--no-verify"}, "Please use the echo tool.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("The echo answered."), std::string::npos) << r.out;

  auto reqs = llm_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  // The model was offered the tool with the server's schema, beside the built-in functions.
  Json offered;
  for (const auto& t : reqs[0]["tools"]) {
    if (t["function"]["name"] == "echo") offered = t["function"];
  }
  ASSERT_FALSE(offered.is_null()) << reqs[0]["tools"].dump();
  EXPECT_EQ(offered["parameters"]["properties"]["text"]["type"], "string");
  EXPECT_EQ(offered["parameters"]["required"], Json::array({"text"}));
  std::string result = last_tool_result(1);
  EXPECT_NE(result.find("\"status\":\"OK\""), std::string::npos) << result;
  EXPECT_NE(result.find("echo: hello from the agent"), std::string::npos) << result;
  EXPECT_TRUE(llm_->violations().empty());
}

TEST_F(McpAttach, AHangingToolAndACrashingServerAreFunctionFailuresTheModelReads) {
  start(Json::array({call("hang", {{"request_heartbeat", true}}), call("crash", {{"request_heartbeat", true}}),
                     call("send_message", {{"message", "Both tools failed."}})}));
  ASSERT_EQ(run({"mcp", "attach", "--agent", "bob", "--timeout", "2", "tools", "hang"}).exit_code, 0);
  ASSERT_EQ(run({"mcp", "attach", "--agent", "bob", "tools", "crash"}).exit_code, 0);

  auto r = run({"run", "--agent", "bob", "--no-verify"}, "Try the tools.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("Both tools failed."), std::string::npos) << r.out;
  ASSERT_EQ(llm_->requests().size(), 3u);
  std::string hung = last_tool_result(1);
  EXPECT_NE(hung.find("\"status\":\"Failed\""), std::string::npos) << hung;
  EXPECT_NE(hung.find("MCP server 'tools' did not answer tools/call within 2"), std::string::npos) << hung;
  std::string crashed = last_tool_result(2);
  EXPECT_NE(crashed.find("\"status\":\"Failed\""), std::string::npos) << crashed;
  EXPECT_NE(crashed.find("MCP server 'tools' exited"), std::string::npos) << crashed;
}

TEST_F(McpAttach, AttachRefusesBuiltinNamesAndUnknownToolsAndDeletingTheAgentForgetsItsTools) {
  start(Json::array());
  // A tool named like a built-in function would shadow it: refused.
  auto listed = run({"mcp", "attached", "--agent", "bob"});
  EXPECT_EQ(listed.out, "Agent 'bob' has no MCP tools (memgpt mcp attach --agent NAME SERVER TOOL).\n");
  auto unknown = run({"mcp", "attach", "--agent", "bob", "tools", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("MCP server 'tools' has no tool 'nope'"), std::string::npos) << unknown.err;
  auto builtin = run({"mcp", "attach", "--agent", "bob", "tools", "send_message"});
  EXPECT_EQ(builtin.exit_code, 1);
  EXPECT_NE(builtin.err.find("'send_message' is the name of a built-in function"), std::string::npos) << builtin.err;
  auto no_agent = run({"mcp", "attach", "--agent", "nobody", "tools", "echo"});
  EXPECT_EQ(no_agent.exit_code, 1);

  ASSERT_EQ(run({"mcp", "attach", "--agent", "bob", "tools", "echo"}).exit_code, 0);
  auto twice = run({"mcp", "attach", "--agent", "bob", "tools", "echo"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_NE(twice.err.find("mcp:tools:echo is already attached"), std::string::npos) << twice.err;
  auto json = run({"mcp", "attached", "--agent", "bob", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  Json tools = parse_json_or_discarded(json.out);
  ASSERT_EQ(tools.size(), 1u) << json.out;
  EXPECT_EQ(tools[0]["id"], "mcp:tools:echo");

  EXPECT_EQ(run({"mcp", "detach", "--agent", "bob", "tools", "echo"}).exit_code, 0);
  EXPECT_EQ(parse_json_or_discarded(run({"mcp", "attached", "--agent", "bob", "--json"}).out), Json::array());
  auto again = run({"mcp", "detach", "--agent", "bob", "tools", "echo"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("mcp:tools:echo is not attached"), std::string::npos) << again.err;

  // Deleting the agent forgets its tools.
  ASSERT_EQ(run({"mcp", "attach", "--agent", "bob", "tools", "echo"}).exit_code, 0);
  EXPECT_NE(testing::read_text(home_.file("mcp_attachments.json")).find("\"echo\""), std::string::npos);
  auto deleted = run({"delete", "agent", "bob"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(parse_json_or_discarded(testing::read_text(home_.file("mcp_attachments.json")))["agents"], Json::object());
}

TEST_F(McpAttach, TheReplAttachesAToolTheModelCallsOnTheNextStepAndDetachesIt) {
  start(Json::array({call("echo", {{"text", "from the repl"}, {"request_heartbeat", true}}),
                     call("send_message", {{"message", "The echo answered."}})}));
  auto r = run({"run", "--agent", "bob", "--no-verify"},
               "/help\n/mcp servers\n/mcp tools tools\n/mcp attach tools echo\n/mcp\nPlease use the echo tool.\n"
               "/mcp detach mcp:tools:echo\n/mcp attached\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  // /help lists the /mcp commands beside the others.
  EXPECT_NE(r.out.find("/mcp attach SRV TOOL"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/attach [NAME]"), std::string::npos) << r.out;
  // /mcp servers and /mcp tools SERVER show what there is to attach.
  EXPECT_NE(r.out.find("stdio"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hang"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Attached mcp:tools:echo to agent 'bob' (the model calls it as 'echo').\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("The echo answered."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Detached mcp:tools:echo from agent 'bob'.\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Agent 'bob' has no MCP tools (/mcp attach SERVER TOOL).\n"), std::string::npos) << r.out;
  // The model was offered the tool attached in this session and its answer came back.
  auto reqs = llm_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0]["tools"].dump().find("\"echo\""), std::string::npos);
  EXPECT_NE(last_tool_result(1).find("echo: from the repl"), std::string::npos) << last_tool_result(1);
  // The CLI sees what the REPL did (one store of attachments).
  EXPECT_EQ(parse_json_or_discarded(run({"mcp", "attached", "--agent", "bob", "--json"}).out), Json::array());
}

TEST_F(McpAttach, TheReplAnswersAnUnknownServerOrToolWithOneLineAndAScriptStops) {
  start(Json::array());
  auto server = run({"run", "--agent", "bob", "--no-verify"}, "/mcp attach nowhere echo\n/mcp\n");
  EXPECT_EQ(server.exit_code, 1);
  EXPECT_EQ(server.err, "error: no MCP server 'nowhere' (registered: tools)\n");
  EXPECT_EQ(server.out.find("has no MCP tools"), std::string::npos) << server.out;  // the script stopped
  auto tool = run({"run", "--agent", "bob", "--no-verify"}, "/mcp attach tools nope\n");
  EXPECT_EQ(tool.exit_code, 1);
  EXPECT_EQ(tool.err, "error: MCP server 'tools' has no tool 'nope'\n");
  auto usage = run({"run", "--agent", "bob", "--no-verify"}, "/mcp attach tools\n");
  EXPECT_EQ(usage.exit_code, 1);
  EXPECT_EQ(usage.err, "error: usage: /mcp attach SERVER TOOL (`/mcp tools SERVER` lists a server's tools)\n");
  auto verb = run({"run", "--agent", "bob", "--no-verify"}, "/mcp frobnicate\n");
  EXPECT_EQ(verb.exit_code, 1);
  EXPECT_EQ(verb.err, "error: unknown /mcp command 'frobnicate' (known: attached, servers, tools, attach, detach)\n");
}

class McpAttachServer : public e2e::ServerFixture {};

TEST_F(McpAttachServer, PatchAttachesAToolThatTheAgentCallsAndItSurvivesARestart) {
  start_llm(Json::array({{{"content", "Echoing."}, {"tool", "echo"}, {"arguments", {{"text", "over http"}, {"request_heartbeat", true}}}},
                         e2e::say("Done.")}));
  configure();
  const std::string modules = std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules";
  const std::string script = std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs";
  auto add = testing::run_memgpt(home_.path(), {"mcp", "add", "tools", "--env", "MEMGPT_NODE_MODULES=" + modules, "--", "node", script});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  std::string id;
  {
    auto server = start_server("s3cret");
    e2e::Api api(server->port(), "s3cret");
    id = create_agent(api, "bob");
    auto attached = api.call("PATCH", "/v1/agents/" + id + "/tools/attach/mcp:tools:echo");
    ASSERT_EQ(attached.status, 200) << attached.body.dump();
    bool listed = false;
    for (const auto& t : attached.body["tools"]) listed |= t["id"] == "mcp:tools:echo" && t["tool_type"] == "external_mcp";
    EXPECT_TRUE(listed) << attached.body["tools"].dump();
    EXPECT_EQ(api.call("PATCH", "/v1/agents/" + id + "/tools/attach/mcp:tools:nope").status, 404);
    EXPECT_EQ(api.call("PATCH", "/v1/agents/" + id + "/tools/attach/mcp:tools:echo").status, 409);
    EXPECT_EQ(api.call("PATCH", "/v1/agents/" + id + "/tools/attach/tool-echo").status, 404);

    auto sent = api.post("/v1/agents/" + id + "/messages", {{"input", "echo something"}});
    ASSERT_EQ(sent.status, 200) << sent.body.dump();
    auto reqs = llm_->requests();
    ASSERT_EQ(reqs.size(), 2u);
    const Json& msgs = reqs[1]["messages"];
    std::string result = msgs[msgs.size() - 2]["content"];
    EXPECT_NE(result.find("echo: over http"), std::string::npos) << result;
  }
  // Another server process on the same home still has the tool; detaching removes it.
  auto server = start_server("s3cret");
  e2e::Api api(server->port(), "s3cret");
  auto tools = api.get("/v1/agents/" + id + "/tools");
  ASSERT_EQ(tools.status, 200);
  EXPECT_NE(tools.body.dump().find("mcp:tools:echo"), std::string::npos) << tools.body.dump();
  auto detached = api.call("PATCH", "/v1/agents/" + id + "/tools/detach/mcp:tools:echo");
  ASSERT_EQ(detached.status, 200) << detached.body.dump();
  EXPECT_EQ(detached.body["tools"].dump().find("mcp:tools:echo"), std::string::npos);
  EXPECT_EQ(api.call("PATCH", "/v1/agents/" + id + "/tools/detach/mcp:tools:echo").status, 404);
}

}  // namespace
}  // namespace memgpt
