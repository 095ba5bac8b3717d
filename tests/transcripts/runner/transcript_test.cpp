// Runs every transcript in tests/transcripts/*.json, one test per file (see ../README.md for
// the format). A transcript is a conversation: user turns and slash commands, the model's
// replies as the Chat Completions API returns them (played by the strict scripted server), and
// what must follow: the function calls and their results, what the user is shown, the
// requests the model received, and the memory afterwards. Adding a transcript needs no C++.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <set>

#include "host.h"
#include "scripted_llm.h"
#include "support/test_env.h"
#include "views.h"

namespace memgpt::transcripts {
namespace {

namespace fs = std::filesystem;

std::string folder() { return testing::source_dir() + "/tests/transcripts"; }

std::vector<std::string> transcript_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(folder())) {
    if (e.path().extension() == ".json") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// "2024-05-26 15:15:02" (UTC) in epoch ms.
int64_t parse_time(const std::string& text) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!end || *end) throw std::runtime_error("times are written 'YYYY-MM-DD HH:MM:SS': " + text);
  return static_cast<int64_t>(::timegm(&tm)) * 1000;
}

// Keys a transcript may use at each level: a misspelt key would otherwise check nothing.
std::string unknown_key(const Json& j, const std::set<std::string>& allowed, const std::string& where) {
  if (!j.is_object()) return where + " must be an object";
  for (const auto& [key, value] : j.items()) {
    if (!allowed.count(key)) return where + " has an unknown key '" + key + "'";
  }
  return "";
}

const std::set<std::string> kTopKeys = {"about", "agent", "start", "sources", "steps", "memory"};
const std::set<std::string> kAgentKeys = {"persona", "human", "system", "core_memory_limit",
                                          "context_window", "model", "verify_first_message"};
const std::set<std::string> kStepKeys = {"about", "user", "command", "first_message", "stream",
                                         "at", "context_window", "model", "expect"};
const std::set<std::string> kExpectKeys = {"ok", "error", "steps", "events", "streamed",
                                           "result", "requests", "memory"};
const std::set<std::string> kMemoryKeys = {"core", "context", "context_count", "recall",
                                           "recall_count", "archival", "archival_count"};

// The memory view with its counts.
Json memory_with_counts(Host& host) {
  Json m = host.memory();
  m["context_count"] = m["context"].size();
  m["recall_count"] = m["recall"].size();
  m["archival_count"] = m["archival"].size();
  return m;
}

class Transcript : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);  // times in messages and search results read the same everywhere
    ::tzset();
  }

  // Checks `expected` against `actual`, naming the step.
  void check(const std::string& what, const Json& expected, const Json& actual) {
    std::string diff = match(expected, actual, what);
    EXPECT_TRUE(diff.empty()) << diff;
  }

  void check_memory(const Json& expected, Host& host) {
    std::string bad = unknown_key(expected, kMemoryKeys, "memory");
    ASSERT_TRUE(bad.empty()) << bad;
    check("memory", expected, memory_with_counts(host));
  }

  void run_step(const Json& step, Host& host, testing::ScriptedLlmServer& llm) {
    std::string bad = unknown_key(step, kStepKeys, "the step");
    ASSERT_TRUE(bad.empty()) << bad;
    if (step.contains("at")) host.set_time(parse_time(step["at"]));
    if (step.contains("context_window")) {
      const Json& w = step["context_window"];
      if (w.is_number()) {
        host.set_context_window(w.get<int>());
      } else {
        // The memory warning fires past 75% of the window: place that mark N tokens ahead.
        ASSERT_TRUE(w.contains("warning_after_tokens")) << "context_window: a number or {warning_after_tokens}";
        double tokens = static_cast<double>(host.context_tokens() + w["warning_after_tokens"].get<int64_t>());
        host.set_context_window(static_cast<int>(std::ceil(tokens / 0.75)));
      }
    }
    bool acts = step.contains("user") || step.contains("command") || step.value("first_message", false);
    if (!acts) {
      // A step that sets the time or the window, or checks the memory as it stands.
      ASSERT_FALSE(step.contains("model")) << "model replies need a user turn or a command";
      const Json expect = step.value("expect", Json::object());
      bad = unknown_key(expect, {"memory"}, "the expect of a step without a turn");
      ASSERT_TRUE(bad.empty()) << bad;
      if (expect.contains("memory")) check_memory(expect["memory"], host);
      return;
    }
    size_t requests_before = llm.request_count();
    llm.add_replies(step.value("model", Json::array()));
    Outcome out;
    if (step.contains("user")) {
      out = host.user_message(step["user"], step.value("stream", false));
    } else if (step.contains("command")) {
      out = host.command(step["command"]);
    } else {
      out = host.first_message();
    }
    EXPECT_EQ(llm.replies_left(), 0u) << "the step did not use every model reply scripted for it";

    const Json expect = step.value("expect", Json::object());
    bad = unknown_key(expect, kExpectKeys, "expect");
    ASSERT_TRUE(bad.empty()) << bad;
    bool want_ok = expect.value("ok", !expect.contains("error"));
    ASSERT_EQ(out.ok, want_ok) << (out.ok ? "the step succeeded" : "the step failed: " + out.error);
    if (expect.contains("error")) check("error", expect["error"], out.error);
    if (expect.contains("steps")) check("steps", expect["steps"], out.steps);
    if (expect.contains("events")) check("events", expect["events"], out.events);
    if (expect.contains("streamed")) check("streamed", expect["streamed"], out.streamed);
    if (expect.contains("result")) check("result", expect["result"], out.result);
    if (expect.contains("requests")) {
      auto all = llm.requests();
      Json made = Json::array();
      for (size_t i = requests_before; i < all.size(); ++i) made.push_back(request_view(all[i]));
      check("requests", expect["requests"], made);
    }
    if (expect.contains("memory")) check_memory(expect["memory"], host);
  }
};

TEST_P(Transcript, Runs) {
  auto text = testing::read_text(folder() + "/" + GetParam());
  auto parsed = parse_json(text, GetParam());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const Json& t = *parsed;
  std::string bad = unknown_key(t, kTopKeys, "the transcript");
  ASSERT_TRUE(bad.empty()) << bad;
  ASSERT_TRUE(t.contains("steps") && t["steps"].is_array()) << "a transcript has steps";

  AgentSetup setup;
  const Json a = t.value("agent", Json::object());
  bad = unknown_key(a, kAgentKeys, "agent");
  ASSERT_TRUE(bad.empty()) << bad;
  setup.persona = a.value("persona", setup.persona);
  setup.human = a.value("human", setup.human);
  setup.system = a.value("system", setup.system);
  setup.core_memory_limit = a.value("core_memory_limit", setup.core_memory_limit);
  setup.context_window = a.value("context_window", setup.context_window);
  setup.model = a.value("model", setup.model);
  setup.verify_first_message = a.value("verify_first_message", false);

  // The model: the strict Chat Completions double (a request it refuses fails the test).
  testing::ScriptedLlmServer llm(Json{{"model", setup.model}, {"replies", Json::array()}});
  ASSERT_GT(llm.start(), 0);
  auto host = Host::open(setup, llm.base_url(), parse_time(t.value("start", "2024-05-26 15:15:02")));
  const Json sources = t.value("sources", Json::object());
  for (const auto& [name, files] : sources.items()) host->load_source(name, files);
  for (size_t i = 0; i < t["steps"].size(); ++i) {
    const Json& step = t["steps"][i];
    std::string label = step.contains("user")      ? "user: " + step["user"].get<std::string>()
                        : step.contains("command") ? "command: " + step["command"].get<std::string>()
                        : step.contains("first_message") ? "first message"
                                                         : step.value("about", "");
    SCOPED_TRACE("step " + std::to_string(i + 1) + " (" + label.substr(0, 60) + ")");
    run_step(step, *host, llm);
    if (HasFatalFailure()) return;
  }
  if (t.contains("memory")) {
    SCOPED_TRACE("after the last step");
    check_memory(t["memory"], *host);
  }
}

INSTANTIATE_TEST_SUITE_P(Transcripts, Transcript, ::testing::ValuesIn(transcript_files()), test_name);

}  // namespace
}  // namespace memgpt::transcripts
