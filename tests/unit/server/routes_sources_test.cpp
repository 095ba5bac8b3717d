// Folders (sources) through the routes: an upload's file record, a folder's files and agents,
// uploads and deletes a crash interrupted, and the built-in tools.
#include "server_fixture.h"
#include "sources/ingest.h"

namespace memgpt::server {
namespace {

class SourceRoutes : public RoutesTest {
 protected:
  Reply upload(const std::string& folder, const std::string& name, const std::string& text,
               const std::string& token = kPassword) {
    http::Request req;
    req.method = "POST";
    req.path = "/v1/folders/" + folder + "/upload";
    req.headers.emplace("Content-Type", "multipart/form-data; boundary=x");
    req.headers.emplace("Authorization", "Bearer " + token);
    req.files.push_back({"file", name, "text/plain", text});
    return finish(req);
  }
};

TEST_F(SourceRoutes, AFoldersFilesAndAgents) {
  start();
  auto folder = call("POST", "/v1/folders", {{"name", "docs"}});
  ASSERT_EQ(folder.status, 200) << folder.body.dump();
  std::string fid = folder.body["id"];
  auto up = upload(fid, "boat.txt", "Chad's boat is called the Marlin.");
  ASSERT_EQ(up.status, 200) << up.body.dump();
  std::string file_id = up.body["id"];
  EXPECT_EQ(up.body["file_name"], "boat.txt");
  auto files = call("GET", "/v1/folders/" + fid + "/files");
  ASSERT_EQ(files.status, 200);
  ASSERT_EQ(files.body.size(), 1u);
  EXPECT_EQ(files.body[0]["id"], file_id);
  auto file = call("GET", "/v1/folders/" + fid + "/files/" + file_id);
  ASSERT_EQ(file.status, 200) << file.body.dump();
  EXPECT_EQ(file.body["file_name"], "boat.txt");
  EXPECT_EQ(file.body["total_chunks"], 1);
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/files/no-such-file").status, 404);
  // A file is found only under its own folder.
  auto other = call("POST", "/v1/folders", {{"name", "other"}});
  EXPECT_EQ(call("GET", "/v1/folders/" + other.body["id"].get<std::string>() + "/files/" + file_id).status, 404);

  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/agents").body, Json::array());
  std::string agent = new_agent("reader");
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/folders/attach/" + fid, Json::object()).status, 200);
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/agents").body, Json::array({agent}));
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body.size(), 1u);
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/folders/detach/" + fid, Json::object()).status, 200);
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/agents").body, Json::array());
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body, Json::array());

  // Another user sees none of it.
  std::string bob = new_user_key("bob");
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/files", nullptr, bob).status, 404);
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/files/" + file_id, nullptr, bob).status, 404);
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/agents", nullptr, bob).status, 404);
  EXPECT_EQ(upload(fid, "x.txt", "text", bob).status, 404);
}

TEST_F(SourceRoutes, DeletingAFolderDetachesItFromItsAgents) {
  start();
  std::string fid = call("POST", "/v1/folders", {{"name", "docs"}}).body["id"];
  ASSERT_EQ(upload(fid, "a.txt", "Aardvarks eat ants.").status, 200);
  std::string agent = new_agent("reader");
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/folders/attach/" + fid, Json::object()).status, 200);
  ASSERT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body.size(), 1u);
  EXPECT_EQ(call("DELETE", "/v1/folders/" + fid).status, 200);
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body, Json::array());
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/folders").body, Json::array());
}

// An upload's passages carry the id of their file, which is what lets a crashed upload be
// undone (the server's uploads used to store them without it).
TEST_F(SourceRoutes, UploadedPassagesNameTheirFile) {
  start();
  std::string fid = call("POST", "/v1/folders", {{"name", "docs"}}).body["id"];
  auto up = upload(fid, "boat.txt", "Chad's boat is called the Marlin.");
  ASSERT_EQ(up.status, 200) << up.body.dump();
  EXPECT_EQ(up.body["processing_status"], "completed");
  auto passages = call("GET", "/v1/folders/" + fid + "/passages");
  ASSERT_EQ(passages.status, 200);
  ASSERT_EQ(passages.body.size(), 1u);
  EXPECT_EQ(passages.body[0]["metadata"]["file_id"], up.body["id"]) << passages.body.dump();
}

// What a crash leaves (as in runtime/sources_service_test.cpp): an upload's file still
// recorded as loading with some passages stored, and a delete begun (the source hidden and
// unlinked) with its passages and the agents' copies still stored. A loading file is not shown
// as a file; the server settles both when it starts, before it listens.
TEST_F(SourceRoutes, UploadsAndDeletesACrashInterruptedAreSettledWhenTheServerStarts) {
  start();
  std::string kept = call("POST", "/v1/folders", {{"name", "kept"}}).body["id"];
  ASSERT_EQ(upload(kept, "a.txt", "Aardvarks eat ants.").status, 200);
  std::string doomed = call("POST", "/v1/folders", {{"name", "doomed"}}).body["id"];
  ASSERT_EQ(upload(doomed, "b.txt", "Badgers dig setts.").status, 200);
  std::string agent = new_agent("reader");
  ASSERT_EQ(call("PATCH", "/v1/agents/" + agent + "/folders/attach/" + doomed, Json::object()).status, 200);
  ASSERT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body.size(), 1u);

  auto source = ctx_->store->get_source(kept);
  ASSERT_TRUE(source.ok());
  store::FileRecord half;
  half.user_id = ctx_->user_id;
  half.source_id = kept;
  half.file_name = "half.txt";
  half.status = "loading";
  half = *ctx_->store->add_file(half);
  testing::TempDir dir;
  testing::write_text(dir.file("half.txt"), "Herons wade in shallow water.");
  ASSERT_TRUE(sources::ingest_file(*archival_->passages, *source, dir.file("half.txt"), {"half.txt", half.id}).ok());
  ASSERT_EQ(call("GET", "/v1/folders/" + kept + "/passages").body.size(), 2u);
  ASSERT_TRUE(ctx_->store->begin_source_delete(doomed).ok());

  // Until then the loading file is no file of the folder, and its job is still running.
  EXPECT_EQ(call("GET", "/v1/folders/" + kept + "/files").body.size(), 1u);
  EXPECT_EQ(call("GET", "/v1/folders/" + kept + "/files/" + half.id).status, 404);
  EXPECT_EQ(call("GET", "/v1/jobs/job-" + half.id).body["status"], "running");

  auto port = server_->start();
  ASSERT_TRUE(port.ok()) << port.status().message();
  server_->stop();
  auto passages = call("GET", "/v1/folders/" + kept + "/passages");
  ASSERT_EQ(passages.body.size(), 1u) << passages.body.dump();
  EXPECT_EQ(passages.body[0]["text"], "Aardvarks eat ants.");
  EXPECT_EQ(call("GET", "/v1/jobs/job-" + half.id).status, 404);
  EXPECT_TRUE(ctx_->store->list_unfinished_files()->empty());
  EXPECT_TRUE(ctx_->store->list_unfinished_sources()->empty());
  EXPECT_EQ(call("GET", "/v1/agents/" + agent + "/archival-memory").body, Json::array());
  EXPECT_EQ(call("GET", "/v1/folders/" + doomed).status, 404);
}

TEST_F(SourceRoutes, UploadNamesThatClimbOutAreRefused) {
  start();
  std::string fid = call("POST", "/v1/folders", {{"name", "docs"}}).body["id"];
  for (const std::string& bad : {std::string("../x.txt"), std::string(".."), std::string("a/b.txt"), std::string("x\x01.txt")}) {
    EXPECT_EQ(upload(fid, bad, "text").status, 400) << bad;
  }
  EXPECT_EQ(call("GET", "/v1/folders/" + fid + "/files").body, Json::array());
}

TEST_F(SourceRoutes, ToolsAreTheBuiltInFunctions) {
  start();
  auto tools = call("GET", "/v1/tools");
  ASSERT_EQ(tools.status, 200);
  bool found = false;
  for (const auto& t : tools.body) found = found || t["name"] == "archival_memory_search";
  EXPECT_TRUE(found) << tools.body.dump();
  auto by_id = call("GET", "/v1/tools/tool-send_message");
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(by_id.body["name"], "send_message");
  EXPECT_EQ(call("GET", "/v1/tools/send_message").body, by_id.body);
  EXPECT_EQ(call("GET", "/v1/tools/no_such_tool").status, 404);
  EXPECT_EQ(call("GET", "/v1/tools?limit=2").body.size(), 2u);
  auto page2 = call("GET", "/v1/tools?limit=2&after=" + tools.body[1]["id"].get<std::string>());
  EXPECT_EQ(page2.body[0], tools.body[2]);
  EXPECT_EQ(call("GET", "/v1/tools", nullptr, "").status, 401);
}

}  // namespace
}  // namespace memgpt::server
