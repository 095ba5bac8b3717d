// scripted_llm_server --scenario FILE [--port N] [--record FILE] [--embedding-dim N]
// Serves the scenario on 127.0.0.1 until SIGTERM/SIGINT; prints "listening on PORT" first.
// With --record, writes every request received (JSON array) to FILE on exit. With
// --embedding-dim, also serves OpenAI-compatible POST /v1/embeddings (ScriptedEmbeddings: the
// same text always gets the same vector) on a second free port and prints "embeddings on PORT"
// (bench/peers points two systems at it, so both store identical vectors).
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "scripted_embeddings.h"
#include "scripted_llm.h"

namespace {
volatile std::sig_atomic_t g_stop = 0;
}

int main(int argc, char** argv) {
  std::string scenario_path, record_path;
  int port = 0;
  int embedding_dim = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--scenario")) scenario_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--port")) port = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--record")) record_path = argv[i + 1];
    else if (!std::strcmp(argv[i], "--embedding-dim")) embedding_dim = std::atoi(argv[i + 1]);
  }
  std::ifstream in(scenario_path);
  if (!in) {
    std::fprintf(stderr, "scripted_llm_server: cannot read scenario '%s'\n", scenario_path.c_str());
    return 2;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto scenario = memgpt::parse_json(ss.str(), "the scenario");
  if (!scenario.ok()) {
    std::fprintf(stderr, "scripted_llm_server: %s\n", scenario.status().message().c_str());
    return 2;
  }
  memgpt::testing::ScriptedLlmServer server(*scenario);
  // The caller reads violations from GET /_violations (no gtest in this process).
  server.allow_violations();
  int bound = server.start(port);
  if (bound <= 0) {
    std::fprintf(stderr, "scripted_llm_server: cannot listen\n");
    return 1;
  }
  std::printf("listening on %d\n", bound);
  std::unique_ptr<memgpt::testing::ScriptedEmbeddings> embeddings;
  if (embedding_dim > 0) {
    embeddings = std::make_unique<memgpt::testing::ScriptedEmbeddings>(embedding_dim);
    const std::string url = embeddings->base_url();  // http://127.0.0.1:<port>/v1
    std::printf("embeddings on %s\n", url.substr(url.rfind(':') + 1, url.size() - url.rfind(':') - 4).c_str());
  }
  std::fflush(stdout);
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  std::signal(SIGINT, [](int) { g_stop = 1; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server.stop();
  if (!record_path.empty()) {
    std::ofstream out(record_path);
    out << memgpt::Json(server.requests()).dump(2);
  }
  return 0;
}
