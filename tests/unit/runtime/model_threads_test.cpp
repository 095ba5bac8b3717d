// How many CPU threads the in-process model gets: the config file's [model] threads, else
// MEMGPT_LLM_THREADS, else min(cores, 4); the config key reaches the model's settings through
// the runtime, as every agent's model is connected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "llm/llm_config.h"
#include "runtime/runtime.h"
#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

// Sets or clears MEMGPT_LLM_THREADS for one test, and puts back what was there.
class ThreadsEnv {
 public:
  explicit ThreadsEnv(const char* value) {
    if (const char* old = std::getenv("MEMGPT_LLM_THREADS")) saved_ = old;
    if (value) ::setenv("MEMGPT_LLM_THREADS", value, 1);
    else ::unsetenv("MEMGPT_LLM_THREADS");
  }
  ~ThreadsEnv() {
    if (saved_) ::setenv("MEMGPT_LLM_THREADS", saved_->c_str(), 1);
    else ::unsetenv("MEMGPT_LLM_THREADS");
  }

 private:
  std::optional<std::string> saved_;
};

// The threads an agent's local model gets with `config_text` as the config file.
int threads_with_config(const std::string& config_text) {
  testing::ScopedHome home;
  testing::write_text(home.path() + "/config", config_text);
  auto config = load_config_or_default();
  EXPECT_TRUE(config.ok()) << config.status().message();
  store::AgentLlmConfig agent;
  agent.model_endpoint_type = "local";
  agent.model = "smollm2-135m-instruct";
  llm::LlmConfig llm = llm_config_of(agent, Credentials{}, model_call_settings(*config));
  return llm::local_model_threads(llm.threads);
}

TEST(ModelThreads, TheConfigKeyWinsOverTheEnvironment) {
  ThreadsEnv env("2");
  EXPECT_EQ(threads_with_config("[model]\nthreads = 3\n"), 3);
}

TEST(ModelThreads, WithoutTheKeyTheEnvironmentDecides) {
  ThreadsEnv env("2");
  EXPECT_EQ(threads_with_config("[model]\nmodel = x\n"), 2);
}

TEST(ModelThreads, WithNeitherItIsTheCoresUpToFour) {
  ThreadsEnv env(nullptr);
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(threads_with_config("[model]\nmodel = x\n"), std::clamp(cores, 1, 4));
}

TEST(ModelThreads, ANonsenseEnvironmentValueIsIgnored) {
  ThreadsEnv env("lots");
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(threads_with_config(""), std::clamp(cores, 1, 4));
}

TEST(ModelThreads, TheKeyMustBeAPositiveNumberAndIsNotWrittenWhenUnset) {
  testing::ScopedHome home;
  testing::write_text(home.path() + "/config", "[model]\nthreads = none\n");
  auto bad = MemgptConfig::load();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("threads must be a positive integer"), std::string::npos)
      << bad.status().message();

  testing::write_text(home.path() + "/config", "");
  auto config = MemgptConfig::load();
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(config->save().ok());
  EXPECT_FALSE(config->ini.get("model", "threads").has_value());
  ASSERT_TRUE(config->set("model", "threads", "6").ok());
  ASSERT_TRUE(config->save().ok());
  EXPECT_EQ(MemgptConfig::load()->model_threads, 6);
}

}  // namespace
}  // namespace memgpt::runtime
