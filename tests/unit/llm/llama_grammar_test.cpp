// The grammars memgpt generates constrain the in-process model through llama.cpp's own GBNF
// parser, not only through the project's interpreter (gbnf_matcher.h): every function set an
// agent can offer, and schemas of every JSON type a tool may declare, must parse there.
// (Sampling through such a grammar from the real model: llama_chat_test.cpp.)
#include <gtest/gtest.h>

#if MEMGPT_LOCAL_LLM
#include <llama.h>
#endif

#include <memory>
#include <string>
#include <vector>

#include "agent/functions.h"
#include "llm/function_grammar.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

#if MEMGPT_LOCAL_LLM

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};

class LlamaGrammar : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);  // a refused grammar logs why
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;  // the parser needs the vocabulary only
    std::string path = std::string(MEMGPT_DEPS_CACHE) + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    model_.reset(llama_model_load_from_file(path.c_str(), params));
  }
  static void TearDownTestSuite() { model_.reset(); }

  // Whether llama.cpp's parser accepts `gbnf` with start rule root.
  static bool parses(const std::string& gbnf) {
    llama_sampler* s = llama_sampler_init_grammar(llama_model_get_vocab(model_.get()), gbnf.c_str(), "root");
    if (s) llama_sampler_free(s);
    return s != nullptr;
  }

  static std::unique_ptr<llama_model, ModelDeleter> model_;
};
std::unique_ptr<llama_model, ModelDeleter> LlamaGrammar::model_;

Json tool(const std::string& name, const Json& properties, const Json& required) {
  return {{"type", "function"},
          {"function",
           {{"name", name},
            {"description", "A \"quoted\" description\nover two lines."},
            {"parameters", {{"type", "object"}, {"properties", properties}, {"required", required}}}}}};
}

TEST_F(LlamaGrammar, TheParserRefusesABrokenGrammar) {
  ASSERT_TRUE(model_) << "the packaged model is missing: run scripts/setup.sh";
  EXPECT_FALSE(parses("root ::= ("));
  EXPECT_FALSE(parses("root ::= undefined-rule"));
  EXPECT_TRUE(parses("root ::= \"ok\""));
}

TEST_F(LlamaGrammar, EveryFunctionSetOfTheAgentParses) {
  ASSERT_TRUE(model_) << "the packaged model is missing: run scripts/setup.sh";
  const auto& names = agent::builtin_function_names();
  ASSERT_GT(names.size(), 5u);
  std::vector<std::vector<std::string>> sets = {names};
  for (const auto& name : names) sets.push_back({name});
  for (bool thoughts_in_args : {false, true}) {
    for (const auto& set : sets) {
      std::string gbnf = function_call_gbnf(agent::function_tools(set, thoughts_in_args));
      EXPECT_TRUE(parses(gbnf)) << set.size() << " functions starting with " << set.front() << ":\n" << gbnf;
    }
  }
}

TEST_F(LlamaGrammar, ToolsOfEveryJsonTypeParse) {
  ASSERT_TRUE(model_) << "the packaged model is missing: run scripts/setup.sh";
  Json tools = Json::array({
      tool("pick_colour", {{"colour", {{"type", "string"}, {"enum", {"red", "green", "blue \"ish\""}}}}}, {"colour"}),
      tool("count_2", {{"n", {{"type", "integer"}}}, {"ratio", {{"type", "number"}}}}, {"n"}),
      tool("tag_all", {{"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}, {"flag", {{"type", "boolean"}}}},
           {"tags", "flag"}),
      tool("nested",
           {{"where", {{"type", "object"},
                       {"properties", {{"city", {{"type", "string"}}}, {"zip", {{"type", "integer"}}}}},
                       {"required", {"city"}}}},
            {"note", {{"type", "string"}}}},
           {"where"}),
      tool("no_args", Json::object(), Json::array()),
  });
  std::string gbnf = function_call_gbnf(tools);
  EXPECT_TRUE(parses(gbnf)) << gbnf;
}

#else

TEST(LlamaGrammar, BuiltWithoutLlamaCpp) { GTEST_SKIP() << "MEMGPT_LOCAL_LLM is off (run scripts/setup.sh)"; }

#endif

}  // namespace
}  // namespace memgpt::llm
