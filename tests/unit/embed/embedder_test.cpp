#include "embed/embedder.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <thread>

#include "support/hanging_server.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::embed {
namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i];
  return s;
}

TEST(BuiltinEmbedder, DeterministicUnitVectorsThatRankMeaning) {
  auto e = make_builtin_embedder();
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ((*e)->dim(), 384);
  EXPECT_EQ((*e)->model(), "memgpt-builtin-384");
  std::vector<std::string> texts = {"The cat sat on the mat.", "A kitten rests on a rug.",
                                    "Quarterly revenue of the mining company rose.", "", "The cat sat on the mat."};
  auto v = (*e)->embed(texts);
  ASSERT_TRUE(v.ok());
  for (const auto& x : *v) {
    ASSERT_EQ(x.size(), 384u);
    EXPECT_NEAR(dot(x, x), 1.0, 1e-4);
  }
  EXPECT_EQ((*v)[0], (*v)[4]);  // deterministic
  // Related sentences (no shared content word) are closer than unrelated ones.
  EXPECT_GT(dot((*v)[0], (*v)[1]), dot((*v)[0], (*v)[2]));
}

class FakeEmbeddingsServer {
 public:
  explicit FakeEmbeddingsServer(int dim, int fail_first = 0) : dim_(dim), fail_(fail_first) {
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      auth = req.get_header_value("Authorization");
      answer(req, res);
    });
    // Azure OpenAI, as strict as Azure: api-version required (404 without), the key in
    // `api-key` (an Authorization header is 401).
    server_.Post(R"(/openai/deployments/([^/]+)/embeddings)", [this](const httplib::Request& req,
                                                                     httplib::Response& res) {
      auto error = [&](int status, const char* message) {
        res.status = status;
        res.set_content(Json({{"error", {{"code", std::to_string(status)}, {"message", message}}}}).dump(),
                        "application/json");
      };
      if (req.get_param_value("api-version").empty()) return error(404, "Resource not found");
      if (req.has_header("Authorization") || req.get_header_value("api-key").empty()) {
        return error(401, "Access denied due to invalid subscription key or wrong API endpoint.");
      }
      auth = "api-key " + req.get_header_value("api-key");
      answer(req, res);
    });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeEmbeddingsServer() {
    server_.stop();
    thread_.join();
  }
  std::vector<Json> requests;
  std::vector<std::string> paths;  // of every request answered with embeddings
  std::string auth;
  int port = 0;

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    requests.push_back(Json::parse(req.body));
    if (fail_ > 0) {
      --fail_;
      res.status = 503;
      return;
    }
    paths.push_back(req.path);
    Json data = Json::array();
    int i = 0;
    for (const auto& text : requests.back()["input"]) {
      std::vector<float> v(static_cast<size_t>(dim_), 0.0f);
      v[text.get<std::string>().size() % dim_] = 3.0f;  // not normalised on purpose
      data.push_back({{"object", "embedding"}, {"index", i++}, {"embedding", v}});
    }
    res.set_content(Json({{"object", "list"}, {"data", data}, {"model", "m"}}).dump(), "application/json");
  }
  int dim_;
  int fail_;
  httplib::Server server_;
  std::thread thread_;
};

TEST(OpenAIEmbedder, BatchesNormalisesAndRetries) {
  FakeEmbeddingsServer server(8, 1);
  EmbedderConfig c;
  c.endpoint_type = "openai";
  c.endpoint = "http://127.0.0.1:" + std::to_string(server.port) + "/v1";
  c.model = "text-embedding-test";
  c.dim = 8;
  c.api_key = "sk-embed";
  c.batch_size = 2;
  auto e = make_embedder(c);
  ASSERT_TRUE(e.ok());
  std::string long_text;
  for (int i = 0; i < 6000; ++i) long_text += "lorem ipsum ";  // 12,000 tokens
  std::vector<std::string> texts = {"a", "bb", "ccc", long_text};
  auto v = (*e)->embed(texts);
  ASSERT_TRUE(v.ok()) << v.status().message();
  ASSERT_EQ(v->size(), 4u);
  EXPECT_NEAR(dot((*v)[0], (*v)[0]), 1.0, 1e-6);
  EXPECT_EQ(server.requests.size(), 3u);  // one 503 retried, then 2 batches of 2
  EXPECT_EQ(server.requests.back()["input"].size(), 2u);
  EXPECT_EQ(server.auth, "Bearer sk-embed");
  // The long input was cut to the model's token limit before sending.
  EXPECT_LT(server.requests.back()["input"][1].get<std::string>().size(), long_text.size());
}

// Azure: the deployment's URL with an api-version and the key in `api-key`, never as Bearer.
TEST(OpenAIEmbedder, AzureCallsTheDeploymentWithApiVersionAndApiKeyHeader) {
  FakeEmbeddingsServer server(8);
  EmbedderConfig c;
  c.endpoint_type = "azure";
  c.endpoint = "http://127.0.0.1:" + std::to_string(server.port) + "/";
  c.model = "embed-prod";  // the deployment
  c.dim = 8;
  c.api_key = "azure-key";
  c.max_attempts = 1;
  std::vector<std::string> texts = {"x"};
  auto v = (*make_embedder(c))->embed(texts);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(server.paths, (std::vector<std::string>{"/openai/deployments/embed-prod/embeddings"}));
  EXPECT_EQ(server.auth, "api-key azure-key");
}

// Local servers are often configured without /v1: it is added once where missing; OpenAI's
// endpoint is taken as configured.
TEST(OpenAIEmbedder, V1IsAddedOnceForLocalServers) {
  FakeEmbeddingsServer server(8);
  std::string origin = "http://127.0.0.1:" + std::to_string(server.port);
  std::vector<std::pair<std::string, std::string>> configs = {
      {"ollama", origin}, {"vllm", origin + "/"}, {"llamacpp", origin + "/v1"}, {"openai", origin + "/v1/"}};
  for (const auto& [type, endpoint] : configs) {
    EmbedderConfig c;
    c.endpoint_type = type;
    c.endpoint = endpoint;
    c.model = "m";
    c.dim = 8;
    c.max_attempts = 1;
    std::vector<std::string> texts = {"x"};
    auto v = (*make_embedder(c))->embed(texts);
    EXPECT_TRUE(v.ok()) << type << " at " << endpoint << ": " << v.status().message();
  }
  EXPECT_EQ(server.paths, std::vector<std::string>(configs.size(), "/v1/embeddings"));
}

TEST(OpenAIEmbedder, DimensionMismatchIsAnErrorNeverAMix) {
  FakeEmbeddingsServer server(8);
  EmbedderConfig c;
  c.endpoint_type = "openai";
  c.endpoint = "http://127.0.0.1:" + std::to_string(server.port) + "/v1";
  c.model = "m";
  c.dim = 1536;
  auto e = make_embedder(c);
  std::vector<std::string> texts = {"x"};
  auto v = (*e)->embed(texts);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("returned 8-dimensional embeddings but 1536 are configured"), std::string::npos)
      << v.status().message();
}

TEST(OpenAIEmbedder, UnreachableEndpointIsAClearError) {
  EmbedderConfig c;
  c.endpoint_type = "openai";
  testing::ClosedPort closed;
  c.endpoint = "http://127.0.0.1:" + std::to_string(closed.port()) + "/v1";
  c.model = "m";
  c.max_attempts = 1;
  auto e = make_embedder(c);
  std::vector<std::string> texts = {"x"};
  auto v = (*e)->embed(texts);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(make_embedder({"openai", "", "m"}).ok());  // no endpoint
}

// A server that takes the request and never answers: the batch has one deadline for every
// attempt and wait, so the first timed-out attempt is the last one (four attempts of the whole
// timeout each before).
TEST(OpenAIEmbedder, HungEndpointIsOneDeadlineNotOnePerAttempt) {
  testing::HangingServer hung;
  ASSERT_GT(hung.start(), 0);
  EmbedderConfig c;
  c.endpoint_type = "openai";
  c.endpoint = hung.base_url();
  c.model = "m";
  c.timeout_ms = 300;
  c.max_attempts = 4;
  auto e = make_embedder(c);
  ASSERT_TRUE(e.ok());
  std::vector<std::string> texts = {"x"};
  auto v = (*e)->embed(texts);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kTimeout) << v.status().message();
  ASSERT_TRUE(hung.wait_for_requests(1));
  EXPECT_EQ(hung.requests(), 1);
}

}  // namespace
}  // namespace memgpt::embed
