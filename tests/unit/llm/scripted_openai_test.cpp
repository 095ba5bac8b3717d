// The scripted OpenAI-compatible double refuses what the real Chat Completions API refuses,
// with the real API's status and error shape, and records it (so the tests that use the double
// fail on any request the real API would refuse). A double that accepted these would let
// request-building bugs through every other test.
#include <gtest/gtest.h>
#include <httplib.h>

#include "scripted_llm.h"

namespace memgpt::llm {
namespace {

using testing::ScriptedLlmServer;

Json valid_body() {
  return {{"model", "gpt-4o-mini"},
          {"messages", {{{"role", "system"}, {"content", "You are a test."}},
                        {{"role", "user"}, {"content", "hi"}}}},
          {"tools",
           {{{"type", "function"},
             {"function",
              {{"name", "send_message"},
               {"description", "say"},
               {"parameters", {{"type", "object"}, {"properties", Json::object()}}}}}}}},
          {"tool_choice", "auto"},
          {"parallel_tool_calls", false}};
}

Json with(Json body, const std::string& key, Json value) {
  body[key] = std::move(value);
  return body;
}

Json without(Json body, const std::string& key) {
  body.erase(key);
  return body;
}

Json call_message(const std::string& id) {
  return {{"role", "assistant"},
          {"content", nullptr},
          {"tool_calls",
           {{{"id", id},
             {"type", "function"},
             {"function", {{"name", "send_message"}, {"arguments", "{}"}}}}}}};
}

Json history(Json extra) {
  Json body = valid_body();
  for (auto& m : extra) body["messages"].push_back(std::move(m));
  return body;
}

struct Case {
  const char* name;
  Json body;
  const char* says;   // a piece of the error message
  const char* param;  // the error's param ("" = null)
};

std::vector<Case> invalid_requests() {
  Json tool_named_badly = valid_body();
  tool_named_badly["tools"][0]["function"]["name"] = "bad name!";
  Json call_without_type = call_message("call_1");
  call_without_type["tool_calls"][0].erase("type");
  Json object_arguments = call_message("call_1");
  object_arguments["tool_calls"][0]["function"]["arguments"] = Json::object();
  Json string_schema = valid_body();
  string_schema["tools"][0]["function"]["parameters"] = {{"type", "string"}};
  Json choice_unknown_tool = with(valid_body(), "tool_choice",
                                  {{"type", "function"}, {"function", {{"name", "launch"}}}});
  Json answer = {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "OK"}};
  Json stray_answer = {{"role", "tool"}, {"tool_call_id", "call_9"}, {"content", "OK"}};
  Json user = {{"role", "user"}, {"content", "next"}};
  return {
      {"unknown parameter", with(valid_body(), "bogus_param", 1),
       "Unrecognized request argument supplied: bogus_param", ""},
      {"tool name outside the pattern", tool_named_badly, "does not match pattern",
       "tools[0].function.name"},
      {"stream_options without stream",
       with(valid_body(), "stream_options", {{"include_usage", true}}),
       "only allowed when 'stream' is enabled", "stream_options"},
      {"tool_choice without tools", without(without(valid_body(), "tools"), "parallel_tool_calls"),
       "'tool_choice' is only allowed when 'tools' are specified", "tool_choice"},
      {"parallel_tool_calls without tools", without(without(valid_body(), "tools"), "tool_choice"),
       "'parallel_tool_calls' is only allowed when 'tools' are specified", "parallel_tool_calls"},
      {"temperature as a string", with(valid_body(), "temperature", "hot"),
       "Invalid type for 'temperature': expected a decimal, but got a string", "temperature"},
      {"temperature out of range", with(valid_body(), "temperature", 3), "between 0 and 2",
       "temperature"},
      {"max_tokens as a decimal", with(valid_body(), "max_tokens", 1.5), "expected an integer",
       "max_tokens"},
      {"stream as a string", with(valid_body(), "stream", "yes"), "expected a boolean", "stream"},
      {"missing model", without(valid_body(), "model"), "Missing required parameter: 'model'",
       "model"},
      {"empty messages", with(valid_body(), "messages", Json::array()), "empty array", "messages"},
      {"unknown role", history({{{"role", "robot"}, {"content", "x"}}}), "Supported values are",
       "messages[2].role"},
      {"unknown message field", history({{{"role", "user"}, {"content", "x"}, {"mood", "ok"}}}),
       "'mood' was unexpected", "messages[2]"},
      {"user message without content", history({{{"role", "user"}}}),
       "Missing required parameter: 'messages[2].content'", "messages[2].content"},
      {"tool call without type", history({call_without_type, answer}),
       "Missing required parameter: 'messages[2].tool_calls[0].type'",
       "messages[2].tool_calls[0].type"},
      {"tool call arguments as an object", history({object_arguments, answer}),
       "expected a string, but got an object", "messages[2].tool_calls[0].function.arguments"},
      {"tool message answering no call", history({stray_answer}),
       "must be a response to a preceeding message with 'tool_calls'", "messages[2].role"},
      {"tool message answering another call", history({call_message("call_1"), stray_answer}),
       "must be a response to a preceeding message with 'tool_calls'", "messages[3].role"},
      {"tool call left unanswered", history({call_message("call_1"), user}),
       "did not have response messages: call_1", "messages.[3].role"},
      {"tool call unanswered at the end", history({call_message("call_1")}),
       "did not have response messages: call_1", "messages"},
      {"tool schema that is not an object", string_schema, "type: \"object\"",
       "tools[0].function.parameters"},
      {"tool_choice naming an unknown tool", choice_unknown_tool, "'launch' is not in 'tools'",
       "tool_choice"},
  };
}

TEST(ScriptedOpenAI, AcceptsAValidRequestWithAHistoryOfCalls) {
  Json answer = {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "OK"}};
  Json body = history({call_message("call_1"), answer, {{"role", "user"}, {"content", "next"}}});
  body["stream"] = true;
  body["stream_options"] = {{"include_usage", true}};
  body["temperature"] = 0.7;
  body["max_tokens"] = 100;
  EXPECT_EQ(ScriptedLlmServer::validate_request(body), "");
  EXPECT_EQ(ScriptedLlmServer::validate_request(without(without(without(valid_body(), "tools"),
                                                                "tool_choice"),
                                                        "parallel_tool_calls")),
            "");
}

TEST(ScriptedOpenAI, RefusesWhatTheRealApiRefuses) {
  for (const auto& c : invalid_requests()) {
    SCOPED_TRACE(c.name);
    auto e = ScriptedLlmServer::check_openai_request(c.body);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status, 400);
    EXPECT_NE(e->message.find(c.says), std::string::npos) << e->message;
    EXPECT_EQ(e->param, c.param) << e->message;
  }
}

// Over HTTP: 400 in OpenAI's error shape, recorded as a violation; the script is not consumed.
TEST(ScriptedOpenAI, AnswersViolationsWith400InOpenAIsShapeAndRecordsThem) {
  ScriptedLlmServer server({{"model", "gpt-4o-mini"}, {"replies", Json::array({{{"content", "ok"}}})}});
  server.allow_violations();  // this test sends invalid requests on purpose
  int port = server.start();
  ASSERT_GT(port, 0);
  httplib::Client client("127.0.0.1", port);
  httplib::Headers auth = {{"Authorization", "Bearer sk-test"}};
  auto cases = invalid_requests();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = client.Post("/v1/chat/completions", auth, c.body.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    Json err = Json::parse(r->body)["error"];
    EXPECT_NE(err["message"].get<std::string>().find(c.says), std::string::npos) << r->body;
    EXPECT_EQ(err["type"], "invalid_request_error");
    EXPECT_EQ(err["param"], *c.param ? Json(c.param) : Json(nullptr));
    EXPECT_TRUE(err.contains("code"));
  }
  EXPECT_EQ(server.violations().size(), cases.size());
  EXPECT_EQ(server.replies_left(), 1u);

  // The auth header is part of the contract: none is 401 in the same shape.
  auto anonymous = client.Post("/v1/chat/completions", valid_body().dump(), "application/json");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_NE(Json::parse(anonymous->body)["error"]["message"].get<std::string>().find("API key"),
            std::string::npos);
  auto garbage = client.Post("/v1/chat/completions", auth, "{not json", "application/json");
  ASSERT_TRUE(garbage);
  EXPECT_EQ(garbage->status, 400);
  EXPECT_EQ(server.violations().size(), cases.size() + 2);

  // A valid request still gets the scripted reply.
  auto ok = client.Post("/v1/chat/completions", auth, valid_body().dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json::parse(ok->body)["choices"][0]["message"]["content"], "ok");
}

TEST(ScriptedOpenAI, AScenarioKeyMustMatchAndAKeylessServerNeedsNone) {
  ScriptedLlmServer keyed({{"api_key", "sk-right"}, {"replies", Json::array({{{"content", "a"}}})}});
  keyed.allow_violations();
  httplib::Client k("127.0.0.1", keyed.start());
  auto wrong = k.Post("/v1/chat/completions", {{"Authorization", "Bearer sk-wrong"}},
                      valid_body().dump(), "application/json");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(Json::parse(wrong->body)["error"]["code"], "invalid_api_key");
  auto right = k.Post("/v1/chat/completions", {{"Authorization", "Bearer sk-right"}},
                      valid_body().dump(), "application/json");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);
  EXPECT_EQ(keyed.violations().size(), 1u);

  ScriptedLlmServer keyless({{"require_auth", false}, {"replies", Json::array({{{"content", "b"}}})}});
  httplib::Client l("127.0.0.1", keyless.start());
  auto r = l.Post("/v1/chat/completions", valid_body().dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Azure OpenAI's route: the deployment in the path, api-version required (404 "Resource not
// found" without it, as Azure answers), the key in `api-key` (a Bearer header is refused),
// errors of the service in Azure's shape; the body is checked like OpenAI's, `model` optional.
TEST(ScriptedOpenAI, AzureRouteWantsTheDeploymentApiVersionAndApiKeyHeader) {
  ScriptedLlmServer server({{"deployment", "chat-prod"}, {"api_key", "azure-key"},
                            {"replies", Json::array({{{"content", "from azure"}}})}});
  server.allow_violations();  // this test sends invalid requests on purpose
  httplib::Client client("127.0.0.1", server.start());
  const std::string path = "/openai/deployments/chat-prod/chat/completions";
  const httplib::Headers key = {{"api-key", "azure-key"}};
  Json body = valid_body();
  body.erase("model");  // the deployment names the model

  struct Refused {
    const char* name;
    std::string path;
    httplib::Headers headers;
    int status;
    const char* code;
  };
  std::vector<Refused> refused = {
      {"no api-version", path, key, 404, "404"},
      {"a Bearer header instead of api-key", path + "?api-version=2024-06-01",
       {{"Authorization", "Bearer azure-key"}}, 401, "401"},
      {"both headers", path + "?api-version=2024-06-01",
       {{"api-key", "azure-key"}, {"Authorization", "Bearer azure-key"}}, 401, "401"},
      {"a wrong key", path + "?api-version=2024-06-01", {{"api-key", "other"}}, 401, "401"},
      {"an unknown deployment", "/openai/deployments/nope/chat/completions?api-version=2024-06-01", key,
       404, "DeploymentNotFound"},
  };
  for (const auto& c : refused) {
    SCOPED_TRACE(c.name);
    auto r = client.Post(c.path, c.headers, body.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, c.status) << r->body;
    EXPECT_EQ(Json::parse(r->body)["error"]["code"], c.code) << r->body;
  }
  auto bad_body = client.Post(path + "?api-version=2024-06-01", key,
                              with(body, "temperature", "hot").dump(), "application/json");
  ASSERT_TRUE(bad_body);
  EXPECT_EQ(bad_body->status, 400);
  EXPECT_EQ(Json::parse(bad_body->body)["error"]["param"], "temperature");
  EXPECT_EQ(server.violations().size(), refused.size() + 1);
  EXPECT_EQ(server.replies_left(), 1u);

  auto ok = client.Post(path + "?api-version=2024-06-01", key, body.dump(), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(Json::parse(ok->body)["choices"][0]["message"]["content"], "from azure");
}

// Replies written as the API returns them keep their ids and argument text.
TEST(ScriptedOpenAI, PlaysRepliesWrittenAsChatCompletionMessages) {
  Json reply = {{"message",
                 {{"role", "assistant"},
                  {"content", "Thinking."},
                  {"tool_calls",
                   {{{"id", "call_abc"},
                     {"type", "function"},
                     {"function", {{"name", "send_message"}, {"arguments", "{\"message\":\"hi\"}"}}}}}}}},
                {"finish_reason", "tool_calls"}};
  ScriptedLlmServer server(Json{{"replies", Json::array({reply})}});
  httplib::Client client("127.0.0.1", server.start());
  auto r = client.Post("/v1/chat/completions", {{"Authorization", "Bearer sk-test"}},
                       valid_body().dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json choice = Json::parse(r->body)["choices"][0];
  EXPECT_EQ(choice["finish_reason"], "tool_calls");
  EXPECT_EQ(choice["message"]["content"], "Thinking.");
  EXPECT_EQ(choice["message"]["tool_calls"][0]["id"], "call_abc");
  EXPECT_EQ(choice["message"]["tool_calls"][0]["function"]["arguments"], "{\"message\":\"hi\"}");
}

}  // namespace
}  // namespace memgpt::llm
