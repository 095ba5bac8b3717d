// Agents through the routes: create/get/modify/delete, MemGPT's config view, an agent's tools,
// validation naming the field, and other users' ids answering 404.
#include "server_fixture.h"

namespace memgpt::server {
namespace {

class AgentRoutes : public RoutesTest {};

TEST_F(AgentRoutes, CreateGetModifyAndDelete) {
  start();
  auto created = call("POST", "/v1/agents", {{"name", "ada"}, {"model", "openai/gpt-4o-mini"}, {"description", "d"},
                                             {"tags", {"t1"}}});
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["id"];
  EXPECT_EQ(created.body["llm_config"]["model_endpoint"], llm_->base_url());
  EXPECT_EQ(created.body["description"], "d");
  EXPECT_EQ(call("GET", "/v1/agents/" + id).body["name"], "ada");
  EXPECT_EQ(call("POST", "/v1/agents", {{"name", "ada"}}).status, 409);
  auto renamed = call("PATCH", "/v1/agents/" + id, {{"name", "grace"}, {"system", "You are terse."}});
  ASSERT_EQ(renamed.status, 200) << renamed.body.dump();
  EXPECT_EQ(renamed.body["name"], "grace");
  EXPECT_EQ(renamed.body["system"], "You are terse.");
  EXPECT_EQ(call("GET", "/v1/agents?name=grace").body.size(), 1u);
  EXPECT_EQ(call("DELETE", "/v1/agents/" + id).status, 200);
  EXPECT_EQ(call("GET", "/v1/agents/" + id).status, 404);
  EXPECT_EQ(call("GET", "/v1/agents").body, Json::array());
}

// Letta's description, tags and metadata are the user's: the agent's own saves after a step
// keep them, and PATCH changes only what it names.
TEST_F(AgentRoutes, DescriptiveFieldsSurviveAMessageStep) {
  start(Json::array({say("Hello!"), say("Hello again!")}));
  Json metadata = {{"team", "research"}, {"priority", 2}};
  auto created = call("POST", "/v1/agents", {{"name", "ada"}, {"model", "openai/gpt-4o-mini"},
                                             {"description", "keeps notes"}, {"tags", {"notes", "ada"}},
                                             {"metadata", metadata}});
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["id"];
  Json message = {{"messages", {{{"role", "user"}, {"content", "hi"}}}}};
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", message).status, 200);
  auto after_step = call("GET", "/v1/agents/" + id);
  ASSERT_EQ(after_step.status, 200) << after_step.body.dump();
  EXPECT_EQ(after_step.body["description"], "keeps notes");
  EXPECT_EQ(after_step.body["tags"], Json({"notes", "ada"}));
  EXPECT_EQ(after_step.body["metadata"], metadata);

  auto patched = call("PATCH", "/v1/agents/" + id, {{"tags", {"archived"}}});
  ASSERT_EQ(patched.status, 200) << patched.body.dump();
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", message).status, 200);
  auto after_patch = call("GET", "/v1/agents/" + id);
  EXPECT_EQ(after_patch.body["description"], "keeps notes");
  EXPECT_EQ(after_patch.body["tags"], Json({"archived"}));
  EXPECT_EQ(after_patch.body["metadata"], metadata);
  EXPECT_EQ(llm_->replies_left(), 0u);  // both messages were steps of the model
}

TEST_F(AgentRoutes, ValidationErrorsNameTheField) {
  start();
  std::string id = new_agent("ada");
  struct Case {
    std::string method, path;
    Json body;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {"POST", "/v1/agents", {{"name", 5}}, "name"},
           {"POST", "/v1/agents", {{"name", "x"}, {"tools", {"no_such_tool"}}}, "tools"},
           {"POST", "/v1/agents", {{"name", "x"}, {"memory_blocks", {{{"label", "persona"}}}}}, "value"},
           {"POST", "/v1/agents", {{"name", "x"}, {"context_window_limit", 10}}, "context_window_limit"},
           {"PATCH", "/v1/agents/" + id, {{"name", ""}}, "name"},
           {"PATCH", "/v1/agents/" + id, {{"tags", "t"}}, "tags"},
           {"POST", "/v1/agents/" + id + "/messages", {{"max_steps", 0}, {"input", "x"}}, "max_steps"},
       }) {
    auto r = call(c.method, c.path, c.body);
    EXPECT_EQ(r.status, 422) << c.path << " " << c.body.dump() << " -> " << r.body.dump();
    EXPECT_EQ(r.body["detail"][0]["loc"][1], c.field) << r.body.dump();
  }
  // A user may not name an endpoint (the password, the operator, may: see the docs).
  Json foreign = {{"name", "x"}, {"llm_config", {{"model", "m"}, {"model_endpoint", "http://127.0.0.1:1/v1"}}}};
  auto r = call("POST", "/v1/agents", foreign, new_user_key("bob"));
  EXPECT_EQ(r.status, 422) << r.body.dump();
  EXPECT_EQ(r.body["detail"][0]["loc"][1], "llm_config");
  http::Request bad;
  bad.method = "POST";
  bad.path = "/v1/agents";
  bad.body = "{not json";
  bad.headers.emplace("Authorization", std::string("Bearer ") + kPassword);
  EXPECT_EQ(finish(bad).status, 400);
}

TEST_F(AgentRoutes, MemgptConfigRouteShowsTheAgentStateToItsOwnerOnly) {
  start();
  std::string id = new_agent("ada");
  auto r = call("GET", "/api/agents/" + id + "/config");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["agent_state"]["id"], id);
  EXPECT_EQ(r.body["agent_state"]["name"], "ada");
  EXPECT_TRUE(r.body["agent_state"]["blocks"].is_array());
  std::string bob = new_user_key("bob");
  EXPECT_EQ(call("GET", "/api/agents/" + id + "/config", nullptr, bob).status, 404);
  EXPECT_EQ(call("GET", "/api/agents/no-such-agent/config").status, 404);
}

TEST_F(AgentRoutes, AnAgentsToolsAreItsFunctions) {
  start();
  std::string id = new_agent("ada");
  auto r = call("GET", "/v1/agents/" + id + "/tools");
  ASSERT_EQ(r.status, 200);
  bool send_message = false;
  for (const auto& t : r.body) send_message = send_message || t["name"] == "send_message";
  EXPECT_TRUE(send_message) << r.body.dump();
  EXPECT_EQ(call("GET", "/v1/agents/" + id + "/tools?limit=1").body.size(), 1u);
  EXPECT_EQ(call("GET", "/v1/agents/" + id + "/tools", nullptr, new_user_key("bob")).status, 404);
}

TEST_F(AgentRoutes, AnotherUsersAgentIsNotFoundForEveryVerb) {
  start();
  std::string id = new_agent("ada");
  std::string bob = new_user_key("bob");
  EXPECT_EQ(call("GET", "/v1/agents/" + id, nullptr, bob).status, 404);
  EXPECT_EQ(call("PATCH", "/v1/agents/" + id, {{"name", "mine"}}, bob).status, 404);
  EXPECT_EQ(call("DELETE", "/v1/agents/" + id, nullptr, bob).status, 404);
  EXPECT_EQ(call("POST", "/v1/agents/" + id + "/messages", {{"input", "hi"}}, bob).status, 404);
  EXPECT_EQ(call("POST", "/v1/agents/" + id + "/summarize", Json::object(), bob).status, 404);
  EXPECT_EQ(call("GET", "/v1/agents/" + id).body["name"], "ada");
  EXPECT_EQ(llm_->request_count(), 0u);
}

// GET /v1/agents/{id}/context (Letta's ContextWindowOverview, the web interface's context view):
// each part's tokens, adding up to the request against the window, following the agent's edits.
TEST_F(AgentRoutes, ContextWindowCountsEachPartOfTheNextRequest) {
  start(Json::array({say("one"), say("two"), say("three"), say("four"),
                     {{"content", "The user counted to four with me."}, {"finish_reason", "stop"}}}));
  std::string id = new_agent("ada");
  auto parts = [&] {
    auto r = call("GET", "/v1/agents/" + id + "/context");
    EXPECT_EQ(r.status, 200) << r.body.dump();
    return r.body;
  };
  Json before = parts();
  EXPECT_EQ(before["context_window_size_max"], call("GET", "/v1/agents/" + id).body["llm_config"]["context_window"]);
  for (const char* key : {"num_tokens_system", "num_tokens_core_memory", "num_tokens_functions_definitions",
                          "num_tokens_messages", "num_tokens_external_memory_summary"}) {
    EXPECT_GT(before[key].get<int64_t>(), 0) << key;
  }
  EXPECT_EQ(before["num_tokens_summary_memory"], 0);
  EXPECT_TRUE(before["summary_memory"].is_null());
  int64_t sum = before["num_tokens_system"].get<int64_t>() + before["num_tokens_external_memory_summary"].get<int64_t>() +
                before["num_tokens_core_memory"].get<int64_t>() + before["num_tokens_functions_definitions"].get<int64_t>() +
                before["num_tokens_messages"].get<int64_t>();
  int64_t current = before["context_window_size_current"];
  EXPECT_GE(current, sum);
  EXPECT_LT(current - sum, 16) << "only the reply priming is outside the parts";
  EXPECT_NE(before["core_memory"].get<std::string>().find("<persona"), std::string::npos) << before["core_memory"];

  // A longer block is more core-memory tokens and nothing else.
  std::string longer(2000, ' ');
  for (size_t i = 0; i < longer.size(); i += 5) longer.replace(i, 5, "word ");
  ASSERT_EQ(call("PATCH", "/v1/agents/" + id + "/core-memory/blocks/human", {{"value", longer}, {"limit", 5000}}).status, 200);
  Json edited = parts();
  EXPECT_GT(edited["num_tokens_core_memory"].get<int64_t>(), before["num_tokens_core_memory"].get<int64_t>() + 300);
  EXPECT_EQ(edited["num_tokens_functions_definitions"], before["num_tokens_functions_definitions"]);
  EXPECT_EQ(edited["num_tokens_messages"], before["num_tokens_messages"]);

  // Messages add message tokens and recall; a summary moves the oldest into the summary part.
  for (const char* text : {"1", "2", "3", "4"}) {
    ASSERT_EQ(call("POST", "/v1/agents/" + id + "/messages", {{"input", text}}).status, 200);
  }
  Json chatted = parts();
  EXPECT_GT(chatted["num_tokens_messages"].get<int64_t>(), edited["num_tokens_messages"].get<int64_t>());
  EXPECT_GT(chatted["num_recall_memory"].get<int64_t>(), edited["num_recall_memory"].get<int64_t>());
  EXPECT_GT(chatted["num_messages"].get<int64_t>(), edited["num_messages"].get<int64_t>());
  ASSERT_EQ(call("POST", "/v1/agents/" + id + "/summarize", Json::object()).status, 200);
  Json summarized = parts();
  EXPECT_GT(summarized["num_tokens_summary_memory"].get<int64_t>(), 0) << summarized.dump();
  EXPECT_NE(summarized["summary_memory"].get<std::string>().find("counted to four"), std::string::npos);
  EXPECT_LT(summarized["num_messages"].get<int64_t>(), chatted["num_messages"].get<int64_t>());

  EXPECT_EQ(call("GET", "/v1/agents/" + id + "/context", nullptr, new_user_key("bob")).status, 404);
}

}  // namespace
}  // namespace memgpt::server
