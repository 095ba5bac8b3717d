// `memgpt milvus serve` (vector/milvus_rest.h): REST v2 requests against the real server in
// this process, over loopback, in front of the embedded engine. The server object exposes no
// in-process request entry point (httplib owns the socket), so each input is one HTTP request; handler code still runs in this process under the sanitizers.
// Input: the action on the first line ("entities/query"), the JSON body after it.
// Properties: no crash; every answer is HTTP 200 with a Milvus envelope ({"code": ...}), an
// error never an HTTP 500 (exception text must not leave the process) nor the engine's path.
#include <httplib.h>

#include "fuzz_support.h"
#include "util/json.h"
#include "vector/embedded_store.h"
#include "vector/milvus_rest.h"

namespace {

using memgpt::Json;
using namespace memgpt::vector;

constexpr const char* kActions[] = {
    "collections/list",    "collections/create",      "collections/has",    "collections/describe",
    "collections/drop",    "collections/load",        "collections/release", "collections/get_load_state",
    "collections/get_stats", "indexes/list",          "indexes/describe",   "indexes/create",
    "entities/insert",     "entities/upsert",         "entities/search",    "entities/query",
    "entities/get",        "entities/delete"};

std::vector<Json> seed_rows() {
  std::vector<Json> rows;
  for (int i = 1; i <= 6; ++i) {
    rows.push_back({{"id", i},
                    {"text", "row " + std::to_string(i)},
                    {"vector", {i % 2, i % 3, 1, 0.5}},
                    {"tag", i % 2 ? "t1" : "t2"},
                    {"meta", {{"a", i}}}});
  }
  return rows;
}

struct Served {
  std::unique_ptr<VectorStore> engine;
  std::unique_ptr<MilvusRestServer> server;
  std::unique_ptr<httplib::Client> client;

  // Back to one collection "c" holding its six seed ids and at most a few more rows: inputs
  // must not depend on earlier ones more than necessary, and the database must not grow without
  // bound. (Rewriting the rows after every write would cost most of the run's time.)
  void reset(const std::string& action) {
    if (action.rfind("collections/", 0) == 0) {
      auto names = engine->list_collections();
      if (names.ok()) {
        for (const auto& n : *names) {
          if (n != "c") (void)engine->drop_collection(n);
        }
      }
    }
    bool rows_changed = action == "entities/insert" || action == "entities/upsert" || action == "entities/delete";
    auto has = engine->has_collection("c");
    if (has.ok() && *has && !rows_changed) return;
    if (!has.ok() || !*has) {
      CollectionSpec spec;
      spec.name = "c";
      spec.fields = {{"id", DataType::kInt64, true, false, 0, 0},
                     {"text", DataType::kVarChar, false, false, 256, 0},
                     {"vector", DataType::kFloatVector, false, false, 0, 4},
                     {"tag", DataType::kVarChar, false, false, 64, 0},
                     {"meta", DataType::kJson, false, false, 0, 0}};
      spec.index.field_name = "vector";
      if (auto s = engine->create_collection(spec); !s.ok()) memgpt::fuzz::finding("cannot create the collection: " + s.message());
    } else {
      auto n = engine->count("c", "");
      if (n.ok() && *n > 16) (void)engine->remove("c", "id not in [1, 2, 3, 4, 5, 6]");
      auto seeds = engine->count("c", "id in [1, 2, 3, 4, 5, 6]");
      if (seeds.ok() && *seeds == 6) return;
    }
    if (auto n = engine->upsert("c", seed_rows()); !n.ok()) memgpt::fuzz::finding("cannot restore the rows: " + n.status().message());
  }
};

Served& served() {
  static Served s = [] {
    Served out;
    auto engine = open_embedded_store(memgpt::fuzz::scratch_dir() + "/milvus.db");
    if (!engine.ok()) memgpt::fuzz::finding("cannot open the embedded store: " + engine.status().message());
    out.engine = std::move(*engine);
    MilvusRestServer::Options options;
    options.max_body_bytes = 1 << 20;
    out.server = std::make_unique<MilvusRestServer>(out.engine.get(), options);
    auto port = out.server->start("127.0.0.1", 0);
    if (!port.ok()) memgpt::fuzz::finding("cannot start the server: " + port.status().message());
    out.client = std::make_unique<httplib::Client>("127.0.0.1", *port);
    // One kept-alive connection, as real clients use it (the server sets TCP_NODELAY, so answers
    // do not wait for a delayed ACK); the server closes it after a malformed request.
    out.client->set_keep_alive(true);
    out.client->set_tcp_nodelay(true);
    out.client->set_read_timeout(30, 0);
    out.reset("collections/create");
    return out;
  }();
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = memgpt::fuzz::as_text(data, size);
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string action(text.substr(0, nl));
  if (std::find(std::begin(kActions), std::end(kActions), action) == std::end(kActions)) return 0;
  std::string body(text.substr(nl + 1));

  Served& s = served();
  auto res = s.client->Post("/v2/vectordb/" + action, body, "application/json");
  if (!res) memgpt::fuzz::finding("no answer from the server (" + httplib::to_string(res.error()) + ")");
  if (res->status != 200) memgpt::fuzz::finding("HTTP " + std::to_string(res->status) + " for " + action + ": " + res->body);
  Json answer = memgpt::parse_json_or_discarded(res->body);
  if (!answer.is_object() || !answer.contains("code") || !answer["code"].is_number_integer()) {
    memgpt::fuzz::finding("an answer without a Milvus envelope: " + res->body.substr(0, 200));
  }
  if (memgpt::fuzz::leaks_scratch_path(res->body, text)) {
    memgpt::fuzz::finding("an answer shows the engine's file path: " + res->body.substr(0, 300));
  }
  s.reset(action);
  return 0;
}
