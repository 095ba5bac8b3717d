// bench_llm_local: a conversation of function-calling steps on the in-process local model,
// printing per step the prompt tokens, how many were evaluated (the rest came from the KV
// cache), prompt / generation tokens per second, the step's latency and whether the call parsed;
// then load time, RSS and totals.
//
//   bench_llm_local [--model GGUF] [--threads N] [--steps N] [--context N] [--max-tokens N]
//                   [--no-grammar] [--no-reuse] [--quiet]
//   bench_llm_local --pp N --tg M [--prefix P] [--repeat R] [--threads N] ...
//
// Defaults: the packaged SmolLM2-135M-Instruct Q4_1, 1 thread, 10 steps, 8192-token context, 64
// tokens per reply, grammar and prefix reuse on. --no-grammar parses the unconstrained output
// with the wrappers' parser (a failure: no call, an unknown function, or arguments that are not
// a JSON object); --no-reuse evaluates the whole prompt at every step.
// --pp/--tg (the shape of llama-bench's pp/tg tests): R plain chat calls (no functions) whose user
// message is about N tokens after a system prompt of about P tokens (cached after the first
// call), each generating up to M tokens: prompt and generation tokens/s as memgpt gets them.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>

#include "llm/llama_chat.h"
#include "util/json.h"

namespace {

long rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace memgpt;
  llm::LlmConfig config;
  config.model_endpoint_type = "local";
  config.model = std::string(MEMGPT_DEPS_CACHE) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
  config.threads = 1;
  config.context_window = 8192;
  int steps = 10, max_tokens = 64, pp = 0, tg = 0, prefix = 0, repeat = 3;
  llm::LocalModelSwitches switches;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        fmt::print(stderr, "{} needs a value\n", a);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--model") config.model = next();
    else if (a == "--threads") config.threads = std::atoi(next().c_str());
    else if (a == "--steps") steps = std::atoi(next().c_str());
    else if (a == "--context") config.context_window = std::atoi(next().c_str());
    else if (a == "--max-tokens") max_tokens = std::atoi(next().c_str());
    else if (a == "--no-grammar") switches.grammar = false;
    else if (a == "--no-reuse") switches.reuse_prefix = false;
    else if (a == "--quiet") quiet = true;
    else if (a == "--pp") pp = std::atoi(next().c_str());
    else if (a == "--tg") tg = std::atoi(next().c_str());
    else if (a == "--prefix") prefix = std::atoi(next().c_str());
    else if (a == "--repeat") repeat = std::atoi(next().c_str());
    else {
      fmt::print(stderr, "unknown argument {} (see the comment at the top of llm_local_bench.cpp)\n", a);
      return 2;
    }
  }
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
  };
  long rss_before = rss_kb();
  auto started = Clock::now();
  auto model = llm::make_llama_chat_model(config);
  if (!model.ok()) {
    fmt::print(stderr, "{}\n", model.status().message());
    return 1;
  }
  double load_ms = ms_since(started);
  (*model)->set_switches(switches);
  if (pp > 0) {
    auto words = [](int n, const char* word) {
      std::string out;
      for (int i = 0; i < n; ++i) out += fmt::format("{}{}", i ? " " : "", word);
      return out;
    };
    fmt::print("pp {} tg {} after a prefix of {} (threads {})\n", pp, tg, prefix, (*model)->threads());
    fmt::print("call  prompt  evaluated  prompt tok/s  generated  gen tok/s\n");
    for (int r = 1; r <= repeat; ++r) {
      llm::ChatRequest plain;
      plain.max_tokens = tg;
      plain.temperature = 0.0;
      plain.messages = {{.role = "system", .content = words(prefix, "river")},
                        {.role = "user", .content = fmt::format("{} {}", r, words(pp, "apple"))}};
      auto reply = (*model)->complete(plain);
      if (!reply.ok()) {
        fmt::print(stderr, "{}\n", reply.status().message());
        return 1;
      }
      auto s = (*model)->last_call_stats();
      fmt::print("{:4}  {:6}  {:9}  {:12.1f}  {:9}  {:9.1f}\n", r, s.prompt_tokens, s.evaluated_tokens,
                 s.evaluate_ms > 0 ? s.evaluated_tokens * 1000.0 / s.evaluate_ms : 0.0, s.generated_tokens,
                 s.generate_ms > 0 ? s.generated_tokens * 1000.0 / s.generate_ms : 0.0);
    }
    return 0;
  }
  llm::ChatRequest request;
  request.max_tokens = max_tokens;
  request.tools = parse_json_or_discarded(R"([
    {"type": "function", "function": {"name": "send_message", "description": "Sends a message to the user.",
      "parameters": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}}},
    {"type": "function", "function": {"name": "archival_memory_search", "description": "Searches archival memory.",
      "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}])");
  const std::set<std::string> offered = {"send_message", "archival_memory_search"};
  std::string system = "You are Sam, a helpful assistant with a long-term memory.";
  for (int i = 0; i < 40; ++i) system += fmt::format(" Fact {}: the user likes topic number {}.", i, i * 7);
  request.messages = {{.role = "system", .content = system}};
  fmt::print("model {}\nthreads {}  context {}  grammar {}  prefix reuse {}  max tokens {}\n", config.model,
             (*model)->threads(), config.context_window, switches.grammar ? "on" : "off",
             switches.reuse_prefix ? "on" : "off", max_tokens);
  fmt::print("load {:.0f} ms  RSS before load {} MB, after load {} MB\n", load_ms, rss_before / 1024,
             rss_kb() / 1024);
  if (!quiet) fmt::print("step  prompt  evaluated  prompt tok/s  generated  gen tok/s  step ms  parsed\n");
  int parsed = 0;
  int64_t evaluated_total = 0, evaluated_from_3 = 0, prompt_from_3 = 0;
  double step_ms_total = 0;
  for (int step = 1; step <= steps; ++step) {
    request.messages.push_back({.role = "user", .content = fmt::format("Message {}: tell me about fact {}.", step, step % 40)});
    auto step_started = Clock::now();
    auto reply = (*model)->complete(request);
    double step_ms = ms_since(step_started);
    if (!reply.ok()) {
      fmt::print(stderr, "step {}: {}\n", step, reply.status().message());
      return 1;
    }
    auto s = (*model)->last_call_stats();
    const auto& calls = reply->message.tool_calls;
    bool ok = !calls.empty() && offered.count(calls[0].name) &&
              parse_json_or_discarded(calls[0].arguments).is_object();
    parsed += ok ? 1 : 0;
    evaluated_total += s.evaluated_tokens;
    step_ms_total += step_ms;
    if (step >= 3) {
      evaluated_from_3 += s.evaluated_tokens;
      prompt_from_3 += s.prompt_tokens;
    }
    if (!quiet) {
      fmt::print("{:4}  {:6}  {:9}  {:12.1f}  {:9}  {:9.1f}  {:7.0f}  {}\n", step, s.prompt_tokens,
                 s.evaluated_tokens, s.evaluate_ms > 0 ? s.evaluated_tokens * 1000.0 / s.evaluate_ms : 0.0,
                 s.generated_tokens, s.generate_ms > 0 ? s.generated_tokens * 1000.0 / s.generate_ms : 0.0, step_ms,
                 ok ? "yes" : "NO");
    }
    request.messages.push_back(reply->message);
    if (!calls.empty()) {
      request.messages.push_back({.role = "tool", .content = R"({"status": "OK"})",
                                  .tool_call_id = calls[0].id, .name = calls[0].name});
    }
    // Keep the conversation inside the window: past 20 exchanges, drop the oldest 10 (rarely, as
    // the agent's summariser does, so that most steps keep their cached prefix).
    if (request.messages.size() > 61) request.messages.erase(request.messages.begin() + 1, request.messages.begin() + 31);
  }
  fmt::print("parsed {}/{}  evaluated {} tokens ({} of {} prompt tokens from step 3 on)  mean step {:.0f} ms  "
             "RSS at end {} MB\n",
             parsed, steps, evaluated_total, evaluated_from_3, prompt_from_3, step_ms_total / steps, rss_kb() / 1024);
  return 0;
}
