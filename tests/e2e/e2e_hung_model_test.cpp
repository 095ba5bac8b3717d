// Issue 11, defect 7, as a user meets it: the configured model server takes the request and
// never answers. `memgpt run` gives up at [model] timeout after one attempt (it used to try four
// times, the full timeout each), says so in one line, and keeps the typed message: pointed at
// a working model, /retry sends it. (Ctrl-C and the "waiting for the model…" line on a
// terminal are in e2e_interactive_test.cpp.)
#include <gtest/gtest.h>

#include "scripted_llm.h"
#include "support/hanging_server.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

TEST(HungModel, RunGivesUpAtTheConfiguredTimeoutAfterOneAttemptAndRetryResendsTheMessage) {
  testing::TempDir home;
  testing::HangingServer hung;
  ASSERT_GT(hung.start(), 0);
  auto run = [&](const std::vector<std::string>& args, const std::string& input = "") {
    testing::RunOptions o;
    o.stdin_data = input;
    return testing::run_memgpt(home.path(), args, o);
  };
  auto configured = run({"configure", "--llm-provider", "openai", "--model-endpoint", hung.base_url(), "--openai-key", "sk-test",
                         "--model-timeout", "1"});
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  auto shown = run({"configure", "--show", "--json"});
  EXPECT_EQ(parse_json_or_discarded(shown.out)["model"]["timeout"], 1) << shown.out;

  auto hung_run = run({"run", "-y", "--first", "--no-verify", "--agent", "Patient"}, "are you there?\n");
  EXPECT_NE(hung_run.exit_code, 0);
  EXPECT_NE(hung_run.err.find("did not answer within 1 s (1 attempt)"), std::string::npos) << hung_run.err;
  EXPECT_EQ(hung.requests(), 1);
  // stderr is not a terminal here: no spinner or waiting line in logs.
  EXPECT_EQ(hung_run.err.find("waiting for the model"), std::string::npos) << hung_run.err;

  testing::ScriptedLlmServer llm(
      {{"model", "gpt-4o-mini"},
       {"replies", Json::array({{{"content", "Here now."},
                                 {"tool", "send_message"},
                                 {"arguments", {{"message", "Yes, I am here."}}}}})}});
  ASSERT_GT(llm.start(), 0);
  auto retried = run({"run", "--first", "--no-verify", "--agent", "Patient", "--model-endpoint", llm.base_url()},
                     "/retry\n/exit\n");
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_NE(retried.out.find("Yes, I am here."), std::string::npos) << retried.out;
  ASSERT_EQ(llm.request_count(), 1u);
  const Json sent = llm.requests()[0]["messages"];
  int copies = 0;
  for (const auto& m : sent) {
    if (m["content"].is_string()) {
      copies += m["content"].get<std::string>().find("are you there?") != std::string::npos;
    }
  }
  EXPECT_EQ(copies, 1) << sent.dump(1);
  EXPECT_TRUE(llm.violations().empty());
}

}  // namespace
}  // namespace memgpt
