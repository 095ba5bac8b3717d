// bench_llm_local [GGUF] [threads] [steps]: a conversation of `steps` function-calling steps on
// the local model, printing per step the prompt tokens, how many were evaluated (the rest came
// from the KV cache), and prompt / generation tokens per second; then load time and RSS.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
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
  config.model = argc > 1 ? argv[1] : std::string(MEMGPT_DEPS_CACHE) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
  config.threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 10;
  config.context_window = 8192;
  auto started = std::chrono::steady_clock::now();
  auto model = llm::make_llama_chat_model(config);
  if (!model.ok()) {
    fmt::print(stderr, "{}\n", model.status().message());
    return 1;
  }
  double load_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  llm::ChatRequest request;
  request.max_tokens = 64;
  request.tools = parse_json_or_discarded(R"([
    {"type": "function", "function": {"name": "send_message", "description": "Sends a message to the user.",
      "parameters": {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}}},
    {"type": "function", "function": {"name": "archival_memory_search", "description": "Searches archival memory.",
      "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}}])");
  std::string system = "You are Sam, a helpful assistant with a long-term memory.";
  for (int i = 0; i < 40; ++i) system += fmt::format(" Fact {}: the user likes topic number {}.", i, i * 7);
  request.messages = {{.role = "system", .content = system}};
  fmt::print("threads {}  load {:.0f} ms  RSS after load {} MB\n", (*model)->threads(), load_ms, rss_kb() / 1024);
  fmt::print("step  prompt  evaluated  prompt tok/s  generated  gen tok/s  parsed\n");
  int parsed = 0;
  for (int step = 1; step <= steps; ++step) {
    request.messages.push_back({.role = "user", .content = fmt::format("Message {}: tell me about fact {}.", step, step)});
    auto reply = (*model)->complete(request);
    if (!reply.ok()) {
      fmt::print(stderr, "step {}: {}\n", step, reply.status().message());
      return 1;
    }
    auto s = (*model)->last_call_stats();
    bool ok = !reply->message.tool_calls.empty() &&
              parse_json_or_discarded(reply->message.tool_calls[0].arguments).is_object() &&
              reply->message.tool_calls[0].name != "unknown_function";
    parsed += ok ? 1 : 0;
    fmt::print("{:4}  {:6}  {:9}  {:12.1f}  {:9}  {:9.1f}  {}\n", step, s.prompt_tokens, s.evaluated_tokens,
               s.evaluate_ms > 0 ? s.evaluated_tokens * 1000.0 / s.evaluate_ms : 0.0, s.generated_tokens,
               s.generate_ms > 0 ? s.generated_tokens * 1000.0 / s.generate_ms : 0.0, ok ? "yes" : "NO");
    request.messages.push_back(reply->message);
    if (!reply->message.tool_calls.empty()) {
      request.messages.push_back({.role = "tool", .content = R"({"status": "OK"})",
                                  .tool_call_id = reply->message.tool_calls[0].id,
                                  .name = reply->message.tool_calls[0].name});
    }
  }
  fmt::print("parsed {}/{}  RSS at end {} MB\n", parsed, steps, rss_kb() / 1024);
  return 0;
}
