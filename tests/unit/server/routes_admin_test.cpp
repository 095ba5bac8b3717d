// Users and API keys: only the server password manages them; a user's key acts as that user.
#include "server_fixture.h"

namespace memgpt::server {
namespace {

class AdminRoutes : public RoutesTest {};

TEST_F(AdminRoutes, HealthNeedsNoToken) {
  start();
  EXPECT_EQ(call("GET", "/v1/health", nullptr, "").status, 200);
  EXPECT_EQ(call("GET", "/health", nullptr, "").status, 200);
  EXPECT_EQ(call("GET", "/v1/agents", nullptr, "").status, 401);
  EXPECT_EQ(call("GET", "/v1/agents", nullptr, "wrong").status, 401);
}

TEST_F(AdminRoutes, AUsersKeyCannotManageUsersOrKeys) {
  start();
  std::string bob = new_user_key("bob");
  auto users = call("GET", "/v1/admin/users");
  ASSERT_EQ(users.status, 200);
  std::string bob_id;
  for (const auto& u : users.body) {
    if (u["name"] == "bob") bob_id = u["id"];
  }
  ASSERT_FALSE(bob_id.empty()) << users.body.dump();
  for (const char* prefix : {"/v1/admin", "/admin"}) {
    std::string p = prefix;
    auto r = call("POST", p + "/users", {{"name", "eve"}}, bob);
    EXPECT_EQ(r.status, 403) << p;
    EXPECT_EQ(r.body["message"], "only the server password may manage users");
    EXPECT_EQ(call("GET", p + "/users", nullptr, bob).status, 403) << p;
    EXPECT_EQ(call("POST", p + "/users/" + bob_id + "/keys", Json::object(), bob).status, 403) << p;
  }
  // Nothing was made by the refused calls.
  EXPECT_EQ(call("GET", "/v1/admin/users").body.size(), users.body.size());
}

TEST_F(AdminRoutes, ThePasswordAddsKeysThatActAsTheirUser) {
  start();
  std::string bob = new_user_key("bob");
  std::string bobs_agent = new_agent("bobs", bob);
  std::string bob_id;
  for (const auto& u : call("GET", "/admin/users").body) {
    if (u["name"] == "bob") bob_id = u["id"];
  }
  auto key = call("POST", "/v1/admin/users/" + bob_id + "/keys", {{"name", "laptop"}});
  ASSERT_EQ(key.status, 200) << key.body.dump();
  EXPECT_EQ(key.body["user_id"], bob_id);
  std::string second = key.body["api_key"];
  EXPECT_NE(second, bob);
  EXPECT_EQ(second.rfind("sk-memgpt-", 0), 0u);
  auto agents = call("GET", "/v1/agents", nullptr, second);
  ASSERT_EQ(agents.status, 200);
  ASSERT_EQ(agents.body.size(), 1u);
  EXPECT_EQ(agents.body[0]["id"], bobs_agent);
  EXPECT_EQ(call("POST", "/v1/admin/users/no-such-user/keys", Json::object()).status, 404);
  EXPECT_EQ(call("POST", "/v1/admin/users/" + bob_id + "/keys", {{"name", 5}}).status, 422);
}

// Without a password any local process (or a web page in the operator's browser) reaches the
// server: the agent routes are open to the local user as in Letta, but nobody is the operator,
// so users and keys cannot be made (they used to be, by anyone).
TEST_F(AdminRoutes, WithoutAPasswordTheAdminRoutesAreRefusedAndTheAgentRoutesStayOpen) {
  start(Json::array(), "");
  for (const char* prefix : {"/v1/admin", "/admin"}) {
    std::string p = prefix;
    auto made = call("POST", p + "/users", {{"name", "eve"}}, "");
    EXPECT_EQ(made.status, 403) << p << made.body.dump();
    EXPECT_EQ(made.body["message"],
              "admin routes need a server password: start memgpt server with MEMGPT_SERVER_PASS set");
    EXPECT_EQ(made.body.dump().find("api_key"), std::string::npos);
    EXPECT_EQ(call("GET", p + "/users", nullptr, "").status, 403) << p;
    EXPECT_EQ(call("POST", p + "/users/" + ctx_->user_id + "/keys", Json::object(), "").status, 403) << p;
  }
  // Nothing was made: only the local user exists.
  auto users = ctx_->store->list_users();
  ASSERT_TRUE(users.ok());
  EXPECT_EQ(users->size(), 1u);
  // A token that is no key is still refused; no token acts as the local user.
  EXPECT_EQ(call("GET", "/v1/agents", nullptr, "s3cret").status, 401);
  std::string agent = new_agent("open", "");
  ASSERT_FALSE(agent.empty());
  auto agents = call("GET", "/v1/agents", nullptr, "");
  ASSERT_EQ(agents.status, 200);
  ASSERT_EQ(agents.body.size(), 1u);
  EXPECT_EQ(agents.body[0]["id"], agent);
  EXPECT_EQ(call("GET", "/v1/health", nullptr, "").status, 200);
}

}  // namespace
}  // namespace memgpt::server
