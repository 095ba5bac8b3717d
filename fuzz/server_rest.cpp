// `memgpt server` (server/server.h): Letta /v1 and MemGPT /api requests against the real server
// in this process, over loopback, on a SQLite store and the embedded engine in a scratch home.
// The server exposes no in-process request entry point (httplib owns the socket), so each input
// is one HTTP request on its own connection; the handlers still run in this process under the
// sanitizers. The chat model is a small OpenAI-compatible endpoint in this process that always
// calls send_message, so message routes run whole agent steps. No request leaves the machine:
// other hosts go through a closed proxy port (and fuzz/run.sh adds a network namespace).
// Input: "METHOD /path" on the first line ({agent} and {source} stand for the ids of an agent
// and a source made at start), the body after it (sent as JSON; "multipart:" + text sends a
// file upload named upload.txt).
// Properties: no crash; no HTTP 500 (internal errors and exception text must not reach
// clients); every error body is JSON with a message; no answer shows the server's home folder.
#include <httplib.h>

#include <optional>

#include "fuzz_support.h"
#include "runtime/runtime.h"
#include "server/server.h"
#include "util/json.h"

namespace {

using memgpt::Json;

// Answers every chat completion with one send_message call (or plain text without tools).
class FakeModel {
 public:
  int start() {
    http_.Post(R"(/v1/chat/completions)", [](const httplib::Request& req, httplib::Response& res) {
      Json body = memgpt::parse_json_or_discarded(req.body);
      bool tools = body.is_object() && body.contains("tools");
      Json message = {{"role", "assistant"}, {"content", "thinking"}};
      if (tools) {
        message["tool_calls"] = Json::array({{{"id", "call_1"},
                                              {"type", "function"},
                                              {"function", {{"name", "send_message"}, {"arguments", R"({"message":"ok"})"}}}}});
      }
      Json reply = {{"id", "chatcmpl-1"},
                    {"object", "chat.completion"},
                    {"created", 0},
                    {"model", body.value("model", "gpt-4o-mini")},
                    {"choices", Json::array({{{"index", 0}, {"message", message}, {"finish_reason", tools ? "tool_calls" : "stop"}}})},
                    {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 5}, {"total_tokens", 15}}}};
      res.set_content(reply.dump(), "application/json");
    });
    int port = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return port;
  }
  ~FakeModel() {
    http_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  httplib::Server http_;
  std::thread thread_;
};

struct Served {
  FakeModel model;
  std::string home;
  memgpt::runtime::AppContext ctx;
  memgpt::runtime::Archival archival;
  std::unique_ptr<memgpt::server::Server> server;
  std::unique_ptr<httplib::Client> client;
  std::string agent_id, source_id;
};

template <typename T>
T must(memgpt::Result<T> r, const char* what) {
  if (!r.ok()) memgpt::fuzz::finding(std::string(what) + ": " + r.status().message());
  return std::move(*r);
}

Served& served() {
  static Served* s = [] {
    auto* out = new Served;  // lives until exit: server threads may still use it
    memgpt::fuzz::block_outbound_http();
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);  // the fake model, and nothing else
    out->home = memgpt::fuzz::scratch_dir() + "/home";
    ::setenv("MEMGPT_HOME", out->home.c_str(), 1);
    ::unsetenv("MEMGPT_CONFIG_PATH");
    ::unsetenv("MEMGPT_CREDENTIALS_PATH");
    ::unsetenv("OPENAI_API_KEY");
    int model_port = out->model.start();
    auto config = must(memgpt::runtime::load_config_or_default(), "config");
    std::string endpoint = "http://127.0.0.1:" + std::to_string(model_port) + "/v1";
    if (auto st = config.set("model", "model_endpoint", endpoint); !st.ok()) memgpt::fuzz::finding(st.message());
    if (auto st = config.save(); !st.ok()) memgpt::fuzz::finding(st.message());
    auto creds = must(memgpt::Credentials::load(), "credentials");
    creds.set("openai", "key", "sk-fuzz-operator-key");
    if (auto st = creds.save(); !st.ok()) memgpt::fuzz::finding(st.message());

    out->ctx = must(memgpt::runtime::open_context(), "open_context");
    out->archival = must(memgpt::runtime::open_archival(out->ctx), "open_archival");
    if (auto st = out->archival.passages->ensure_collections(); !st.ok()) memgpt::fuzz::finding(st.message());
    memgpt::server::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.max_body_bytes = 1 << 20;
    options.limits.worker_threads = 4;
    options.log_requests = false;
    options.agent_wait = std::chrono::milliseconds(2000);
    out->server = std::make_unique<memgpt::server::Server>(out->ctx, out->archival, options);
    int port = must(out->server->start(), "server start");
    out->client = std::make_unique<httplib::Client>("127.0.0.1", port);
    // One kept-alive connection, as real clients use it (the server sets TCP_NODELAY, so answers
    // do not wait for a delayed ACK); the server closes it after a malformed request.
    out->client->set_keep_alive(true);
    out->client->set_tcp_nodelay(true);
    out->client->set_read_timeout(60, 0);

    auto agent = out->client->Post("/v1/agents", R"({"name":"fuzz-agent"})", "application/json");
    if (!agent || agent->status != 200) memgpt::fuzz::finding("cannot create the agent: " + (agent ? agent->body : "no answer"));
    out->agent_id = memgpt::parse_json_or_discarded(agent->body).value("id", "");
    auto source = out->client->Post("/v1/sources", R"({"name":"fuzz-source"})", "application/json");
    if (!source || source->status != 200) memgpt::fuzz::finding("cannot create the source: " + (source ? source->body : "no answer"));
    out->source_id = memgpt::parse_json_or_discarded(source->body).value("id", "");
    return out;
  }();
  return *s;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = memgpt::fuzz::as_text(data, size);
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string_view line = text.substr(0, nl);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  std::string method(line.substr(0, sp));
  std::string path(line.substr(sp + 1));
  if (!(path.rfind("/v1/", 0) == 0 || path.rfind("/api/", 0) == 0)) return 0;
  // What httplib's client would refuse to send, or send as another request.
  if (path.find_first_of(" \r\n", 0) != std::string::npos || path.find('\0') != std::string::npos) return 0;
  std::string body(text.substr(nl + 1));

  Served& s = served();
  replace_all(path, "{agent}", s.agent_id);
  replace_all(path, "{source}", s.source_id);
  auto send = [&]() -> std::optional<httplib::Result> {
    if (method == "GET") return s.client->Get(path);
    if (method == "DELETE") return s.client->Delete(path, body, "application/json");
    if (method == "PATCH") return s.client->Patch(path, body, "application/json");
    if (method == "PUT") return s.client->Put(path, body, "application/json");
    if (method != "POST") return std::nullopt;
    if (body.rfind("multipart:", 0) == 0) {
      httplib::MultipartFormDataItems items = {{"file", body.substr(10), "upload.txt", "text/plain"}};
      return s.client->Post(path, items);
    }
    return s.client->Post(path, body, "application/json");
  };
  auto sent = send();
  if (!sent) return 0;
  httplib::Result& res = *sent;
  if (!res) memgpt::fuzz::finding("no answer from the server (" + httplib::to_string(res.error()) + ") for " + method + " " + path);
  if (res->status == 500) memgpt::fuzz::finding(method + " " + path + " -> HTTP 500: " + res->body.substr(0, 300));
  if (memgpt::fuzz::leaks_scratch_path(res->body, text)) {
    memgpt::fuzz::finding(method + " " + path + " -> an answer shows the server's home path: " + res->body.substr(0, 300));
  }
  // Every error, the transport's own included (an unparseable request target...), is JSON.
  if (res->status >= 400) {
    Json err = memgpt::parse_json_or_discarded(res->body);
    if (!err.is_object() || !err.contains("message")) {
      memgpt::fuzz::finding(method + " " + path + " -> HTTP " + std::to_string(res->status) +
                            ", an error without a JSON message: " + res->body.substr(0, 200));
    }
  }
  // Keep the two fixtures: a deleted agent or source is made again under the same name.
  if (method == "DELETE") {
    auto a = s.client->Get("/v1/agents/" + s.agent_id);
    if (a && a->status == 404) {
      auto made = s.client->Post("/v1/agents", R"({"name":"fuzz-agent"})", "application/json");
      if (made && made->status == 200) s.agent_id = memgpt::parse_json_or_discarded(made->body).value("id", "");
    }
    auto src = s.client->Get("/v1/sources/" + s.source_id);
    if (src && src->status == 404) {
      auto made = s.client->Post("/v1/sources", R"({"name":"fuzz-source"})", "application/json");
      if (made && made->status == 200) s.source_id = memgpt::parse_json_or_discarded(made->body).value("id", "");
    }
  }
  return 0;
}
