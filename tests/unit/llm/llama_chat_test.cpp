// The in-process local model (llama.cpp) with the packaged GGUF (SmolLM2-135M-Instruct, fetched
// by scripts/setup.sh): loading errors are one line, every function call the grammar lets through
// parses into a known function with its arguments, and a second step evaluates only the tokens
// that follow the prefix it shares with the first. No assertion on what the model says.
#include "llm/llama_chat.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <thread>

#include "llm/llama_memory.h"
#include "llm/llama_models.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

#if MEMGPT_LOCAL_LLM

std::string packaged_model() { return std::string(MEMGPT_DEPS_CACHE) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"; }

LlmConfig local_config(const std::string& model) {
  LlmConfig c;
  c.model_endpoint_type = "local";
  c.model = model;
  c.context_window = 2048;
  c.threads = 1;  // the test machine's cores are shared with other tests
  return c;
}

Json tools() {
  return Json::parse(R"([
    {"type": "function", "function": {"name": "send_message", "description": "Sends a message to the user.",
      "parameters": {"type": "object", "properties": {"message": {"type": "string", "description": "The message."}},
                     "required": ["message"]}}},
    {"type": "function", "function": {"name": "archival_memory_search", "description": "Searches archival memory.",
      "parameters": {"type": "object", "properties": {
          "query": {"type": "string", "description": "What to search for."},
          "request_heartbeat": {"type": "boolean", "description": "Run again after the result."}},
        "required": ["query", "request_heartbeat"]}}}
  ])");
}

// A GGUF v3 header with only general.architecture set (no tensors).
void write_gguf_with_architecture(const std::string& path, const std::string& arch) {
  std::ofstream out(path, std::ios::binary);
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u64 = [&](uint64_t v) { out.write(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& s) {
    u64(s.size());
    out.write(s.data(), static_cast<std::streamsize>(s.size()));
  };
  out.write("GGUF", 4);
  u32(3);  // version
  u64(0);  // tensors
  u64(1);  // key-value pairs
  str("general.architecture");
  u32(8);  // string
  str(arch);
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }

TEST(LlamaChat, AMissingModelFileIsAOneLineNotFound) {
  auto m = make_llama_chat_model(local_config("/nonexistent/model.gguf"));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(one_line(m.status().message())) << m.status().message();
  EXPECT_NE(m.status().message().find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(LlamaChat, AFileThatIsNotGgufIsRefusedInOneLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("notes.gguf")) << "just some text\n";
  auto m = make_llama_chat_model(local_config(dir.file("notes.gguf")));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(one_line(m.status().message())) << m.status().message();
  EXPECT_NE(m.status().message().find("not a GGUF"), std::string::npos) << m.status().message();
}

TEST(LlamaChat, AnUnknownArchitectureIsRefusedInOneLineNamingIt) {
  testing::TempDir dir;
  write_gguf_with_architecture(dir.file("odd.gguf"), "nosucharch");
  auto m = make_llama_chat_model(local_config(dir.file("odd.gguf")));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(one_line(m.status().message())) << m.status().message();
  EXPECT_NE(m.status().message().find("nosucharch"), std::string::npos) << m.status().message();
}

TEST(LlamaChat, ThePackagedModelIsFoundByName) {
  auto path = resolve_local_model(kPackagedLocalModel);
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_NE(path->find("SmolLM2-135M-Instruct.Q4_1.gguf"), std::string::npos);
}

TEST(LlamaChat, EveryCallParsesAndTheNextStepReusesTheSharedPrefix) {
  auto model = make_llama_chat_model(local_config(packaged_model()));
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->threads(), 1);
  ChatRequest request;
  request.tools = tools();
  request.max_tokens = 96;
  request.messages = {{.role = "system", .content = "You are a helpful assistant with a memory."},
                      {.role = "user", .content = "Hello! What do you remember about cats?"}};
  for (int step = 0; step < 3; ++step) {
    auto reply = (*model)->complete(request);
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    const LocalCallStats stats = (*model)->last_call_stats();
    ASSERT_EQ(reply->message.tool_calls.size(), 1u);
    const ToolCall& call = reply->message.tool_calls[0];
    if (reply->finish_reason != "length") {
      // The grammar admits only a call of an offered function with an arguments object.
      EXPECT_TRUE(call.name == "send_message" || call.name == "archival_memory_search") << call.name;
      Json args = parse_json_or_discarded(call.arguments);
      ASSERT_TRUE(args.is_object()) << call.arguments;
      EXPECT_TRUE(args.contains(call.name == "send_message" ? "message" : "query")) << call.arguments;
      EXPECT_EQ(reply->finish_reason, "tool_calls");
    }
    EXPECT_EQ(reply->usage.prompt_tokens, stats.prompt_tokens);
    EXPECT_GT(stats.generated_tokens, 0);
    if (step == 0) {
      EXPECT_EQ(stats.evaluated_tokens, stats.prompt_tokens);
    } else {
      // Everything up to the new turn was already in the KV cache.
      EXPECT_LT(stats.evaluated_tokens, stats.prompt_tokens / 2)
          << stats.evaluated_tokens << " of " << stats.prompt_tokens;
    }
    ChatMessage said = reply->message;
    request.messages.push_back(said);
    request.messages.push_back({.role = "tool", .content = R"({"status": "OK", "message": null})",
                                .tool_call_id = call.id, .name = call.name});
  }
}

TEST(LlamaChat, WithoutToolsTheModelAnswersInText) {
  auto model = make_llama_chat_model(local_config(packaged_model()));
  ASSERT_TRUE(model.ok()) << model.status().message();
  ChatRequest request;
  request.max_tokens = 16;
  request.messages = {{.role = "user", .content = "Say hello."}};
  auto reply = (*model)->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_TRUE(reply->message.tool_calls.empty());
  EXPECT_GT(reply->usage.completion_tokens, 0);
}

TEST(LlamaChat, StreamedDeltasAddUpToTheReply) {
  auto model = make_llama_chat_model(local_config(packaged_model()));
  ASSERT_TRUE(model.ok()) << model.status().message();
  ChatRequest request;
  request.tools = tools();
  request.max_tokens = 96;
  request.messages = {{.role = "system", .content = "You are a helpful assistant with a memory."},
                      {.role = "user", .content = "Hello! What do you remember about cats?"}};
  std::string content, arguments;
  std::vector<std::string> names;
  int deltas = 0;
  request.on_delta = [&](const StreamDelta& d) {
    ++deltas;
    content += d.content;
    arguments += d.tool_arguments;
    if (!d.tool_name.empty()) names.push_back(d.tool_name);
  };
  auto reply = (*model)->complete(request);
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  ASSERT_EQ(reply->finish_reason, "tool_calls") << "the reply was cut off; raise max_tokens";
  const ToolCall& call = reply->message.tool_calls.at(0);
  EXPECT_GT(deltas, 2);
  EXPECT_EQ(content, reply->message.content);
  EXPECT_EQ(names, std::vector<std::string>{call.name});
  EXPECT_EQ(parse_json_or_discarded(arguments), parse_json_or_discarded(call.arguments)) << arguments;
}

TEST(LlamaChat, CancellingMidReplyLeavesNoStaleTokensForTheNextCall) {
  auto model = make_llama_chat_model(local_config(packaged_model()));
  ASSERT_TRUE(model.ok()) << model.status().message();
  ChatRequest request;
  request.tools = tools();
  request.max_tokens = 64;
  request.temperature = 0;  // greedy: the same cache gives the same reply
  request.messages = {{.role = "system", .content = "You are a helpful assistant with a memory."},
                      {.role = "user", .content = "Tell me everything you know about cats."}};
  ASSERT_TRUE((*model)->complete(request).ok());
  auto repeated = (*model)->complete(request);  // the prompt is cached: only its last token is evaluated
  ASSERT_TRUE(repeated.ok()) << repeated.status().message();
  const LocalCallStats repeated_stats = (*model)->last_call_stats();

  std::atomic<bool> cancel{false};
  std::atomic<int> deltas{0};
  ChatRequest interrupted = request;
  interrupted.cancel = &cancel;
  interrupted.on_delta = [&](const StreamDelta&) { ++deltas; };
  std::thread interrupter([&] {
    while (deltas.load() == 0) std::this_thread::yield();
    cancel = true;
  });
  auto cut = (*model)->complete(interrupted);
  deltas = 1;  // the interrupter ends even if nothing streamed
  interrupter.join();
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), ErrorCode::kCancelled);

  // The tokens generated before the interruption are not taken for part of the next prompt.
  auto after = (*model)->complete(request);
  ASSERT_TRUE(after.ok()) << after.status().message();
  const LocalCallStats after_stats = (*model)->last_call_stats();
  EXPECT_EQ(after_stats.evaluated_tokens, repeated_stats.evaluated_tokens);
  EXPECT_EQ(after->message.content, repeated->message.content);
  EXPECT_EQ(after->message.tool_calls.at(0).arguments, repeated->message.tool_calls.at(0).arguments);

  // Cancelled before the prompt is evaluated: nothing of it is kept either.
  ChatRequest other = request;
  other.messages[1].content = "And dogs?";
  cancel = true;
  other.cancel = &cancel;
  auto stopped = (*model)->complete(other);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), ErrorCode::kCancelled);
  other.cancel = nullptr;
  ASSERT_TRUE((*model)->complete(other).ok());
  const LocalCallStats other_stats = (*model)->last_call_stats();
  EXPECT_GT(other_stats.evaluated_tokens, 1);  // from where "dogs" differs from "cats" on
  EXPECT_LT(other_stats.evaluated_tokens, other_stats.prompt_tokens);
}

TEST(LlamaChat, ModelsOfOneFileShareTheWeightsAndKeepTheirOwnContexts) {
  const ModelRegistryCounts start = model_registry_counts();
  ASSERT_EQ(start.live_models, 0);
  auto first = make_llama_chat_model(local_config(packaged_model()));
  auto second = make_llama_chat_model(local_config(packaged_model()));
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(second.ok()) << second.status().message();
  EXPECT_EQ(model_registry_counts().loads, start.loads + 1);
  EXPECT_EQ(model_registry_counts().live_contexts, start.live_contexts) << "a context before the first call";
  ChatRequest request;
  request.max_tokens = 8;
  request.messages = {{.role = "user", .content = "Say hello."}};
  ASSERT_TRUE((*first)->complete(request).ok());
  ASSERT_TRUE((*second)->complete(request).ok());
  EXPECT_EQ(model_registry_counts().live_contexts, start.live_contexts + 2);
  // Each context kept its own prompt: the second call of each evaluates only the last token.
  ASSERT_TRUE((*first)->complete(request).ok());
  EXPECT_EQ((*first)->last_call_stats().evaluated_tokens, 1);
  first->reset();
  EXPECT_EQ(model_registry_counts().live_contexts, start.live_contexts + 1);
  EXPECT_EQ(model_registry_counts().live_models, 1);
  second->reset();
  EXPECT_EQ(model_registry_counts().live_models, 0);
  EXPECT_EQ(model_registry_counts().live_contexts, start.live_contexts);
}

TEST(LlamaChat, NotEnoughMemoryIsRefusedBeforeLoadingInOneLineSayingWhatToDo) {
  const ModelRegistryCounts start = model_registry_counts();
  LocalModelOptions options;
  options.available_memory = [] { return std::optional<uint64_t>(64u << 20); };  // 64 MiB
  LlmConfig config = local_config(packaged_model());
  config.context_window = 8192;
  auto m = make_llama_chat_model(config, options);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(is_context_overflow(m.status())) << "summarising would not make room in memory";
  const std::string& message = m.status().message();
  EXPECT_TRUE(one_line(message)) << message;
  EXPECT_NE(message.find("64 MiB"), std::string::npos) << message;        // what is free
  EXPECT_NE(message.find("needs about"), std::string::npos) << message;   // what is needed
  EXPECT_NE(message.find("--context-window"), std::string::npos) << message;
  EXPECT_EQ(model_registry_counts().loads, start.loads) << "loaded before checking";

  // With room for it, the same model loads.
  options.available_memory = [] { return std::optional<uint64_t>(uint64_t{8} << 30); };
  EXPECT_TRUE(make_llama_chat_model(config, options).ok());
}

TEST(LlamaChat, TheMemoryEstimateComesFromTheGgufHeader) {
  auto facts = read_gguf_facts(packaged_model());
  ASSERT_TRUE(facts.ok()) << facts.status().message();
  // SmolLM2-135M: a llama, 30 layers, 3 KV heads of 64 (keys and values), trained on 8192.
  EXPECT_EQ(facts->architecture, "llama");
  EXPECT_EQ(facts->layers, 30);
  EXPECT_EQ(facts->kv_width, 3 * 64 * 2);
  EXPECT_EQ(facts->context_length, 8192);
  MemoryNeed small = estimate_memory(*facts, 1000, 1024, 512);
  MemoryNeed large = estimate_memory(*facts, 1000, 8192, 512);
  EXPECT_EQ(small.weights, 1000u);
  EXPECT_EQ(small.kv_cache, uint64_t{1024} * 30 * 384 * 2);
  EXPECT_EQ(large.kv_cache, 8 * small.kv_cache);
  EXPECT_GT(small.compute, 0u);
}

TEST(LlamaChat, AWindowLargerThanTrainedIsClampedToTheTrainedOne) {
  LlmConfig config = local_config(packaged_model());
  config.context_window = 1000000;
  auto model = make_llama_chat_model(config);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->context_window(), 8192);
  config.context_window = 2048;
  auto smaller = make_llama_chat_model(config);
  ASSERT_TRUE(smaller.ok()) << smaller.status().message();
  EXPECT_EQ((*smaller)->context_window(), 2048);
}

TEST(LlamaChat, ATruncatedGgufIsRefusedInOneLine) {
  testing::TempDir dir;
  std::ofstream(dir.file("cut.gguf"), std::ios::binary) << "GGUF\x03\x00\x00\x00\x01";
  auto m = make_llama_chat_model(local_config(dir.file("cut.gguf")));
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(one_line(m.status().message())) << m.status().message();
}

#else

TEST(LlamaChat, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::llm
