// The server's token streaming with an agent on the in-process local model (the packaged
// SmolLM2 GGUF run by llama.cpp): real HTTP on loopback, `stream_tokens: true`. The monologue
// arrives in several reasoning deltas, and what they add up to is what the agent stored. No
// assertion on the model's wording.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "runtime/runtime.h"
#include "server/server.h"
#include "support/runtime_home.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::server {
namespace {

#if MEMGPT_LOCAL_LLM

class LocalModelStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("MEMGPT_LLM_THREADS", "1", 1);  // the cores are shared with the other tests
    MemgptConfig config = *runtime::load_config_or_default();
    config.model_endpoint_type = "local";
    config.model_endpoint.clear();
    config.model = "smollm2-135m-instruct";
    config.model_wrapper = "chatml";
    config.context_window = 4096;
    opened_.open(config, home_.path());
    ServerOptions options;
    options.log_requests = false;
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(*opened_.ctx, *opened_.archival, options);
    auto port = server_->start();
    ASSERT_TRUE(port.ok()) << port.status().message();
    port_ = *port;
  }
  void TearDown() override {
    if (server_) server_->stop();
    ::unsetenv("MEMGPT_LLM_THREADS");
  }

  testing::ScopedHome home_;
  testing::RuntimeHome opened_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

// The JSON of each `data:` line of an SSE body (the final [DONE] left out).
std::vector<Json> events_of(const std::string& body) {
  std::vector<Json> out;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("data: ", 0) != 0) continue;
    Json j = parse_json_or_discarded(line.substr(6));
    if (j.is_object()) out.push_back(j);
  }
  return out;
}

TEST_F(LocalModelStreamTest, StreamedReasoningDeltasAddUpToTheStoredMonologue) {
  httplib::Client http("127.0.0.1", port_);
  http.set_read_timeout(600, 0);
  auto created = http.Post("/v1/agents", R"({"name": "streamer"})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  std::string id = parse_json_or_discarded(created->body).value("id", "");
  ASSERT_FALSE(id.empty());

  Json request = {{"messages", {{{"role", "user"}, {"content", "Hello! Tell me about yourself."}}}},
                  {"stream_tokens", true}};
  auto streamed = http.Post("/v1/agents/" + id + "/messages/stream", request.dump(), "application/json");
  ASSERT_TRUE(streamed);
  ASSERT_EQ(streamed->status, 200) << streamed->body;
  EXPECT_NE(streamed->body.find("data: [DONE]"), std::string::npos) << streamed->body;

  // Deltas of one step share the reasoning message's id.
  std::map<std::string, std::string> streamed_text;
  std::map<std::string, int> deltas;
  for (const auto& e : events_of(streamed->body)) {
    if (e.value("message_type", "") != "reasoning_message") continue;
    streamed_text[e.value("id", "")] += e.value("reasoning", "");
    ++deltas[e.value("id", "")];
  }
  ASSERT_FALSE(streamed_text.empty()) << streamed->body;

  auto history = http.Get("/v1/agents/" + id + "/messages?order=asc&limit=1000");
  ASSERT_TRUE(history);
  Json messages = parse_json_or_discarded(history->body);
  ASSERT_TRUE(messages.is_array()) << history->body;
  // The last steps' monologues, in order (the ones before the user's message are the boot
  // sequence's).
  std::vector<std::string> stored;
  bool after_user = false;
  for (const auto& m : messages) {
    if (m.value("message_type", "") == "user_message") after_user = true;
    if (after_user && m.value("message_type", "") == "reasoning_message") stored.push_back(m.value("reasoning", ""));
  }
  ASSERT_EQ(stored.size(), streamed_text.size()) << history->body;
  // The map orders by id, not by time: compare the sets of monologues.
  std::multiset<std::string> streamed_set, stored_set(stored.begin(), stored.end());
  for (const auto& [_, text] : streamed_text) streamed_set.insert(text);
  EXPECT_EQ(streamed_set, stored_set);
  int most = 0;
  for (const auto& [_, n] : deltas) most = std::max(most, n);
  EXPECT_GE(most, 2) << "the monologue came in one piece: not streamed";
}

#else

TEST(LocalModelStreamTest, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::server
