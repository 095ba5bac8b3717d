// `make demo` as a new user runs it, with no key and no endpoint: scripts/demo.sh configures the
// packaged local model (llama.cpp in process), loads the primer, attaches it and asks a question.
// The agent's first step searches archival memory, the search runs, and a reply is printed. No
// assertion on the model's wording.
#include <gtest/gtest.h>

#include "support/test_env.h"

namespace memgpt {
namespace {

#if MEMGPT_LOCAL_LLM

TEST(DemoTest, ChatsOfflineOnThePackagedModelAndSearchesTheAttachedPrimer) {
  testing::TempDir home;
  testing::RunOptions options;
  options.env = {{"DEMO_HOME", home.path()},
                 {"MEMGPT_BIN", MEMGPT_BINARY},
                 {"MEMGPT_LLM_THREADS", "1"},  // the cores are shared with the other tests
                 {"DEMO_SKIP_SEARCH", "1"}};   // the chat part only
  options.unset_env = {"OPENAI_API_KEY", "MEMGPT_DEMO_ENDPOINT", "MEMGPT_CONFIG_PATH", "MEMGPT_CREDENTIALS_PATH"};
  options.timeout_ms = 600000;
  auto r = testing::run_process({"/bin/bash", MEMGPT_SOURCE_DIR "/scripts/demo.sh"}, options);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.out.find("No LLM is configured"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Attached data source memgpt_primer"), std::string::npos) << r.out;

  size_t search = r.out.find("⚡🧠 [function] searching memory with archival_memory_search");
  ASSERT_NE(search, std::string::npos) << r.out;
  size_t executed = r.out.find("⚡🟢 [function] Success:", search);  // it ran and answered
  ASSERT_NE(executed, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("🤖 ", executed), std::string::npos) << r.out;  // the reply to the user
}

#endif

}  // namespace
}  // namespace memgpt
