// MCP's streamable HTTP transport at /mcp, called through the server's router: sessions, the
// headers the specification asks for, auth as /v1, and the memory tools on a real home (SQLite,
// embedded Milvus file, the scripted LLM on loopback).
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace memgpt::server {
namespace {

class McpRoutesTest : public RoutesTest {
 protected:
  Reply post(const Json& message, const std::string& session = "", const std::string& token = kPassword,
             const std::string& accept = "application/json, text/event-stream") {
    http::Request req;
    req.method = "POST";
    req.path = "/mcp";
    req.body = message.dump();
    req.headers.emplace("Content-Type", "application/json");
    if (!accept.empty()) req.headers.emplace("Accept", accept);
    if (!session.empty()) req.headers.emplace("Mcp-Session-Id", session);
    if (!token.empty()) req.headers.emplace("Authorization", "Bearer " + token);
    return finish(req);
  }
  static Json initialize_message() {
    return {{"jsonrpc", "2.0"}, {"id", 0}, {"method", "initialize"},
            {"params", {{"protocolVersion", "2025-06-18"}, {"capabilities", Json::object()}, {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
  }
  std::string initialize(const std::string& token = kPassword) {
    Reply r = post(initialize_message(), "", token);
    EXPECT_EQ(r.status, 200) << r.raw.body;
    auto it = r.raw.headers.find("Mcp-Session-Id");
    EXPECT_NE(it, r.raw.headers.end());
    return it == r.raw.headers.end() ? "" : it->second;
  }
  Json call_tool(const std::string& session, const std::string& name, const Json& arguments,
                 const std::string& token = kPassword) {
    Reply r = post({{"jsonrpc", "2.0"}, {"id", ++id_}, {"method", "tools/call"},
                    {"params", {{"name", name}, {"arguments", arguments}}}},
                   session, token);
    EXPECT_EQ(r.status, 200) << r.raw.body;
    return r.body;
  }
  static std::string text_of(const Json& answer) { return answer["result"]["content"][0].value("text", ""); }
  int id_ = 0;
};

TEST_F(McpRoutesTest, InitializeIssuesASessionThatLaterRequestsMustName) {
  start();
  std::string session = initialize();
  ASSERT_FALSE(session.empty());
  Reply initialized = post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session);
  EXPECT_EQ(initialized.status, 202);
  Reply list = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}}, session);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.raw.content_type, "application/json");
  EXPECT_GE(list.body["result"]["tools"].size(), 10u);

  Reply without = post({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  EXPECT_EQ(without.status, 400);
  EXPECT_EQ(without.body["error"]["code"], -32600);
  Reply unknown = post({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/list"}}, "not-a-session");
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(McpRoutesTest, DeleteEndsTheSessionAndGetIsNotOffered) {
  start();
  std::string session = initialize();
  http::Request get;
  get.method = "GET";
  get.path = "/mcp";
  get.headers.emplace("Authorization", std::string("Bearer ") + kPassword);
  get.headers.emplace("Mcp-Session-Id", session);
  Reply g = finish(get);
  EXPECT_EQ(g.status, 405);
  EXPECT_EQ(g.raw.headers.find("Allow")->second, "POST, DELETE");

  http::Request del = get;
  del.method = "DELETE";
  EXPECT_EQ(finish(del).status, 200);
  EXPECT_EQ(finish(del).status, 404);
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, session).status, 404);
}

TEST_F(McpRoutesTest, SameAuthAsTheRestApiAndSessionsStayWithTheirUser) {
  start();
  EXPECT_EQ(post(initialize_message(), "", "").status, 401);
  EXPECT_EQ(post(initialize_message(), "", "wrong").status, 401);
  std::string session = initialize();
  std::string key = new_user_key("bob");
  // Bob cannot use the operator's session, even knowing its id.
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, session, key).status, 404);
  // And sees only his own agents.
  new_agent("operators-agent");
  std::string bobs = initialize(key);
  Json agents = call_tool(bobs, "list_agents", Json::object(), key);
  EXPECT_TRUE(agents["result"]["structuredContent"]["agents"].empty()) << agents.dump();
  Json other = call_tool(bobs, "core_memory_read", {{"agent", "operators-agent"}}, key);
  EXPECT_EQ(other["result"]["isError"], true);
}

TEST_F(McpRoutesTest, AnswersAsServerSentEventsWhenTheClientAcceptsOnlyThose) {
  start();
  std::string session = initialize();
  Reply r = post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, session, kPassword, "text/event-stream");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.raw.content_type, "text/event-stream");
  EXPECT_EQ(r.raw.body, "event: message\ndata: {\"id\":1,\"jsonrpc\":\"2.0\",\"result\":{}}\n\n");
  EXPECT_EQ(post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, session, kPassword, "text/html").status, 406);
}

TEST_F(McpRoutesTest, BadBodiesVersionsAndOriginsAreRefused) {
  start();
  std::string session = initialize();
  http::Request req;
  req.method = "POST";
  req.path = "/mcp";
  req.body = "{\"jsonrpc\": ";
  req.headers.emplace("Authorization", std::string("Bearer ") + kPassword);
  req.headers.emplace("Mcp-Session-Id", session);
  Reply bad = finish(req);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["error"]["code"], -32700);

  req.body = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  req.headers.emplace("MCP-Protocol-Version", "2024-01-01");
  EXPECT_EQ(finish(req).status, 400);
  req.headers.erase("MCP-Protocol-Version");
  req.headers.emplace("MCP-Protocol-Version", "2025-06-18");
  EXPECT_EQ(finish(req).status, 200);
  req.headers.emplace("Origin", "https://evil.example");
  EXPECT_EQ(finish(req).status, 403);
}

TEST_F(McpRoutesTest, CoreMemoryToolsReadAndEditWithinTheBlockLimits) {
  start();
  std::string agent = new_agent("ada");
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/core-memory/blocks/human", {{"value", "Name: Ada"}}).status, 200);
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/core-memory/blocks/human", {{"limit", 40}}).status, 200);
  std::string session = initialize();
  Json read = call_tool(session, "core_memory_read", {{"agent", "ada"}, {"label", "human"}});
  EXPECT_EQ(read["result"]["structuredContent"]["blocks"][0]["value"], "Name: Ada");
  EXPECT_EQ(read["result"]["structuredContent"]["blocks"][0]["limit"], 40);

  Json appended = call_tool(session, "core_memory_append", {{"agent", agent}, {"label", "human"}, {"content", "Likes tea"}});
  EXPECT_EQ(appended["result"]["isError"], false) << appended.dump();
  EXPECT_EQ(appended["result"]["structuredContent"]["block"]["value"], "Name: Ada\nLikes tea");
  Json replaced = call_tool(session, "core_memory_replace",
                            {{"agent", "ada"}, {"label", "human"}, {"old_content", "tea"}, {"new_content", "coffee"}});
  EXPECT_EQ(replaced["result"]["structuredContent"]["block"]["value"], "Name: Ada\nLikes coffee");

  Json over = call_tool(session, "core_memory_append", {{"agent", "ada"}, {"label", "human"}, {"content", std::string(50, 'x')}});
  EXPECT_EQ(over["result"]["isError"], true);
  EXPECT_NE(text_of(over).find("limit"), std::string::npos) << text_of(over);
  Json missing = call_tool(session, "core_memory_replace",
                           {{"agent", "ada"}, {"label", "human"}, {"old_content", "whisky"}, {"new_content", "x"}});
  EXPECT_EQ(missing["result"]["isError"], true);
  Json no_block = call_tool(session, "core_memory_set", {{"agent", "ada"}, {"label", "pets"}, {"value", "x"}});
  EXPECT_EQ(no_block["result"]["isError"], true);
  EXPECT_EQ(text_of(no_block), "agent 'ada' has no memory block 'pets'");

  // What the tools wrote is what the REST API (and the agent) sees.
  Reply block = call("GET", "/v1/agents/" + agent + "/core-memory/blocks/human");
  EXPECT_EQ(block.body["value"], "Name: Ada\nLikes coffee");
}

TEST_F(McpRoutesTest, ArchivalInsertThenSearchFindsThePassage) {
  start();
  new_agent("ada");
  std::string session = initialize();
  Json inserted = call_tool(session, "archival_memory_insert", {{"agent", "ada"}, {"text", "The lighthouse keeper is Mira."}});
  EXPECT_EQ(inserted["result"]["isError"], false) << inserted.dump();
  EXPECT_EQ(inserted["result"]["structuredContent"]["ids"].size(), 1u);
  call_tool(session, "archival_memory_insert", {{"agent", "ada"}, {"text", "Bread rises with yeast."}});
  Json found = call_tool(session, "archival_memory_search", {{"agent", "ada"}, {"query", "lighthouse keeper"}, {"top_k", 1}});
  ASSERT_EQ(found["result"]["structuredContent"]["results"].size(), 1u) << found.dump();
  EXPECT_EQ(found["result"]["structuredContent"]["results"][0]["text"], "The lighthouse keeper is Mira.");
  EXPECT_EQ(found["result"]["structuredContent"]["total"], 2);
}

TEST_F(McpRoutesTest, SendMessageReturnsTheAgentsReplyAndConversationSearchFindsIt) {
  start(Json::array({say("Hello Ada, nice to meet you.")}));
  new_agent("ada");
  std::string session = initialize();
  Json sent = call_tool(session, "send_message", {{"agent", "ada"}, {"message", "Hi, I am Ada."}});
  EXPECT_EQ(sent["result"]["isError"], false) << sent.dump();
  EXPECT_EQ(text_of(sent), "Hello Ada, nice to meet you.");
  EXPECT_EQ(sent["result"]["structuredContent"]["steps"], 1);
  Json found = call_tool(session, "conversation_search", {{"agent", "ada"}, {"query", "i am ada"}});
  ASSERT_EQ(found["result"]["structuredContent"]["messages"].size(), 1u) << found.dump();
  EXPECT_EQ(found["result"]["structuredContent"]["messages"][0]["role"], "user");
  // A page past any conversation is refused by the schema (page * limit stays in range).
  Json far = call_tool(session, "conversation_search", {{"agent", "ada"}, {"query", "ada"}, {"page", 1000000000000000000}});
  EXPECT_EQ(far["result"]["isError"], true);
  EXPECT_NE(text_of(far).find("'page' must be at most 1000000"), std::string::npos) << text_of(far);
}

TEST_F(McpRoutesTest, TheInitializeQueryNamesTheSessionsDefaultAgent) {
  start();
  new_agent("ada");
  http::Request req;
  req.method = "POST";
  req.path = "/mcp";
  req.query.emplace("agent", "ada");
  req.body = initialize_message().dump();
  req.headers.emplace("Authorization", std::string("Bearer ") + kPassword);
  Reply r = finish(req);
  std::string session = r.raw.headers.find("Mcp-Session-Id")->second;
  Json read = call_tool(session, "core_memory_read", Json::object());
  EXPECT_EQ(read["result"]["isError"], false) << read.dump();
  Json none = call_tool(initialize(), "core_memory_read", Json::object());
  EXPECT_EQ(none["result"]["isError"], true);
  EXPECT_NE(text_of(none).find("name the agent"), std::string::npos);
}

TEST_F(McpRoutesTest, ListAndSearchSourcesThroughTheTools) {
  start();
  std::string session = initialize();
  Json sources = call_tool(session, "list_sources", Json::object());
  EXPECT_EQ(sources["result"]["isError"], false);
  EXPECT_TRUE(sources["result"]["structuredContent"]["sources"].empty());
  Json missing = call_tool(session, "search_source", {{"source", "docs"}, {"query", "x"}});
  EXPECT_EQ(missing["result"]["isError"], true);
  EXPECT_EQ(text_of(missing), "no data source named 'docs' (list_sources shows them)");
}

}  // namespace
}  // namespace memgpt::server

namespace memgpt::server {
namespace {

// The home's MCP servers through Letta's /v1/tools/mcp/servers routes, with a real server
// built with the official SDK (tests/support/mcp/echo_server.mjs) behind the tools listing.
TEST_F(RoutesTest, McpServersAreManagedByTheOperatorOnlyAndShownWithoutSecrets) {
  start();
  Json echo = {{"server_name", "echo"}, {"type", "stdio"}, {"command", "node"},
               {"args", {std::string(MEMGPT_SOURCE_DIR) + "/tests/support/mcp/echo_server.mjs"}},
               {"env", {{"MEMGPT_NODE_MODULES", std::string(MEMGPT_DEPS_CACHE) + "/node_e2e/node_modules"}}}};
  std::string key = new_user_key("bob");
  EXPECT_EQ(call("PUT", "/v1/tools/mcp/servers", echo, key).status, 403);
  EXPECT_EQ(call("GET", "/v1/tools/mcp/servers", nullptr, key).status, 403);

  Reply added = call("PUT", "/v1/tools/mcp/servers", echo);
  ASSERT_EQ(added.status, 200) << added.body.dump();
  EXPECT_EQ(added.body[0]["server_name"], "echo");
  EXPECT_EQ(added.body[0]["env"]["MEMGPT_NODE_MODULES"], nullptr);
  EXPECT_EQ(call("PUT", "/v1/tools/mcp/servers", echo).status, 409);
  EXPECT_EQ(call("PUT", "/v1/tools/mcp/servers", {{"server_name", "x"}, {"type", "stdio"}}).status, 422);

  Reply listed = call("GET", "/v1/tools/mcp/servers");
  EXPECT_EQ(listed.body["echo"]["command"], "node");
  Reply tools = call("GET", "/v1/tools/mcp/servers/echo/tools");
  ASSERT_EQ(tools.status, 200) << tools.body.dump();
  bool has_echo = false;
  for (const auto& t : tools.body) has_echo |= t["name"] == "echo" && t["inputSchema"]["properties"].contains("text");
  EXPECT_TRUE(has_echo) << tools.body.dump();
  EXPECT_EQ(call("GET", "/v1/tools/mcp/servers/nobody/tools").status, 404);

  Reply removed = call("DELETE", "/v1/tools/mcp/servers/echo");
  EXPECT_EQ(removed.status, 200);
  EXPECT_TRUE(removed.body.empty());
  EXPECT_EQ(call("DELETE", "/v1/tools/mcp/servers/echo").status, 404);
}

TEST_F(RoutesTest, AnMcpServerThatCannotStartIsABadGatewayNamingIt) {
  start();
  ASSERT_EQ(call("PUT", "/v1/tools/mcp/servers", {{"server_name", "gone"}, {"command", "/nonexistent/server"}}).status, 200);
  Reply tools = call("GET", "/v1/tools/mcp/servers/gone/tools");
  EXPECT_EQ(tools.status, 502);
  EXPECT_NE(tools.body.dump().find("MCP server 'gone'"), std::string::npos) << tools.body.dump();
}

}  // namespace
}  // namespace memgpt::server
