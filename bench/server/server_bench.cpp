// `memgpt server` under load: C concurrent clients send M messages each over A agents, through
// real HTTP on loopback, with the scripted LLM server answering at once (so a request's time is
// the server's own work plus one loopback model call per step). Reports throughput and request
// latency p50/p99, and checks nothing was lost.
//   bench_server [--clients 50] [--messages 20] [--agents 10] [--postgres-uri URI]
#include <httplib.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "scripted_llm.h"
#include "util/json.h"

using memgpt::Json;

namespace {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int run(const std::vector<std::string>& argv, const std::string& home) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("MEMGPT_HOME", home.c_str(), 1);
    freopen("/dev/null", "w", stdout);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 50, messages = 20, agents = 10;
  std::string pg;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--clients")) clients = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--messages")) messages = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--agents")) agents = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--postgres-uri")) pg = argv[i + 1];
  }
  std::string home = std::filesystem::temp_directory_path() / ("memgpt-bench-server-" + std::to_string(getpid()));
  std::filesystem::create_directories(home);
  Json replies = Json::array();
  for (int i = 0; i < clients * messages * 2 + 100; ++i) {
    replies.push_back({{"content", "The user wrote again; answering briefly."},
                       {"tool", "send_message"},
                       {"arguments", {{"message", "Reply " + std::to_string(i) + ": noted, thank you."}}}});
  }
  memgpt::testing::ScriptedLlmServer llm({{"model", "gpt-4o-mini"}, {"replies", replies}});
  llm.start();
  std::vector<std::string> conf = {MEMGPT_BINARY, "configure", "--llm-provider", "openai", "--model", "gpt-4o-mini",
                                   "--model-endpoint", llm.base_url(), "--openai-key", "sk-bench"};
  if (!pg.empty()) {
    for (const char* a : {"--metadata-storage", "postgres", "--recall-storage", "postgres"}) conf.push_back(a);
    for (const char* k : {"--metadata-uri", "--recall-uri"}) {
      conf.push_back(k);
      conf.push_back(pg);
    }
  }
  if (run(conf, home) != 0) {
    std::fprintf(stderr, "configure failed\n");
    return 1;
  }
  int port = free_port();
  pid_t server = fork();
  if (server == 0) {
    setenv("MEMGPT_HOME", home.c_str(), 1);
    freopen("/dev/null", "w", stdout);
    // BENCH_SERVER_LOG=FILE keeps the server's request log (method, path, status, ms).
    if (const char* log = std::getenv("BENCH_SERVER_LOG")) {
      freopen(log, "w", stderr);
      execl(MEMGPT_BINARY, "memgpt", "server", "--port", std::to_string(port).c_str(), static_cast<char*>(nullptr));
    }
    execl(MEMGPT_BINARY, "memgpt", "server", "--quiet", "--port", std::to_string(port).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  for (int i = 0; i < 200; ++i) {
    if (auto r = c.Get("/v1/health"); r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::vector<std::string> ids;
  for (int a = 0; a < agents; ++a) {
    auto r = c.Post("/v1/agents", Json{{"name", "bench-" + std::to_string(a)}}.dump(), "application/json");
    if (!r || r->status != 200) {
      std::fprintf(stderr, "cannot create agents: %s\n", r ? r->body.c_str() : "no reply");
      kill(server, SIGKILL);
      return 1;
    }
    ids.push_back(Json::parse(r->body)["id"]);
  }
  std::mutex mu;
  std::vector<double> latencies;
  std::atomic<int> errors{0};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client cc("127.0.0.1", port);
      cc.set_read_timeout(300, 0);
      std::vector<double> mine;
      for (int m = 0; m < messages; ++m) {
        Json body = {{"messages", {{{"role", "user"}, {"content", "client " + std::to_string(i) + " says " + std::to_string(m)}}}}};
        auto s = std::chrono::steady_clock::now();
        auto r = cc.Post("/v1/agents/" + ids[static_cast<size_t>(i % agents)] + "/messages", body.dump(), "application/json");
        mine.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
        if (!r || r->status != 200) ++errors;
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Count the stored user messages: none lost or duplicated.
  size_t stored = 0;
  for (const auto& id : ids) {
    auto r = c.Get("/v1/agents/" + id + "/messages?order=asc&limit=1000");
    if (!r) continue;
    for (const auto& m : Json::parse(r->body)) {
      if (m["message_type"] == "user_message" && m["content"].get<std::string>().rfind("client ", 0) == 0) ++stored;
    }
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(home);
  int total = clients * messages;
  std::printf("server load (%s): %d clients x %d messages over %d agents\n", pg.empty() ? "SQLite" : "PostgreSQL",
              clients, messages, agents);
  std::printf("  %d requests in %.2f s = %.1f messages/s; errors %d; stored %zu of %d user messages\n", total, secs,
              total / secs, errors.load(), stored, total);
  std::printf("  model calls: %zu for %d messages (summaries of long histories add calls)\n", llm.requests().size(), total);
  std::printf("  request latency (server work + one loopback model call per step, queueing behind the\n"
              "  agent's other clients included): p50 %.1f ms, p99 %.1f ms\n",
              pct(latencies, 0.5), pct(latencies, 0.99));
  return errors.load() == 0 && stored == static_cast<size_t>(total) ? 0 : 1;
}
