// `memgpt load` and the server's uploads against hostile and damaged input: depth bombs in
// JSON and HTML, symbolic-link loops, malformed JSON Lines, and loads killed part way (kill -9
// and SIGTERM): a bad file costs only itself, nothing half-loaded is ever visible, and a
// re-run finishes what was interrupted.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "scripted_llm.h"
#include "support/live_memgpt.h"
#include "support/server_process.h"
#include "support/test_env.h"
#include "util/json.h"
#include "util/sql.h"

namespace memgpt {
namespace {

using testing::repeat;

using testing::LiveMemgpt;

class LoadRobustnessTest : public ::testing::Test {
 protected:
  testing::ProcessResult run(const std::vector<std::string>& args) {
    return testing::run_memgpt(home_.path(), args, {.timeout_ms = 300000});
  }
  std::string file(const std::string& name, const std::string& content) {
    std::string p = data_.file(name);
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    testing::write_text(p, content);
    return p;
  }
  Json sources() {
    auto r = run({"list", "sources", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Json::parse(r.out);
  }
  testing::TempDir home_, data_;
};

// A 200 KB JSON file of 100,000 nested arrays used to crash the process (stack overflow).
TEST_F(LoadRobustnessTest, JsonNestedOneHundredThousandDeepIsSkippedAndTheRestLoads) {
  std::string deep = file("deep.json", repeat("[", 100000) + repeat("]", 100000));
  std::string good = file("good.txt", "Otters hold hands while they sleep.");
  auto r = run({"load", "directory", "--name", "mixed", "--input-files", deep, good});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Loaded 1 passages and 1 documents from mixed\n");
  EXPECT_NE(r.err.find(deep + ": is not valid JSON: nested deeper than 256 levels"), std::string::npos) << r.err;
  auto alone = run({"load", "directory", "--name", "deep", "--input-files", deep});
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.err.find("nothing could be loaded (1 file skipped)"), std::string::npos) << alone.err;
  auto list = sources();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "mixed");
}

// 200,000 nested <div> took minutes and then crashed; now the text comes out.
TEST_F(LoadRobustnessTest, HtmlOfTwoHundredThousandNestedDivsLoadsItsText) {
  std::string deep = file("deep.html", "<html><body>" + repeat("<div>", 200000) + "The heron stands in the reeds." +
                                           repeat("</div>", 200000) + "</body></html>");
  auto r = run({"load", "directory", "--name", "deep", "--input-files", deep});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Loaded 1 passages and 1 documents from deep\n");
  auto s = run({"search", "--source", "deep", "--json", "heron reeds"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  auto hits = Json::parse(s.out);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0]["text"], "The heron stands in the reeds.");
}

// A symbolic link to itself used to abort the whole folder with "internal error"; now it, a
// dangling link and an unreadable file are each one line, and the rest of the folder loads.
TEST_F(LoadRobustnessTest, BrokenLinksAndUnreadableFilesInAFolderAreSkippedOneByOne) {
  file("docs/good.txt", "Otters hold hands while they sleep.");
  file("docs/sub/deeper.md", "Herons stand still for hours.");
  std::string loop = data_.file("docs/loop.txt");
  ASSERT_EQ(::symlink(loop.c_str(), loop.c_str()), 0);
  std::string dangling = data_.file("docs/dangling.txt");
  ASSERT_EQ(::symlink(data_.file("docs/gone.txt").c_str(), dangling.c_str()), 0);
  std::string up = data_.file("docs/sub/up");  // a link back up: not followed, no endless walk
  ASSERT_EQ(::symlink(data_.file("docs").c_str(), up.c_str()), 0);
  std::string secret = file("docs/secret.txt", "Kept from everyone but root.");
  ::chmod(secret.c_str(), 0);
  bool root = ::geteuid() == 0;  // root reads files whatever their mode

  auto r = run({"load", "directory", "--name", "docs", "--input-dir", data_.file("docs"), "--recursive"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int loaded = root ? 3 : 2;
  EXPECT_EQ(r.out, fmt::format("Loaded {0} passages and {0} documents from docs\n", loaded));
  EXPECT_NE(r.err.find("skipped " + loop + ": is a symbolic link that leads back to itself (a loop)"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped " + dangling + ": is a symbolic link to a file that does not exist"),
            std::string::npos) << r.err;
  if (!root) {
    EXPECT_NE(r.err.find("skipped " + secret + ": not readable (permission denied)"), std::string::npos);
  }
  EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  EXPECT_EQ(sources()[0]["metadata"]["passages"], loaded);

  // Named on the command line, the loop is the same one-line skip.
  auto named = run({"load", "directory", "--name", "named", "--input-files", loop, data_.file("docs/good.txt")});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out, "Loaded 1 passages and 1 documents from named\n");
  // --strict fails on the first bad file and leaves nothing.
  auto strict = run({"load", "directory", "--name", "strict", "--strict", "--input-dir", data_.file("docs")});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_NE(strict.err.find("error: " + dangling + ": is a symbolic link to a file that does not exist"),
            std::string::npos) << strict.err;
  EXPECT_EQ(sources().size(), 2u);
}

// One bad line of a JSON Lines file used to skip the whole file.
TEST_F(LoadRobustnessTest, MalformedJsonLinesLoadTheGoodLinesAndNameTheBadOnes) {
  std::string facts = file("facts.jsonl", "{\"text\": \"Herons wade in shallow water.\"}\n"
                                          "{\"text\": \"broken\n"
                                          "{\"text\": \"Cranes dance in winter.\"}\n"
                                          "not json at all\n"
                                          "{\"text\": \"Ibises probe the mud.\"}\n");
  auto r = run({"load", "directory", "--name", "facts", "--input-files", facts});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "Loaded 3 passages and 3 documents from facts\n");
  EXPECT_NE(r.err.find(facts + ": lines 2 and 4 are not valid JSON (line 2: syntax error at byte 17); "
                               "the other lines were loaded"),
            std::string::npos) << r.err;
  auto hits = run({"search", "--source", "facts", "--json", "--top-k", "1", "cranes dance"});
  EXPECT_EQ(Json::parse(hits.out)[0]["text"], "Cranes dance in winter.");

  auto strict = run({"load", "directory", "--name", "strict", "--strict", "--input-files", facts});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(strict.err.substr(strict.err.rfind("error: ")),
            "error: " + facts + ": line 2 is not valid JSON: syntax error at byte 17\n");
  ASSERT_EQ(sources().size(), 1u);
}


// The same depth bomb uploaded by a user with their own API key: the server stays up, the
// upload reports the reason (naming the upload, not a server path), and nothing is stored.
TEST_F(LoadRobustnessTest, ServerUploadOfNestedJsonReportsTheErrorAndStaysUp) {
  testing::ServerProcess server(testing::memgpt_server_argv(),
                                {{"MEMGPT_HOME", home_.path()}, {"MEMGPT_SERVER_PASS", "s3cret"}},
                                testing::kMemgptServerReady);
  ASSERT_TRUE(server.ready()) << server.log();
  int port = server.port();
  httplib::Client admin("127.0.0.1", port);
  admin.set_read_timeout(60, 0);
  auto user = admin.Post("/v1/admin/users", httplib::Headers{{"Authorization", "Bearer s3cret"}},
                         R"({"name": "mallory"})", "application/json");
  ASSERT_TRUE(user && user->status == 200) << (user ? user->body : "no answer");
  httplib::Headers auth{{"Authorization", "Bearer " + Json::parse(user->body)["api_key"].get<std::string>()}};
  httplib::Client api("127.0.0.1", port);
  api.set_read_timeout(60, 0);
  auto src = api.Post("/v1/sources", auth, R"({"name": "docs"})", "application/json");
  ASSERT_TRUE(src && src->status == 200) << (src ? src->body : "no answer");
  std::string sid = Json::parse(src->body)["id"];

  httplib::MultipartFormDataItems bomb = {
      {"file", repeat("[", 100000) + repeat("]", 100000), "deep.json", "application/json"}};
  auto up = api.Post("/v1/sources/" + sid + "/upload", auth, bomb);
  ASSERT_TRUE(up) << "the server did not answer: " << httplib::to_string(up.error());
  Json body = Json::parse(up->body, nullptr, false);
  // Refused at once (4xx), or accepted as a job that failed: either way with the reason.
  if (up->status == 200) {
    EXPECT_EQ(body.value("status", ""), "failed") << up->body;
  } else {
    EXPECT_GE(up->status, 400);
    EXPECT_LT(up->status, 500) << up->body;
  }
  EXPECT_NE(up->body.find("deep.json: is not valid JSON: nested deeper than 256 levels"), std::string::npos)
      << up->body;
  EXPECT_EQ(up->body.find("/tmp"), std::string::npos) << "a server path leaked: " << up->body;

  auto health = api.Get("/v1/health");
  ASSERT_TRUE(health) << "the server died";
  EXPECT_EQ(health->status, 200);
  auto passages = api.Get("/v1/sources/" + sid + "/passages", auth);
  ASSERT_TRUE(passages);
  EXPECT_EQ(Json::parse(passages->body), Json::array());
  // The next upload works.
  httplib::MultipartFormDataItems good = {{"file", "Herons wade in shallow water.", "herons.txt", "text/plain"}};
  auto ok = api.Post("/v1/sources/" + sid + "/upload", auth, good);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

// A source "zoo" of one passage, attached to the agents Keeper and Walker (each holds its copy
// in archival memory); the model is scripted on loopback.
class AttachedSourceTest : public LoadRobustnessTest {
 protected:
  void SetUp() override {
    llm_.start();
    ASSERT_EQ(run({"configure", "--llm-provider", "openai", "--model", "gpt-4o-mini", "--model-endpoint",
                   llm_.base_url()}).exit_code, 0);
    std::string zoo = file("zoo.txt", "Aardvarks dig burrows at night.");
    ASSERT_EQ(run({"load", "directory", "--name", "zoo", "--input-files", zoo}).exit_code, 0);
    for (const char* agent : kAgents) {
      auto r = testing::run_memgpt(home_.path(), {"run", "-y", "--first", "--agent", agent},
                                   {.stdin_data = "/attach zoo\n", .timeout_ms = 120000});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto hits = run({"search", "--agent", agent, "--json", "aardvark burrows"});
      ASSERT_EQ(Json::parse(hits.out).size(), 1u) << agent << hits.err;
    }
  }
  // The source is gone, and so are its links and the copies in both agents' archival memory.
  void expect_gone_everywhere() {
    for (const char* agent : kAgents) {
      auto hits = run({"search", "--agent", agent, "aardvark burrows"});
      EXPECT_EQ(hits.out, "No results in agent '" + std::string(agent) + "' (0 passages searched).\n") << agent;
    }
    for (const auto& a : Json::parse(run({"list", "agents", "--json"}).out)) {
      EXPECT_EQ(a["data_sources"], Json::array()) << a.dump();
    }
    EXPECT_EQ(sources(), Json::array());
  }
  static constexpr const char* kAgents[] = {"Keeper", "Walker"};
  testing::ScriptedLlmServer llm_{Json{{"model", "gpt-4o-mini"}, {"replies", Json::array()}}};
};

// `memgpt delete source` detaches the source from every agent first, as the server does: the
// copies attached agents hold in their archival memory go with it (they used to stay).
TEST_F(AttachedSourceTest, DeletingASourceRemovesItsPassagesFromEveryAttachedAgent) {
  auto del = run({"delete", "source", "zoo"});
  ASSERT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "Deleted source 'zoo' (detached from 2 agents; 2 passages removed from archival memory)\n");
  expect_gone_everywhere();
}

// The server's DELETE is the same use-case (runtime::SourcesService::remove).
TEST_F(AttachedSourceTest, DeletingASourceThroughTheServerRemovesItsPassagesFromEveryAttachedAgent) {
  testing::ServerProcess server(testing::memgpt_server_argv(), {{"MEMGPT_HOME", home_.path()}},
                                testing::kMemgptServerReady);
  ASSERT_TRUE(server.ready()) << server.log();
  httplib::Client api("127.0.0.1", server.port());
  api.set_read_timeout(60, 0);
  std::string sid = sources()[0]["id"];
  auto del = api.Delete("/v1/sources/" + sid);
  ASSERT_TRUE(del) << httplib::to_string(del.error());
  EXPECT_EQ(del->status, 200) << del->body;
  auto again = api.Delete("/v1/sources/" + sid);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404) << again->body;
  expect_gone_everywhere();
}

// A text file of `paragraphs` distinct paragraphs (about 1/3 passage each).
std::string big_text(int paragraphs) {
  std::string out;
  const char* words[] = {"river", "mountain", "otter", "heron", "lake", "forest", "stone", "cloud",
                         "meadow", "valley", "bridge", "lantern", "harbor", "island", "canyon", "glacier"};
  uint32_t x = 12345;
  for (int i = 0; i < paragraphs; ++i) {
    for (int w = 0; w < 60; ++w) {
      x = x * 1103515245 + 12345;
      out += words[(x >> 16) % 16];
      out += ' ';
    }
    out += "paragraph " + std::to_string(i) + ".\n\n";
  }
  return out;
}

class InterruptedLoadTest : public LoadRobustnessTest {
 protected:
  void SetUp() override {
    big_ = file("big.txt", big_text(12000));
    // The same file loaded whole under another name: the count a complete load gives.
    auto ref = run({"load", "directory", "--name", "reference", "--input-files", big_});
    ASSERT_EQ(ref.exit_code, 0) << ref.err;
    full_ = ref.out.substr(0, ref.out.find(" from "));
    ASSERT_EQ(full_.rfind("Loaded ", 0), 0u) << ref.out;
  }
  // Starts loading `big` and returns once passages are being stored: the store's file holds
  // more rows than the reference load wrote.
  std::unique_ptr<LiveMemgpt> start_load() {
    auto load = std::make_unique<LiveMemgpt>(
        std::vector<std::string>{"load", "directory", "--name", "big", "--input-files", big_},
        std::map<std::string, std::string>{{"MEMGPT_HOME", home_.path()}});
    const int64_t reference = std::stoll(full_.substr(std::string("Loaded ").size()));
    bool storing = false;
    for (int i = 0; i < 1200 && !storing; ++i) {
      auto db = open_sqlite(home_.path() + "/milvus.db");
      if (db.ok()) {
        auto rows = (*db)->query("SELECT COUNT(*) FROM \"c_memgpt_passages_384\"");
        storing = rows.ok() && (*rows)[0].integer(0) > reference;
      }
      if (!storing) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(storing) << load->stderr_text();
    return load;
  }
  std::vector<std::string> source_names() {
    std::vector<std::string> names;
    for (const auto& s : sources()) names.push_back(s["name"]);
    return names;
  }
  void expect_rerun_completes() {
    auto again = run({"load", "directory", "--name", "big", "--input-files", big_});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(again.out, full_ + " from big\n");
    auto list = sources();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[1]["name"], "big");
    EXPECT_EQ(list[1]["metadata"]["passages"], list[0]["metadata"]["passages"]);
    // Searching finds the source's passages only once (the interrupted load left no extras).
    auto hits = run({"search", "--source", "big", "--json", "--top-k", "1", "paragraph 11999"});
    ASSERT_EQ(hits.exit_code, 0) << hits.err;
    EXPECT_NE(Json::parse(hits.out)[0]["text"].get<std::string>().find("paragraph 11999"), std::string::npos);
  }
  std::string big_, full_;
};

// kill -9 half way: the half-loaded source is never listed, and the next load of the same
// name removes it and loads everything.
TEST_F(InterruptedLoadTest, KilledLoadIsInvisibleAndAReRunCompletesIt) {
  auto load = start_load();
  int status = load->kill_and_wait(SIGKILL);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the load finished before the kill";
  EXPECT_EQ(source_names(), std::vector<std::string>{"reference"});
  auto search = run({"search", "--source", "big", "query"});
  EXPECT_EQ(search.exit_code, 1);
  EXPECT_EQ(search.err, "error: source 'big' not found\n");
  expect_rerun_completes();
}

// SIGTERM stops a load as Ctrl-C does: it removes what it stored and says so.
TEST_F(InterruptedLoadTest, TerminatedLoadRemovesItselfLikeCtrlC) {
  auto load = start_load();
  int status = load->kill_and_wait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by the signal instead of stopping: " << load->stderr_text();
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_NE(load->stderr_text().find("interrupted: nothing was loaded (the partial source was removed)"),
            std::string::npos)
      << load->stderr_text();
  EXPECT_EQ(source_names(), std::vector<std::string>{"reference"});
  expect_rerun_completes();
}

TEST_F(InterruptedLoadTest, ASecondLoadOfTheSameNameWhileTheFirstRunsIsRefused) {
  auto load = start_load();
  auto second = run({"load", "directory", "--name", "big", "--input-files", big_});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("source 'big' is being loaded by another memgpt process"), std::string::npos)
      << second.err;
  int status = load->wait();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << load->stderr_text();
  EXPECT_EQ(source_names(), (std::vector<std::string>{"reference", "big"}));
}

// kill -9 of the server half way through an upload: while the passages are stored the file is
// not listed; after a restart the half-stored passages are gone, and so is the copy of the
// upload in the temporary folder (the server settles what a crash interrupted before it
// listens), and the same upload then completes.
TEST_F(InterruptedLoadTest, ServerKilledDuringAnUploadUndoesItWhenItStartsAgain) {
  testing::TempDir tmp;  // the server's temporary folder (TMPDIR), this test's alone
  const std::map<std::string, std::string> env{{"MEMGPT_HOME", home_.path()}, {"TMPDIR", tmp.path()}};
  auto temporary_files = [&] {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(tmp.path())) names.push_back(e.path().filename());
    return names;
  };
  auto server = std::make_unique<testing::ServerProcess>(testing::memgpt_server_argv(), env,
                                                         testing::kMemgptServerReady);
  ASSERT_TRUE(server->ready()) << server->log();
  int port = server->port();
  httplib::Client api("127.0.0.1", port);
  api.set_read_timeout(60, 0);
  auto src = api.Post("/v1/sources", R"({"name": "big"})", "application/json");
  ASSERT_TRUE(src && src->status == 200) << (src ? src->body : "no answer");
  std::string sid = Json::parse(src->body)["id"];
  std::ifstream in(big_, std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const httplib::MultipartFormDataItems items = {{"file", content, "big.txt", "text/plain"}};
  std::atomic<bool> answered{false};
  std::thread uploader([&] {
    httplib::Client up("127.0.0.1", port);
    up.set_read_timeout(600, 0);
    auto r = up.Post("/v1/sources/" + sid + "/upload", items);
    answered = static_cast<bool>(r);
  });
  auto first_passage = [&](httplib::Client& client) {
    auto p = client.Get("/v1/sources/" + sid + "/passages?limit=1");
    return p && p->status == 200 ? Json::parse(p->body) : Json(nullptr);
  };
  bool storing = false;
  for (int i = 0; i < 3000 && !storing && !answered; ++i) {
    Json page = first_passage(api);
    storing = page.is_array() && !page.empty();
    if (!storing) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool listed_while_storing = true;
  if (storing) {
    auto files = api.Get("/v1/sources/" + sid + "/files");
    listed_while_storing = !files || Json::parse(files->body) != Json::array();
  }
  server->stop(SIGKILL);
  uploader.join();
  ASSERT_TRUE(storing) << "no passage was seen being stored";
  ASSERT_FALSE(answered) << "the upload finished before the kill";
  EXPECT_FALSE(listed_while_storing) << "the file was listed before all its passages were stored";
  ASSERT_EQ(temporary_files().size(), 1u) << "the upload was not written to the temporary folder";

  server = std::make_unique<testing::ServerProcess>(testing::memgpt_server_argv(), env, testing::kMemgptServerReady);
  ASSERT_TRUE(server->ready()) << server->log();
  httplib::Client after("127.0.0.1", server->port());
  after.set_read_timeout(600, 0);
  EXPECT_EQ(first_passage(after), Json::array()) << "passages of the killed upload are still stored";
  EXPECT_EQ(temporary_files(), std::vector<std::string>{}) << "the killed upload's copy is still in the temporary folder";
  auto files = after.Get("/v1/sources/" + sid + "/files");
  ASSERT_TRUE(files);
  EXPECT_EQ(Json::parse(files->body), Json::array());

  auto again = after.Post("/v1/sources/" + sid + "/upload", items);
  ASSERT_TRUE(again) << httplib::to_string(again.error());
  ASSERT_EQ(again->status, 200) << again->body;
  auto list = sources();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(Json::parse(again->body)["metadata"]["num_passages"], list[0]["metadata"]["passages"]);
  EXPECT_EQ(list[1]["metadata"]["passages"], list[0]["metadata"]["passages"]);
}

}  // namespace
}  // namespace memgpt
