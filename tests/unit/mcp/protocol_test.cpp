// The MCP dispatcher as a client sees it: JSON-RPC framing and errors, version negotiation,
// tools/list and tools/call (argument checks against the input schema, tool failures as
// isError results), and the stdio transport's framing.
#include <gtest/gtest.h>

#include <sstream>

#include "mcp/protocol.h"
#include "mcp/stdio.h"

namespace memgpt::mcp {
namespace {

// A provider with one tool that echoes its text (or fails when told to).
class EchoTools : public ToolProvider {
 public:
  const std::vector<Tool>& tools() const override {
    static const std::vector<Tool> tools = {
        {"echo", "Echo", "Says the text back.",
         {{"type", "object"},
          {"properties",
           {{"text", {{"type", "string"}, {"minLength", 1}}},
            {"times", {{"type", "integer"}, {"minimum", 1}, {"maximum", 3}}},
            {"mode", {{"type", "string"}, {"enum", {"plain", "loud"}}}},
            {"fail", {{"type", "boolean"}}}}},
          {"required", {"text"}}},
         true}};
    return tools;
  }
  ToolResult call(const std::string&, const Json& arguments) override {
    ++calls;
    if (arguments.value("fail", false)) return {"the echo broke", Json(), true};
    return {arguments["text"].get<std::string>(), {{"echoed", arguments["text"]}}, false};
  }
  int calls = 0;
};

class DispatcherTest : public ::testing::Test {
 protected:
  Json send(const Json& message) {
    auto answer = dispatcher_.handle_text(message.dump());
    return answer ? parse_json_or_discarded(*answer) : Json();
  }
  Json call(const Json& arguments, const std::string& name = "echo") {
    return send({{"jsonrpc", "2.0"}, {"id", 7}, {"method", "tools/call"}, {"params", {{"name", name}, {"arguments", arguments}}}});
  }
  EchoTools tools_;
  Dispatcher dispatcher_{tools_, {"memgpt", "", "1.0", "use the tools"}};
};

TEST_F(DispatcherTest, InitializeAgreesOnTheClientsVersionWhenSupported) {
  Json r = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"},
                 {"params", {{"protocolVersion", "2025-03-26"}, {"capabilities", Json::object()}, {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-03-26");
  EXPECT_EQ(r["result"]["capabilities"], Json({{"tools", Json::object()}}));
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "memgpt");
  EXPECT_EQ(r["result"]["instructions"], "use the tools");
  EXPECT_EQ(dispatcher_.protocol_version(), "2025-03-26");
}

TEST_F(DispatcherTest, InitializeOffersTheLatestVersionForAnUnknownOne) {
  Json r = send({{"jsonrpc", "2.0"}, {"id", "a"}, {"method", "initialize"}, {"params", {{"protocolVersion", "1999-01-01"}}}});
  EXPECT_EQ(r["id"], "a");
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
}

TEST_F(DispatcherTest, InitializeWithoutAVersionIsInvalidParams) {
  Json r = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", Json::object()}});
  EXPECT_EQ(r["error"]["code"], kInvalidParams);
}

TEST_F(DispatcherTest, NotificationsAndResponsesGetNoAnswer) {
  EXPECT_FALSE(dispatcher_.handle_text(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_FALSE(dispatcher_.handle_text(R"({"jsonrpc":"2.0","method":"notifications/whatever","params":{}})"));
  EXPECT_FALSE(dispatcher_.handle_text(R"({"jsonrpc":"2.0","id":5,"result":{}})"));
}

TEST_F(DispatcherTest, PingAnswersAnEmptyResult) {
  Json r = send({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "ping"}});
  EXPECT_EQ(r["result"], Json::object());
}

TEST_F(DispatcherTest, JsonRpcErrorsHaveTheirCodes) {
  Json parse = parse_json_or_discarded(*dispatcher_.handle_text("{not json"));
  EXPECT_EQ(parse["error"]["code"], kParseError);
  EXPECT_TRUE(parse["id"].is_null());
  EXPECT_EQ(send({{"id", 1}, {"method", "ping"}})["error"]["code"], kInvalidRequest);        // no jsonrpc
  EXPECT_EQ(send({{"jsonrpc", "1.0"}, {"id", 1}, {"method", "ping"}})["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"id", 1}})["error"]["code"], kInvalidRequest);         // no method
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 3}})["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"id", Json::object()}, {"method", "ping"}})["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(Json::array())["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(42)["error"]["code"], kInvalidRequest);
  Json unknown = send({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "resources/list"}});
  EXPECT_EQ(unknown["error"]["code"], kMethodNotFound);
  EXPECT_EQ(unknown["id"], 9);
  EXPECT_EQ(send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}, {"params", 3}})["error"]["code"], kInvalidParams);
}

TEST_F(DispatcherTest, TooDeepJsonIsAParseError) {
  std::string deep(100000, '[');
  Json r = parse_json_or_discarded(*dispatcher_.handle_text(deep));
  EXPECT_EQ(r["error"]["code"], kParseError);
}

TEST_F(DispatcherTest, ABatchGetsOneAnswerPerRequest) {
  Json r = send(Json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}},
                             {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}},
                             {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "nope"}}}));
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0]["id"], 1);
  EXPECT_EQ(r[1]["error"]["code"], kMethodNotFound);
}

TEST_F(DispatcherTest, ToolsListShowsNameDescriptionSchemaAndHints) {
  Json r = send({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/list"}});
  ASSERT_EQ(r["result"]["tools"].size(), 1u);
  const Json& t = r["result"]["tools"][0];
  EXPECT_EQ(t["name"], "echo");
  EXPECT_EQ(t["title"], "Echo");
  EXPECT_EQ(t["description"], "Says the text back.");
  EXPECT_EQ(t["inputSchema"]["required"], Json::array({"text"}));
  EXPECT_EQ(t["annotations"]["readOnlyHint"], true);
}

TEST_F(DispatcherTest, ACallAnswersTextAndStructuredContent) {
  Json r = call({{"text", "hi"}});
  EXPECT_EQ(r["id"], 7);
  EXPECT_EQ(r["result"]["isError"], false);
  EXPECT_EQ(r["result"]["content"][0], Json({{"type", "text"}, {"text", "hi"}}));
  EXPECT_EQ(r["result"]["structuredContent"]["echoed"], "hi");
}

TEST_F(DispatcherTest, AFailingToolIsAnErrorResultNotAProtocolError) {
  Json r = call({{"text", "hi"}, {"fail", true}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_EQ(r["result"]["content"][0]["text"], "the echo broke");
}

TEST_F(DispatcherTest, ArgumentsTheSchemaRefusesNeverReachTheTool) {
  struct Case {
    Json arguments;
    std::string says;
  } cases[] = {
      {Json::object(), "'text' is required"},
      {{{"text", 5}}, "'text' must be a string, not an integer"},
      {{{"text", ""}}, "'text' cannot be empty"},
      {{{"text", "a"}, {"times", 0}}, "'times' must be at least 1"},
      {{{"text", "a"}, {"times", 4}}, "'times' must be at most 3"},
      {{{"text", "a"}, {"times", 1.5}}, "'times' must be an integer"},
      {{{"text", "a"}, {"mode", "quiet"}}, "'mode' must be one of \"plain\", \"loud\""},
      {{{"text", "a"}, {"colour", "red"}}, "unknown argument 'colour'"},
  };
  for (const auto& c : cases) {
    Json r = call(c.arguments);
    EXPECT_EQ(r["result"]["isError"], true) << c.arguments.dump();
    std::string text = r["result"]["content"][0]["text"];
    EXPECT_NE(text.find(c.says), std::string::npos) << text;
    EXPECT_EQ(text.rfind("invalid arguments for echo: ", 0), 0u) << text;
  }
  EXPECT_EQ(tools_.calls, 0);
}

TEST_F(DispatcherTest, UnknownToolsAndMalformedCallsAreInvalidParams) {
  Json unknown = call({{"text", "a"}}, "rm_rf");
  EXPECT_EQ(unknown["error"]["code"], kInvalidParams);
  EXPECT_EQ(unknown["error"]["message"], "unknown tool: rm_rf");
  Json no_name = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", Json::object()}});
  EXPECT_EQ(no_name["error"]["code"], kInvalidParams);
  Json bad_args = send({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", "echo"}, {"arguments", "x"}}}});
  EXPECT_EQ(bad_args["error"]["code"], kInvalidParams);
}

TEST(StdioTransport, AnswersEachRequestLineOnOneLineAndSkipsNotifications) {
  EchoTools tools;
  Dispatcher dispatcher(tools, {});
  std::istringstream in(
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n"
      "\n"
      "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\r\n"
      "garbage\n"
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"a\\nb\"}}}");
  std::ostringstream out;
  serve_stdio(dispatcher, in, out);
  std::istringstream lines(out.str());
  std::vector<Json> answers;
  for (std::string line; std::getline(lines, line);) answers.push_back(parse_json_or_discarded(line));
  ASSERT_EQ(answers.size(), 3u) << out.str();
  EXPECT_EQ(answers[0]["id"], 1);
  EXPECT_EQ(answers[1]["error"]["code"], kParseError);
  EXPECT_EQ(answers[2]["result"]["content"][0]["text"], "a\nb");
}

TEST(StdioTransport, ALineOverTheLimitIsAParseErrorAndTheNextLineStillWorks) {
  EchoTools tools;
  Dispatcher dispatcher(tools, {});
  std::istringstream in(std::string(5000, 'x') + "\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n");
  std::ostringstream out;
  serve_stdio(dispatcher, in, out, 1024);
  std::istringstream lines(out.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(parse_json_or_discarded(first)["error"]["code"], kParseError);
  EXPECT_EQ(parse_json_or_discarded(second)["id"], 1);
}

}  // namespace
}  // namespace memgpt::mcp
