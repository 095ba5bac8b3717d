// The in-process local model (llama.cpp) with the packaged GGUF (SmolLM2-135M-Instruct, fetched
// by scripts/setup.sh): loading errors are one line, every function call the grammar lets through
// parses into a known function with its arguments, and a second step evaluates only the tokens
// that follow the prefix it shares with the first. No assertion on what the model says.
#include "llm/llama_chat.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

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

#else

TEST(LlamaChat, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::llm
