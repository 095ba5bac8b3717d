// The mission path through the memgpt binary only, with the scripted LLM server on loopback:
// configure -> load a real PDF -> run --persona memgpt_doc -> /attach -> a question -> the model
// calls archival_memory_search -> the result it receives holds the passage with the answer ->
// its send_message reply is printed after 🤖. Plus every slash command and bad inputs.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "scripted_llm.h"
#include "support/server_process.h"
#include "support/test_env.h"
#include "util/json.h"

namespace memgpt {
namespace {

constexpr const char* kPdf = "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf";

class RunTest : public ::testing::Test {
 protected:
  void start(Json replies) {
    server_ = std::make_unique<testing::ScriptedLlmServer>(Json{{"model", "gpt-4o-mini"}, {"replies", replies}});
    server_->start();
    auto c = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                  server_->base_url(), "--openai-key", "sk-test", "--archival-storage", "milvus",
                  "--archival-uri", home_.file("milvus.db")});
    ASSERT_EQ(c.exit_code, 0) << c.err;
  }
  testing::ProcessResult run(const std::vector<std::string>& args, const std::string& input = "") {
    return testing::run_memgpt(home_.path(), args, testing::with_input(input));
  }
  static Json call(const std::string& thoughts, const std::string& tool, Json args) {
    return {{"content", thoughts}, {"tool", tool}, {"arguments", args}};
  }
  static Json say(const std::string& message, const std::string& thoughts = "Replying.") {
    return call(thoughts, "send_message", {{"message", message}});
  }
  testing::TempDir home_;
  std::unique_ptr<testing::ScriptedLlmServer> server_;
};

TEST_F(RunTest, MissionPathLoadsAttachesSearchesAndAnswers) {
  if (!std::filesystem::exists(kPdf)) MEMGPT_SKIP_OR_FAIL("shared-mime-info is not installed (scripts/setup.sh installs it)");
  start(Json::array({call("The user asks about the document; searching archival memory.", "archival_memory_search",
                          {{"query", "magic rules priority"}, {"request_heartbeat", true}}),
                     say("Magic rules have a priority from 0 to 100; higher priorities are tried first.")}));
  auto load = run({"load", "directory", "--name", "mime_spec", "--input-files=" + std::string(kPdf)});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded 55 passages and 17 documents from mime_spec\n");

  auto r = run({"run", "--persona", "memgpt_doc", "-y", "--first", "--no-verify"},
               "/attach mime_spec\nWhat does the spec say about the priority of magic rules?\n");
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("🧬 Creating new agent..."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("->  🤖 Using persona profile: 'memgpt_doc'"), std::string::npos);
  EXPECT_NE(r.out.find("->  🧑 Using human profile: 'basic'"), std::string::npos);
  EXPECT_NE(r.out.find("🎉 Created new agent '"), std::string::npos);
  EXPECT_NE(r.out.find("Attached data source mime_spec to agent"), std::string::npos);
  EXPECT_NE(r.out.find("⚡🧠 [function] searching memory with archival_memory_search"), std::string::npos);
  EXPECT_NE(r.out.find("🤖 Magic rules have a priority from 0 to 100"), std::string::npos) << r.out;

  // The function result the model received holds the passage that answers the question.
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  const Json& msgs = reqs[1]["messages"];
  const Json& result = msgs[msgs.size() - 2];
  ASSERT_EQ(result["role"], "tool");
  std::string content = result["content"];
  EXPECT_NE(content.find("\"status\":\"OK\""), std::string::npos);
  EXPECT_NE(content.find("priority"), std::string::npos) << content.substr(0, 800);
  EXPECT_NE(content.find("Showing 5 of 55 results (page 0/10)"), std::string::npos) << content.substr(0, 300);
  EXPECT_TRUE(server_->violations().empty());
  // The system prompt is the document preset's; the user's words arrived packed.
  EXPECT_NE(reqs[0]["messages"][0]["content"].get<std::string>().find("archival memory"), std::string::npos);
  EXPECT_NE(msgs[msgs.size() - 4]["content"].get<std::string>().find("\"type\":\"user_message\""), std::string::npos);

  // The agent is saved: list agents shows it with its source.
  auto list = run({"list", "agents", "--json"});
  auto agents = Json::parse(list.out);
  ASSERT_EQ(agents.size(), 1u);
  EXPECT_EQ(agents[0]["persona"], "memgpt_doc");
  EXPECT_EQ(agents[0]["data_sources"][0], "mime_spec");
  // Searching the agent's archival memory without an LLM finds the same passages.
  auto s = run({"search", "--agent", agents[0]["name"], "--json", "priority of magic rules"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_FALSE(Json::parse(s.out).empty());
}

// The same path with archival storage on a Milvus server: `memgpt milvus serve` on loopback.
TEST_F(RunTest, MissionPathWithMilvusServerUri) {
  if (!std::filesystem::exists(kPdf)) MEMGPT_SKIP_OR_FAIL("shared-mime-info is not installed (scripts/setup.sh installs it)");
  start(Json::array({call("Searching.", "archival_memory_search", {{"query", "magic rules priority"}, {"request_heartbeat", true}}),
                     say("Priorities run from 0 to 100.")}));
  testing::ServerProcess milvus(testing::milvus_serve_argv(home_.file("served.db"), {"--token", "root:Milvus"}),
                                {{"MEMGPT_HOME", home_.path()}}, testing::kMilvusServeReady);
  ASSERT_TRUE(milvus.ready()) << milvus.log();
  std::string uri = milvus.url();
  auto c = run({"configure", "--archival-uri", uri, "--milvus-token", "root:Milvus"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto load = run({"load", "directory", "--name", "mime_spec", "--input-files", kPdf});
  EXPECT_EQ(load.exit_code, 0) << load.err;
  EXPECT_EQ(load.out, "Loaded 55 passages and 17 documents from mime_spec\n");
  auto r = run({"run", "--persona", "memgpt_doc", "-y", "--first", "--no-verify"},
               "/attach mime_spec\nWhat is the priority of magic rules?\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("🤖 Priorities run from 0 to 100."), std::string::npos) << r.out;
  auto reqs = server_->requests();
  ASSERT_EQ(reqs.size(), 2u);
  const Json& msgs = reqs[1]["messages"];
  std::string result = msgs[msgs.size() - 2]["content"];
  EXPECT_NE(result.find("Showing 5 of 55 results"), std::string::npos) << result.substr(0, 300);
  EXPECT_NE(result.find("priority"), std::string::npos);
  // A wrong token is one clear line.
  auto bad = run({"configure", "--milvus-token", "root:wrong"});
  ASSERT_EQ(bad.exit_code, 0);
  auto denied = run({"search", "--source", "mime_spec", "magic"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("rejected the credentials"), std::string::npos) << denied.err;
  int status = milvus.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << milvus.log();
  // Unreachable Milvus: one line, exit 1.
  auto gone = run({"search", "--source", "mime_spec", "magic"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("Milvus at " + uri + " cannot be reached"), std::string::npos) << gone.err;
}

TEST_F(RunTest, FirstMessageIsRequestedWhenTheUserDoesNotGoFirst) {
  start(Json::array({say("Hello! I'm ready to help."), say("Nice to meet you, Ann.")}));
  auto r = run({"run", "-y", "--agent", "Helper"}, "My name is Ann\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("🤖 Hello! I'm ready to help."), std::string::npos);
  EXPECT_NE(r.out.find("🤖 Nice to meet you, Ann."), std::string::npos);
  // The first request ended with the login event.
  auto reqs = server_->requests();
  std::string last = reqs[0]["messages"].back()["content"];
  EXPECT_NE(last.find("\"type\":\"login\""), std::string::npos);
  // Resuming the same agent later keeps the conversation.
  auto again = run({"run", "--agent", "Helper", "--first"}, "/dump 2\n");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("🔁 Using existing agent Helper"), std::string::npos);
  EXPECT_NE(again.out.find("🤖 Nice to meet you, Ann."), std::string::npos) << again.out;
}

TEST_F(RunTest, SlashCommands) {
  start(Json::array({say("First answer", "thinking one"),
                     say("Retried answer"),
                     {{"content", "A short summary of the chat."}},
                     say("Heartbeat reply"),
                     say("Warning noted"),
                     say("Got both lines")}));
  std::string script =
      "Question one\n"
      "/rethink better thoughts\n"
      "/rewrite better answer\n"
      "/dump 2\n"
      "/retry\n"
      "/dumpraw\n"
      "/memory\n"
      "/summarize\n"
      "/heartbeat\n"
      "/memorywarning\n"
      "/pop 2\n"
      "/systemswap You are a pirate.\n"
      "/wipe\n"
      "/help\n"
      "/save\n"
      "\n"
      "/nosuchcommand\n"
      "//\nline one\nline two\n//\n"
      "/exit\n"
      "never sent\n";
  auto r = run({"run", "-y", "--first", "--no-verify", "--agent", "Cmd"}, script);
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  const std::string& o = r.out;
  EXPECT_NE(o.find("Rewrote the last inner monologue"), std::string::npos) << o;
  EXPECT_NE(o.find("Rewrote the last message"), std::string::npos);
  EXPECT_NE(o.find("💭 better thoughts"), std::string::npos);
  EXPECT_NE(o.find("🤖 better answer"), std::string::npos);
  EXPECT_NE(o.find("🤖 Retried answer"), std::string::npos);
  EXPECT_NE(o.find("\"role\": \"system\""), std::string::npos);  // /dumpraw
  EXPECT_NE(o.find("### CORE MEMORY ###"), std::string::npos);
  EXPECT_NE(o.find("Summarised the older messages"), std::string::npos);
  EXPECT_NE(o.find("🤖 Heartbeat reply"), std::string::npos);
  EXPECT_NE(o.find("🤖 Warning noted"), std::string::npos);
  EXPECT_NE(o.find("Popped 2 messages"), std::string::npos);
  EXPECT_NE(o.find("Replaced the system prompt"), std::string::npos);
  EXPECT_NE(o.find("Wiped the context window"), std::string::npos);
  EXPECT_NE(o.find("/attach [NAME]"), std::string::npos);  // /help
  EXPECT_NE(o.find("💾 Saved agent 'Cmd'"), std::string::npos);
  EXPECT_NE(o.find("Empty input received. Try again!"), std::string::npos);
  EXPECT_NE(r.err.find("Unknown command: /nosuchcommand"), std::string::npos);
  EXPECT_NE(o.find("🤖 Got both lines"), std::string::npos);
  auto reqs = server_->requests();
  // Six model calls; what follows /exit is never sent.
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(server_->replies_left(), 0u);
  for (const auto& req : reqs) EXPECT_EQ(req.dump().find("never sent"), std::string::npos);
  // The retry re-sent the same question; the multi-line message arrived as one message.
  std::string multi = reqs.back()["messages"].back()["content"];
  EXPECT_NE(multi.find("line one\\nline two"), std::string::npos) << multi;
  EXPECT_NE(reqs[1]["messages"].back()["content"].get<std::string>().find("Question one"), std::string::npos);
  EXPECT_TRUE(reqs[2]["tools"].is_null());  // the summary call has no tools
  EXPECT_NE(reqs[3]["messages"].back()["content"].get<std::string>().find("heartbeat"), std::string::npos);
  EXPECT_NE(reqs.back()["messages"][0]["content"].get<std::string>().find("You are a pirate."), std::string::npos);
  EXPECT_TRUE(server_->violations().empty()) << server_->violations()[0];
}

TEST_F(RunTest, BadInputsAreOneLineErrors) {
  start(Json::array({say("ok")}));
  auto pop = run({"run", "-y", "--first", "--agent", "P"}, "/pop 999\n/rethink\n/wipe\n/rethink x\n/pop\n/attach nosuch\n");
  EXPECT_NE(pop.out.find("Popped 1 messages"), std::string::npos) << pop.out;  // the call and its result stay
  EXPECT_NE(pop.err.find("error: there is nothing to pop"), std::string::npos) << pop.err;
  EXPECT_NE(pop.err.find("error: /rethink needs the new inner monologue"), std::string::npos) << pop.err;
  EXPECT_NE(pop.err.find("error: there is no inner monologue to rethink yet"), std::string::npos) << pop.err;
  EXPECT_NE(pop.err.find("error: no data source named 'nosuch'"), std::string::npos) << pop.err;
  EXPECT_EQ(pop.exit_code, 1);  // the missing source ends a scripted run
  auto persona = run({"run", "-y", "--persona", "nobody"}, "");
  EXPECT_EQ(persona.exit_code, 1);
  EXPECT_EQ(persona.err, "error: persona 'nobody' not found\n");
}

TEST_F(RunTest, UnreachableLlmIsOneLineAndLosesNothing) {
  start(Json::array());
  testing::ClosedPort closed;
  int dead = closed.port();
  auto c = run({"configure", "--model-endpoint", "http://127.0.0.1:" + std::to_string(dead) + "/v1"});
  ASSERT_EQ(c.exit_code, 0);
  auto r = run({"run", "-y", "--first", "--agent", "Lonely"}, "hello?\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(dead)), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // The agent exists and its boot messages are intact; the failed message left no trace.
  auto list = run({"list", "agents", "--json"});
  EXPECT_EQ(Json::parse(list.out)[0]["name"], "Lonely");
}

TEST_F(RunTest, AttachIsIdempotentDetachRemovesAndDeleteAgentCleansUp) {
  start(Json::array({say("ok")}));
  testing::write_text(home_.file("a.txt"), "Alpha facts about aardvarks.\n\nMore about anteaters.");
  ASSERT_EQ(run({"load", "directory", "--name", "zoo", "--input-files", home_.file("a.txt")}).exit_code, 0);
  auto r = run({"run", "-y", "--first", "--agent", "Keeper"},
               "/attach zoo\n/attach zoo\n/memory\n/detach zoo\n/memory\n/detach zoo\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Attaching twice copies the passages once.
  EXPECT_NE(r.out.find("Agent now has 1 passages in archival memory."), std::string::npos) << r.out;
  size_t second = r.out.find("Agent now has", r.out.find("Agent now has") + 1);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(r.out.substr(second, 40).find("Agent now has 1 passages"), 0u) << r.out.substr(second, 60);
  EXPECT_NE(r.out.find("Detached data source zoo from agent Keeper (1 passages removed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("error: the source is not attached to this agent"), std::string::npos) << r.err;
  // delete agent removes its recall, archival rows and metadata; unknown names are refused.
  auto del = run({"delete", "agent", "Keeper"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(Json::parse(run({"list", "agents", "--json"}).out).size(), 0u);
  auto again = run({"delete", "agent", "Keeper"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "error: agent 'Keeper' not found\n");
  auto search = run({"search", "--agent", "Keeper", "aardvark"});
  EXPECT_EQ(search.exit_code, 1);
}

TEST_F(RunTest, QuickstartWritesABackendPreset) {
  auto r = run({"quickstart", "--backend", "ollama", "--no-check"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = Json::parse(run({"configure", "--show", "--json"}).out);
  EXPECT_EQ(j["model"]["model_endpoint_type"], "ollama");
  EXPECT_EQ(j["model"]["model_endpoint"], "http://localhost:11434");
  EXPECT_EQ(j["model"]["model_wrapper"], "chatml");
  // A new home gets the in-process sentence-embedding model (scripts/setup.sh installs it).
  EXPECT_EQ(j["embedding"]["embedding_model"], "all-minilm-l6-v2");
  EXPECT_EQ(j["embedding"]["embedding_chunk_size"], 200);
  auto anthropic = run({"quickstart", "--backend", "anthropic", "--no-check"});
  ASSERT_EQ(anthropic.exit_code, 0) << anthropic.err;
  EXPECT_EQ(Json::parse(run({"configure", "--show", "--json"}).out)["model"]["model_endpoint_type"], "anthropic");
  auto na = run({"quickstart", "--backend", "memgpt"});
  EXPECT_EQ(na.exit_code, 2);
  // The endpoint check lists the models of a reachable server.
  start(Json::array());
  auto checked = run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint", server_->base_url()});
  ASSERT_EQ(checked.exit_code, 0);
  auto qs = run({"quickstart", "--backend", "llamacpp", "--no-check"});
  EXPECT_EQ(qs.exit_code, 0);
}

TEST_F(RunTest, StreamPrintsTheReplyAsItArrives) {
  start(Json::array({say("Streamed answer.", "Streaming my thoughts slowly.")}));
  auto r = run({"run", "-y", "--first", "--no-verify", "--stream"}, "hello\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("💭 Streaming my thoughts slowly."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("🤖 Streamed answer."), std::string::npos);
  EXPECT_EQ(server_->requests()[0]["stream"], true);
}

// The endpoint is a port that refuses connections for the whole test (bound, not listening):
// the configuration is still written, with a warning that names the URL tried.
TEST_F(RunTest, QuickstartWarnsWhenTheEndpointIsDown) {
  testing::ClosedPort closed;
  std::string endpoint = "http://127.0.0.1:" + std::to_string(closed.port());
  auto r = run({"quickstart", "--backend", "llamacpp", "--model-endpoint", endpoint});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("llamacpp model 'local' at " + endpoint + ","), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("⚠️  Could not reach " + endpoint + "/v1 ("), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("is reachable"), std::string::npos) << r.out;
}

TEST_F(RunTest, MissingOpenAIKeyStopsBeforeCreatingAnything) {
  auto c = run({"configure", "--llm-provider", "openai"});
  ASSERT_EQ(c.exit_code, 0);
  auto r = run({"run", "-y"}, "hi\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no OpenAI API key"), std::string::npos) << r.err;
  EXPECT_EQ(Json::parse(run({"list", "agents", "--json"}).out).size(), 0u);
}

}  // namespace
}  // namespace memgpt
