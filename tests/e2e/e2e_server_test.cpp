// `memgpt server` as a process on loopback, driven over real HTTP: security (auth, isolation
// between users, bad input of every kind changes nothing), a bounded load test (no lost or
// duplicated message, each agent's history in order), kill -9 during load (no acknowledged
// message lost), and two server processes sharing PostgreSQL + a Milvus server (steps of one
// agent serialised across processes).
#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "e2e/server_fixture.h"
#include "scripted_llm.h"
#include "support/postgres_server.h"
#include "support/server_process.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

using e2e::Api;
using e2e::Child;
using e2e::Reply;
using e2e::say;
using e2e::wait_healthy;

class ServerTest : public e2e::ServerFixture {
 protected:
  void two_servers(const std::vector<std::string>& storage);
};

TEST_F(ServerTest, AuthIsolationAndBadInputChangeNothing) {
  start_llm(10);
  configure();
  auto server = start_server("s3cret", {"--max-body-mb", "1"});
  int port = server->port();
  Api admin(port, "s3cret"), anonymous(port), wrong(port, "nope");

  // No token / wrong token: 401 with a message.
  auto r = anonymous.get("/v1/agents");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.value("message", "").find("Bearer"), std::string::npos) << r.body.dump();
  EXPECT_EQ(wrong.get("/v1/agents").status, 401);
  EXPECT_EQ(wrong.post("/v1/agents", {{"name", "x"}}).status, 401);
  // Health needs no token (load balancers probe it).
  EXPECT_EQ(anonymous.get("/v1/health").status, 200);

  std::string mine = create_agent(admin, "mine");
  ASSERT_FALSE(mine.empty());

  // A second user with their own API key sees nothing of the first user's.
  auto u = admin.post("/v1/admin/users", {{"name", "bob"}});
  ASSERT_EQ(u.status, 200) << u.body.dump();
  Api bob(port, u.body["api_key"].get<std::string>());
  EXPECT_EQ(bob.get("/v1/agents").body, Json::array());
  EXPECT_EQ(bob.get("/v1/agents/" + mine).status, 404);
  EXPECT_EQ(bob.call("PATCH", "/v1/agents/" + mine, R"({"name":"stolen"})").status, 404);
  EXPECT_EQ(bob.post("/v1/agents/" + mine + "/messages", {{"input", "hi"}}).status, 404);
  EXPECT_EQ(bob.get("/v1/agents/" + mine + "/archival-memory").status, 404);
  EXPECT_EQ(bob.call("DELETE", "/v1/agents/" + mine).status, 404);
  EXPECT_EQ(bob.post("/v1/admin/users", {{"name", "eve"}}).status, 403);
  std::string bobs = create_agent(bob, "mine");  // names are per user
  EXPECT_FALSE(bobs.empty());
  EXPECT_EQ(admin.get("/v1/agents/" + bobs).status, 404);

  // Malformed JSON, wrong types, missing fields: 400/422 naming the field.
  r = admin.call("POST", "/v1/agents", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.value("message", "").find("JSON"), std::string::npos);
  r = admin.post("/v1/agents", {{"name", 5}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["detail"][0]["loc"][1], "name") << r.body.dump();
  r = admin.post("/v1/agents", {{"name", "b"}, {"memory_blocks", "persona"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.body["detail"][0]["loc"][1], "memory_blocks");
  r = admin.post("/v1/agents", {{"name", "c"}, {"memory_blocks", {{{"label", "persona"}, {"value", std::string(3000, 'x')}, {"limit", 100}}}}});
  EXPECT_EQ(r.status, 422) << r.body.dump();
  r = admin.post("/v1/agents", {{"name", "d"}, {"embedding", "openai/text-embedding-3-small"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(admin.call("POST", "/v1/agents", "[1,2]").status, 422);
  EXPECT_EQ(admin.post("/v1/agents/" + mine + "/messages", {{"messages", {{{"role", "user"}}}}}).status, 422);
  EXPECT_EQ(admin.post("/v1/agents/" + mine + "/messages", {{"messages", {{{"role", "tool"}, {"content", "x"}}}}}).status, 422);
  EXPECT_EQ(admin.post("/v1/agents/" + mine + "/messages", Json::object()).status, 422);
  EXPECT_EQ(admin.get("/v1/agents/" + mine + "/messages?limit=abc").status, 422);
  EXPECT_EQ(admin.get("/v1/agents/" + mine + "/messages?limit=0").status, 422);
  EXPECT_EQ(admin.call("PATCH", "/v1/agents/" + mine + "/core-memory/blocks/human", R"({"value": 7})").status, 422);
  EXPECT_EQ(admin.get("/v1/agents/does-not-exist").status, 404);
  r = admin.get("/v1/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.body.contains("message"));

  // Oversized body: 413.
  r = admin.post("/v1/agents", {{"name", "big"}, {"system", std::string(2 << 20, 'x')}});
  EXPECT_EQ(r.status, 413);

  // Uploads whose names climb out of the upload folder are refused; nothing is stored.
  auto src = admin.post("/v1/folders", {{"name", "docs"}});
  ASSERT_EQ(src.status, 200) << src.body.dump();
  std::string sid = src.body["id"];
  for (const std::string& bad : std::vector<std::string>{"../../etc/passwd", "..", "a/b.txt", "x\x01.txt"}) {
    httplib::MultipartFormDataItems items = {{"file", "The text.", bad, "text/plain"}};
    auto res = admin.raw().Post("/v1/folders/" + sid + "/upload", httplib::Headers{{"Authorization", "Bearer s3cret"}}, items);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << bad << ": " << res->body;
  }
  // Not multipart at all / no text in the file.
  EXPECT_EQ(admin.post("/v1/folders/" + sid + "/upload", {{"file", "x"}}).status, 422);
  {
    httplib::MultipartFormDataItems items = {{"file", std::string("\x00\x01\x02", 3), "blob.txt", "text/plain"}};
    auto res = admin.raw().Post("/v1/folders/" + sid + "/upload", httplib::Headers{{"Authorization", "Bearer s3cret"}}, items);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
  }
  EXPECT_EQ(admin.get("/v1/folders/" + sid + "/files").body, Json::array());
  EXPECT_EQ(admin.get("/v1/folders/" + sid + "/passages").body, Json::array());
  EXPECT_EQ(bob.get("/v1/folders/" + sid).status, 404);

  // Nothing of the above changed the first user's state.
  auto agents = admin.get("/v1/agents");
  ASSERT_EQ(agents.body.size(), 1u) << agents.body.dump();
  EXPECT_EQ(agents.body[0]["name"], "mine");
  EXPECT_EQ(llm_->requests().size(), 0u);  // no bad request reached the model
}

// 50 concurrent clients x 20 messages over 10 agents (MEMGPT_LOAD_MESSAGES changes the 20).
TEST_F(ServerTest, ConcurrentClientsLoseAndDuplicateNothing) {
  constexpr int kAgents = 10, kClients = 50;
  const int kMessages = std::getenv("MEMGPT_LOAD_MESSAGES") ? std::atoi(std::getenv("MEMGPT_LOAD_MESSAGES")) : 20;
  ASSERT_GT(kMessages, 0);
  start_llm(static_cast<size_t>(kClients * kMessages * 2 + 50));  // summaries take model calls too
  configure();
  auto server = start_server();
  int port = server->port();
  Api api(port);
  std::vector<std::string> agents;
  for (int a = 0; a < kAgents; ++a) agents.push_back(create_agent(api, "load-" + std::to_string(a)));

  std::atomic<int> failures{0}, server_errors{0};
  std::mutex mu;
  std::vector<std::string> errors;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      Api mine(port);
      const std::string& agent = agents[c % kAgents];
      for (int m = 0; m < kMessages; ++m) {
        std::string text = "client " + std::to_string(c) + " message " + std::to_string(m);
        auto r = mine.post("/v1/agents/" + agent + "/messages", {{"messages", {{{"role", "user"}, {"content", text}}}}});
        if (r.status != 200) {
          ++failures;
          if (r.status >= 500 || r.status == 0) ++server_errors;
          std::lock_guard lock(mu);
          errors.push_back(std::to_string(r.status) + " " + r.body.dump());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("load: %d clients x %d messages over %d agents: %.2f s = %.1f messages/s\n", kClients, kMessages, kAgents,
              secs, kClients * kMessages / secs);
  EXPECT_EQ(failures.load(), 0) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(server_errors.load(), 0);

  for (int a = 0; a < kAgents; ++a) {
    auto got = user_messages(api, agents[a]);
    EXPECT_EQ(got.size(), static_cast<size_t>(kClients / kAgents * kMessages)) << "agent " << a;
    std::set<std::string> unique(got.begin(), got.end());
    EXPECT_EQ(unique.size(), got.size()) << "duplicated messages in agent " << a;
    // Each client's messages appear in the order it sent them.
    std::map<std::string, int> last;
    for (const auto& text : got) {
      auto space = text.find(" message ");
      std::string client = text.substr(0, space);
      int n = std::stoi(text.substr(space + 9));
      auto it = last.find(client);
      EXPECT_TRUE(it == last.end() || it->second < n) << text;
      last[client] = n;
    }
  }
  EXPECT_TRUE(llm_->violations().empty()) << llm_->violations().front();
}

TEST_F(ServerTest, KillDuringLoadLosesNoAcknowledgedMessage) {
  start_llm(2000);
  configure();
  auto server = start_server();
  std::vector<std::string> agents;
  {
    Api api(server->port());
    agents = {create_agent(api, "k1"), create_agent(api, "k2"), create_agent(api, "k3")};
  }
  std::mutex mu;
  std::condition_variable acked;
  std::map<std::string, std::vector<std::string>> acknowledged;  // agent -> texts
  for (int round = 0; round < 3; ++round) {
    int port = server->port();
    std::atomic<bool> stop{false};
    int acked_this_round = 0;
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c) {
      clients.emplace_back([&, c, round] {
        Api mine(port);
        const std::string& agent = agents[c % agents.size()];
        for (int m = 0; !stop; ++m) {
          std::string text = "r" + std::to_string(round) + " c" + std::to_string(c) + " m" + std::to_string(m);
          auto r = mine.post("/v1/agents/" + agent + "/messages", {{"input", text}});
          if (r.status == 200) {
            std::lock_guard lock(mu);
            acknowledged[agent].push_back(text);
            ++acked_this_round;
            acked.notify_all();
          } else if (r.status == 0) {
            return;  // the server is gone
          }
        }
      });
    }
    {
      // Kill while the clients are busy: once a few messages (more each round) were answered.
      std::unique_lock lock(mu);
      int want = 5 + 10 * round;
      EXPECT_TRUE(acked.wait_for(lock, std::chrono::seconds(120), [&] { return acked_this_round >= want; }))
          << "only " << acked_this_round << " messages were answered in round " << round;
    }
    server->stop(SIGKILL);
    stop = true;
    for (auto& t : clients) t.join();
    server = start_server();
    Api api(server->port());
    for (const auto& agent : agents) {
      auto got = user_messages(api, agent);
      std::set<std::string> have(got.begin(), got.end());
      EXPECT_EQ(have.size(), got.size()) << "a message was stored twice";
      for (const auto& text : acknowledged[agent]) EXPECT_TRUE(have.count(text)) << "lost acknowledged " << text;
      // The agent still works after the crash.
      EXPECT_EQ(api.post("/v1/agents/" + agent + "/messages", {{"input", "after crash " + std::to_string(round)}}).status, 200);
    }
  }
}

// The scale-out deployment: two server processes share PostgreSQL (metadata + recall) and a
// Milvus server (archival). Messages to one agent through both servers at once are serialised:
// each turn's reply directly follows its user message.
TEST_F(ServerTest, TwoServersSharePostgresAndMilvus) {
  testing::PostgresServer pg;
  if (!pg.available()) MEMGPT_SKIP_OR_FAIL(pg.why());
  std::string uri = pg.create_database("memgpt_server");
  two_servers({"--metadata-storage", "postgres", "--metadata-uri", uri, "--recall-storage", "postgres",
               "--recall-uri", uri});
}

// The same on one machine: two servers share the SQLite file (steps serialised by a lock file)
// and a Milvus server.
TEST_F(ServerTest, TwoServersShareSqliteAndMilvus) { two_servers({}); }

void ServerTest::two_servers(const std::vector<std::string>& storage) {
  start_llm(200);
  testing::ServerProcess milvus(testing::milvus_serve_argv(home_.file("served.db")),
                                {{"MEMGPT_HOME", home_.path()}}, testing::kMilvusServeReady);
  ASSERT_TRUE(milvus.ready()) << milvus.log();
  std::vector<std::string> args = storage;
  args.push_back("--archival-uri");
  args.push_back(milvus.url());
  configure(args);
  auto s1 = start_server();
  auto s2 = start_server();
  int p1 = s1->port(), p2 = s2->port();
  Api a1(p1), a2(p2);
  std::string agent = create_agent(a1, "shared");
  ASSERT_FALSE(agent.empty());
  EXPECT_EQ(a2.get("/v1/agents/" + agent).status, 200);  // the second server sees it at once

  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      Api mine(c % 2 ? p2 : p1);
      for (int m = 0; m < 5; ++m) {
        auto r = mine.post("/v1/agents/" + agent + "/messages", {{"input", "c" + std::to_string(c) + " m" + std::to_string(m)}});
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto history = a2.get("/v1/agents/" + agent + "/messages?order=asc&limit=1000");
  ASSERT_EQ(history.status, 200);
  // user, reasoning, assistant, user, reasoning, assistant, ...: no turn interleaves another.
  const Json& h = history.body;
  size_t users = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i]["message_type"] != "user_message" || h[i]["content"].get<std::string>().rfind("{", 0) == 0) continue;
    ++users;
    ASSERT_LT(i + 2, h.size() + 1);
    EXPECT_EQ(h[i + 1]["message_type"], "reasoning_message") << i;
    if (i + 2 < h.size()) {
      EXPECT_EQ(h[i + 2]["message_type"], "assistant_message") << i;
    }
  }
  EXPECT_EQ(users, 20u);
  // Archival through one server is seen by the other.
  auto ins = a1.post("/v1/agents/" + agent + "/archival-memory", {{"text", "The shared fact is 42."}});
  ASSERT_EQ(ins.status, 200) << ins.body.dump();
  auto found = a2.get("/v1/agents/" + agent + "/archival-memory/search?query=shared%20fact");
  ASSERT_EQ(found.status, 200);
  ASSERT_FALSE(found.body["results"].empty());
  EXPECT_EQ(found.body["results"][0]["content"], "The shared fact is 42.");
  // SIGTERM: a clean stop.
  int status = s1->stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The original MemGPT /api routes reach the same agents as /v1.
TEST_F(ServerTest, MemgptApiRoutesMapOntoTheSameAgents) {
  start_llm(10);
  configure();
  auto server = start_server();
  Api api(server->port());
  auto created = api.post("/api/agents", {{"name", "old-style"}});
  ASSERT_EQ(created.status, 200) << created.body.dump();
  std::string id = created.body["id"];
  EXPECT_EQ(api.get("/v1/agents/" + id).body["name"], "old-style");
  auto memory = api.get("/api/agents/" + id + "/memory");
  ASSERT_EQ(memory.status, 200);
  EXPECT_TRUE(memory.body["core_memory"].contains("persona"));
  auto updated = api.post("/api/agents/" + id + "/memory", {{"human", "Name: Chad"}});
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  EXPECT_EQ(api.get("/v1/agents/" + id + "/core-memory/blocks/human").body["value"], "Name: Chad");
  auto sent = api.post("/api/agents/" + id + "/messages", {{"message", "hi"}, {"role", "user"}});
  ASSERT_EQ(sent.status, 200) << sent.body.dump();
  EXPECT_EQ(sent.body["messages"].back()["content"], "ok 0");
  auto archived = api.post("/api/agents/" + id + "/archival", {{"content", "Chad owns a boat."}});
  ASSERT_EQ(archived.status, 200);
  EXPECT_EQ(api.get("/api/agents/" + id + "/archival").body.size(), 1u);
  EXPECT_EQ(api.call("DELETE", "/api/agents/" + id + "/archival/" + archived.body[0]["id"].get<std::string>()).status, 200);
  EXPECT_EQ(api.get("/v1/agents/" + id + "/archival-memory").body, Json::array());
  // /pop through the command route drops the last exchange from the context window.
  size_t before = api.get("/v1/agents/" + id).body["message_ids"].size();
  auto popped = api.post("/api/agents/" + id + "/command", {{"command", "/pop 2"}});
  ASSERT_EQ(popped.status, 200) << popped.body.dump();
  EXPECT_EQ(api.get("/v1/agents/" + id).body["message_ids"].size(), before - 2);
  EXPECT_EQ(api.post("/api/agents/" + id + "/command", {{"command", "/dance"}}).status, 422);
  auto humans = api.get("/api/humans");
  ASSERT_EQ(humans.status, 200);
  EXPECT_FALSE(humans.body["humans"].empty());
  EXPECT_EQ(api.post("/api/personas", {{"name", "pirate"}, {"text", "Arr."}}).status, 200);
  bool found = false;
  auto personas = api.get("/api/personas");
  for (const auto& p : personas.body["personas"]) found = found || p["name"] == "pirate";
  EXPECT_TRUE(found);
  auto src = api.post("/api/sources", {{"name", "old-docs"}});
  ASSERT_EQ(src.status, 200);
  EXPECT_EQ(api.get("/v1/folders/" + src.body["id"].get<std::string>()).body["name"], "old-docs");
  EXPECT_EQ(api.call("POST", "/api/sources/" + src.body["id"].get<std::string>() + "/attach?agent_id=" + id).status, 200);
  EXPECT_EQ(api.get("/v1/agents/" + id + "/sources").body.size(), 1u);
  // Letta 0.x: upload to a source answers a job; the job reports the passages; the attached
  // agent's archival memory holds them at once.
  httplib::MultipartFormDataItems items = {{"file", "Chad's boat is called the Marlin.", "boat.txt", "text/plain"}};
  auto up = api.raw().Post("/v1/sources/" + src.body["id"].get<std::string>() + "/upload", items);
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;
  Json job = Json::parse(up->body);
  EXPECT_EQ(job["status"], "completed");
  EXPECT_EQ(job["metadata"]["num_passages"], 1);
  auto polled = api.get("/v1/jobs/" + job["id"].get<std::string>());
  ASSERT_EQ(polled.status, 200);
  EXPECT_EQ(polled.body["status"], "completed");
  auto hits = api.get("/v1/agents/" + id + "/archival-memory/search?query=Marlin");
  ASSERT_EQ(hits.status, 200);
  ASSERT_FALSE(hits.body["results"].empty());
  EXPECT_NE(hits.body["results"][0]["content"].get<std::string>().find("Marlin"), std::string::npos);
}

// A streaming client that goes away mid-step does not corrupt the agent: the step completes and
// is stored whole; the next request works.
TEST_F(ServerTest, ClientDisconnectingMidStreamLeavesTheAgentWhole) {
  Json replies = Json::array({{{"content", "Slow thinking."}, {"tool", "send_message"}, {"arguments", {{"message", "late"}}},
                               {"delay_ms", 800}},
                              say("after")});
  start_llm(replies);
  configure();
  auto server = start_server();
  int port = server->port();
  Api api(port);
  std::string id = create_agent(api, "streamer");
  {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(0, 200000);  // gives up after 200 ms, while the model is still thinking
    auto r = c.Post("/v1/agents/" + id + "/messages/stream", R"({"messages":[{"role":"user","content":"hang up"}]})",
                    "application/json");
    EXPECT_FALSE(r && r->status == 200 && r->body.find("[DONE]") != std::string::npos);
  }
  // The next request waits for the running step (same agent), then runs on a whole history.
  auto next = api.post("/v1/agents/" + id + "/messages", {{"input", "still there?"}});
  ASSERT_EQ(next.status, 200) << next.body.dump();
  EXPECT_EQ(next.body["messages"].back()["content"], "after");
  auto users = user_messages(api, id);
  EXPECT_EQ(users, (std::vector<std::string>{"hang up", "still there?"}));
  auto history = api.get("/v1/agents/" + id + "/messages?order=asc&limit=1000").body;
  int late = 0;
  for (const auto& m : history) late += m["message_type"] == "assistant_message" && m["content"] == "late";
  EXPECT_EQ(late, 1);
}

TEST_F(ServerTest, ServesHttpsWithACertificate) {
  start_llm(1);
  configure();
  auto gen = testing::run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                   "-subj", "/CN=127.0.0.1", "-keyout", home_.file("key.pem"), "-out", home_.file("cert.pem")});
  if (gen.exit_code != 0) MEMGPT_SKIP_OR_FAIL("openssl could not make a certificate: " + gen.err);
  auto server = start_server("", {"--use-ssl", "--ssl-cert", home_.file("cert.pem"), "--ssl-key", home_.file("key.pem")});
  ASSERT_NE(server->log().find("running at https://"), std::string::npos) << server->log();
  int port = server->port();
  httplib::SSLClient c("127.0.0.1", port);
  c.enable_server_certificate_verification(false);
  auto health = c.Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Client plain("127.0.0.1", port);
  auto r = plain.Get("/v1/health");
  EXPECT_FALSE(r && r->status == 200);  // plain HTTP is not served on the HTTPS port
}

// SIGTERM while a step is running: the step finishes and its client gets the reply; then the
// server exits 0 and the stored history holds the whole turn.
TEST_F(ServerTest, SigtermFinishesTheRunningStep) {
  Json replies = Json::array({{{"content", "Thinking slowly."}, {"tool", "send_message"}, {"arguments", {{"message", "done at last"}}},
                               {"delay_ms", 700}}});
  start_llm(replies);
  configure();
  auto server = start_server();
  int port = server->port();
  Api api(port);
  std::string id = create_agent(api, "graceful");
  Reply reply;
  std::thread client([&] {
    Api mine(port);
    reply = mine.post("/v1/agents/" + id + "/messages", {{"input", "take your time"}});
  });
  // The step is running once its model request has arrived (the model answers 700 ms later).
  EXPECT_TRUE(llm_->wait_for_requests(1)) << "the step never reached the model";
  int status = server->stop(SIGTERM);  // waits for the process to exit
  client.join();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server->log();
  ASSERT_EQ(reply.status, 200) << reply.body.dump();
  EXPECT_EQ(reply.body["messages"].back()["content"], "done at last");
  auto again = start_server();
  Api restarted(again->port());
  auto history = restarted.get("/v1/agents/" + id + "/messages?limit=1").body;  // the newest message: 2 views
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["content"], "done at last");
}

}  // namespace
}  // namespace memgpt
