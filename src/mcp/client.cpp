#include "mcp/client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <regex>

#include "config/config.h"
#include "util/http_client.h"

extern char** environ;

namespace memgpt::mcp {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxAnswerBytes = 16u << 20;
// A server started on demand (e.g. `npx ...`) can take seconds before it answers initialize.
constexpr std::chrono::milliseconds kHandshakeTimeout{15000};

Status timeout_error(std::string message) { return {ErrorCode::kTimeout, std::move(message)}; }

std::string seconds_text(std::chrono::milliseconds d) { return fmt::format("{:g} s", d.count() / 1000.0); }

Json request(int64_t id, const std::string& method, Json params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

Json initialize_params() {
  return {{"protocolVersion", std::string(kLatestProtocolVersion)},
          {"capabilities", Json::object()},
          {"clientInfo", {{"name", "memgpt"}, {"version", kMemgptVersion}}}};
}

// The result of a JSON-RPC answer, or its error as a Status.
Result<Json> result_of(const std::string& server, const std::string& method, const Json& answer) {
  if (answer.contains("error")) {
    const Json& e = answer["error"];
    std::string message = e.is_object() && e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>()
                                                                                              : "no message";
    return failed_precondition(fmt::format("MCP server '{}' refused {}: {}", server, method, message));
  }
  if (!answer.contains("result") || !answer["result"].is_object()) {
    return corrupt(fmt::format("MCP server '{}' answered {} without a result", server, method));
  }
  return answer["result"];
}

Result<std::vector<RemoteTool>> tools_of(const std::string& server, const Json& result) {
  if (!result.contains("tools") || !result["tools"].is_array()) {
    return corrupt(fmt::format("MCP server '{}' answered tools/list without a list of tools", server));
  }
  std::vector<RemoteTool> tools;
  for (const auto& t : result["tools"]) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string()) continue;
    RemoteTool tool{t["name"].get<std::string>(), t.value("description", ""), t.value("inputSchema", Json::object())};
    if (!tool.input_schema.is_object()) tool.input_schema = Json::object();
    tools.push_back(std::move(tool));
  }
  return tools;
}

ToolResult tool_result_of(const Json& result) {
  ToolResult out;
  out.is_error = result.value("isError", false);
  if (result.contains("content") && result["content"].is_array()) {
    for (const auto& c : result["content"]) {
      if (!c.is_object()) continue;
      std::string piece = c.value("type", "") == "text" && c.contains("text") && c["text"].is_string()
                              ? c["text"].get<std::string>()
                              : fmt::format("[{} content]", c.value("type", "unknown"));
      out.text += out.text.empty() ? piece : "\n" + piece;
    }
  }
  if (result.contains("structuredContent")) out.structured = result["structuredContent"];
  if (out.text.empty() && !out.structured.is_null()) out.text = out.structured.dump();
  return out;
}

// Common to both transports: initialise once, then requests; the transport moves one request
// to its answer.
class ClientBase : public McpClient {
 public:
  ClientBase(McpServerConfig config, std::chrono::milliseconds timeout) : config_(std::move(config)), timeout_(timeout) {}

  Result<std::vector<RemoteTool>> list_tools() override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(Json result, call("tools/list", Json::object()));
    return tools_of(config_.name, result);
  }
  Result<ToolResult> call_tool(const std::string& name, const Json& arguments) override {
    std::lock_guard lock(mu_);
    MEMGPT_ASSIGN_OR_RETURN(Json result, call("tools/call", {{"name", name}, {"arguments", arguments}}));
    return tool_result_of(result);
  }

 protected:
  // Sends `message` and returns the answer with its id (or, for a notification, null).
  virtual Result<Json> exchange(const Json& message, Clock::time_point deadline) = 0;
  virtual void reset() = 0;  // after a failure: the next call starts over
  // The tool's timeout bounds each request; starting the server and the handshake get at least
  // kHandshakeTimeout, so a short timeout for a tool is not spent on a slow process start.
  std::chrono::milliseconds limit_for(const std::string& method) const {
    bool handshake = method == "initialize" || method == "notifications/initialized";
    return handshake ? std::max(timeout_, kHandshakeTimeout) : timeout_;
  }
  Status late(const std::string& method) const {
    return timeout_error(fmt::format("MCP server '{}' did not answer {} within {}", config_.name, method,
                                     seconds_text(limit_for(method))));
  }

  const McpServerConfig config_;
  const std::chrono::milliseconds timeout_;
  bool initialized_ = false;

 private:
  Result<Json> call(const std::string& method, const Json& params) {
    Result<Json> result = attempt(method, params);
    if (!result.ok() && result.status().code() != ErrorCode::kFailedPrecondition) {
      reset();
      initialized_ = false;
    }
    return result;
  }
  Result<Json> attempt(const std::string& method, const Json& params) {
    if (!initialized_) {
      Clock::time_point handshake = Clock::now() + limit_for("initialize");
      MEMGPT_ASSIGN_OR_RETURN(Json answer, exchange(request(++next_id_, "initialize", initialize_params()), handshake));
      MEMGPT_RETURN_IF_ERROR(result_of(config_.name, "initialize", answer).status());
      MEMGPT_RETURN_IF_ERROR(exchange({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, handshake).status());
      initialized_ = true;
    }
    MEMGPT_ASSIGN_OR_RETURN(Json answer, exchange(request(++next_id_, method, params), Clock::now() + timeout_));
    return result_of(config_.name, method, answer);
  }

  std::mutex mu_;
  int64_t next_id_ = 0;
};

// stdio: the server is our child; one JSON-RPC message per line each way.
class StdioClient : public ClientBase {
 public:
  using ClientBase::ClientBase;
  ~StdioClient() override { reset(); }

 protected:
  Result<Json> exchange(const Json& message, Clock::time_point deadline) override {
    if (pid_ <= 0) MEMGPT_RETURN_IF_ERROR(start());
    std::string line = message.dump() + "\n";
    for (size_t done = 0; done < line.size();) {
      ssize_t n = ::write(to_child_, line.data() + done, line.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return exited("while we wrote to it");
      done += static_cast<size_t>(n);
    }
    if (!message.contains("id")) return Json();
    const Json& id = message["id"];
    while (true) {
      MEMGPT_ASSIGN_OR_RETURN(std::string text, read_line(deadline, message["method"].get<std::string>()));
      Json answer = parse_json_or_discarded(text);
      if (answer.is_discarded() || !answer.is_object()) {
        return corrupt(fmt::format("MCP server '{}' wrote something that is not JSON-RPC on stdout", config_.name));
      }
      if (answer.contains("method")) {  // a request or notification of the server's: not ours to serve
        if (answer.contains("id")) {
          std::string reply = error_response(answer["id"], kMethodNotFound, "not supported by this client").dump() + "\n";
          if (::write(to_child_, reply.data(), reply.size()) < 0) return exited("while we wrote to it");
        }
        continue;
      }
      if (answer.value("id", Json()) == id) return answer;
    }
  }

  void reset() override {
    if (to_child_ >= 0) ::close(to_child_);
    if (from_child_ >= 0) ::close(from_child_);
    to_child_ = from_child_ = -1;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
    buffer_.clear();
  }

 private:
  Status start() {
    static std::once_flag sigpipe_once;  // a server that dies must fail our write, not end us
    std::call_once(sigpipe_once, [] {
      struct sigaction old {};
      if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    });
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return io_error("cannot create a pipe for the MCP server");
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return io_error("cannot create a pipe for the MCP server");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> argv_text = {config_.command};
    argv_text.insert(argv_text.end(), config_.args.begin(), config_.args.end());
    std::vector<char*> argv;
    for (auto& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_text;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      if (!config_.env.count(entry.substr(0, entry.find('=')))) env_text.push_back(std::move(entry));
    }
    for (const auto& [k, v] : config_.env) env_text.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, config_.command.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) {
      ::close(in[1]);
      ::close(out[0]);
      return unavailable(fmt::format("cannot start MCP server '{}' ({}): {}", config_.name, config_.command, std::strerror(rc)));
    }
    pid_ = pid;
    to_child_ = in[1];
    from_child_ = out[0];
    return {};
  }

  Result<std::string> read_line(Clock::time_point deadline, const std::string& method) {
    while (true) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        return line;
      }
      if (buffer_.size() > kMaxAnswerBytes) {
        return corrupt(fmt::format("MCP server '{}' wrote a message larger than {} MiB", config_.name, kMaxAnswerBytes >> 20));
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        return late(method);
      }
      pollfd p{from_child_, POLLIN, 0};
      int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 1000)));
      if (ready < 0 && errno != EINTR) return io_error("cannot wait for the MCP server");
      if (ready <= 0) continue;
      char chunk[65536];
      ssize_t n = ::read(from_child_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return exited(fmt::format("during {}", method));
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  Status exited(const std::string& when) {
    // Its output closed: it has exited or is about to. One that lives on without output is
    // not waited for (reset() kills it).
    int status = 0;
    std::string how = "closed its output";
    bool gone = false;
    for (int i = 0; i < 100 && pid_ > 0 && !gone; ++i) {
      gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!gone) ::usleep(10000);
    }
    if (gone) {
      how = WIFEXITED(status) ? fmt::format("exited with status {}", WEXITSTATUS(status))
                              : fmt::format("was killed by signal {}", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
      pid_ = -1;
    }
    return unavailable(fmt::format("MCP server '{}' {} {}", config_.name, how, when));
  }

  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string buffer_;
};

// Streamable HTTP: one POST per message; the answer as JSON or in an SSE stream.
class HttpClientTransport : public ClientBase {
 public:
  HttpClientTransport(McpServerConfig config, std::chrono::milliseconds timeout)
      : ClientBase(std::move(config), timeout), http_(make_curl_http_client()) {}

 protected:
  Result<Json> exchange(const Json& message, Clock::time_point deadline) override {
    HttpRequest req;
    req.method = "POST";
    req.url = config_.url;
    req.body = message.dump();
    req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json, text/event-stream"}};
    for (const auto& [k, v] : config_.headers) req.headers.emplace_back(k, v);
    if (!session_.empty()) req.headers.emplace_back("Mcp-Session-Id", session_);
    if (initialized_) req.headers.emplace_back("MCP-Protocol-Version", std::string(kLatestProtocolVersion));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const std::string method = message.value("method", "");
    if (left <= 0) return late(method);
    req.timeout_ms = static_cast<int>(left);
    req.connect_timeout_ms = static_cast<int>(std::min<int64_t>(left, 5000));
    auto res = http_->send(req);
    if (!res.ok()) {
      if (res.status().code() == ErrorCode::kTimeout) {
        return late(method);
      }
      return unavailable(fmt::format("MCP server '{}' cannot be reached", config_.name));
    }
    if (auto it = res->headers.find("mcp-session-id"); it != res->headers.end()) session_ = it->second;
    if (!message.contains("id")) {
      if (res->status >= 300) return unavailable(fmt::format("MCP server '{}' answered HTTP {} to {}", config_.name, res->status, method));
      return Json();
    }
    if (res->status != 200) {
      return unavailable(fmt::format("MCP server '{}' answered HTTP {} to {}", config_.name, res->status, method));
    }
    std::string type = res->headers.count("content-type") ? res->headers["content-type"] : "";
    if (type.find("text/event-stream") != std::string::npos) return answer_in_stream(res->body, message["id"]);
    Json answer = parse_json_or_discarded(res->body);
    if (!answer.is_object()) return corrupt(fmt::format("MCP server '{}' answered {} with something that is not JSON-RPC", config_.name, method));
    return answer;
  }
  void reset() override { session_.clear(); }

 private:
  Result<Json> answer_in_stream(const std::string& body, const Json& id) {
    size_t pos = 0;
    std::string data;
    auto flush = [&]() -> std::optional<Json> {
      Json event = data.empty() ? Json() : parse_json_or_discarded(data);
      data.clear();
      if (event.is_object() && event.value("id", Json()) == id && !event.contains("method")) return event;
      return std::nullopt;
    };
    while (pos <= body.size()) {
      size_t nl = body.find('\n', pos);
      std::string line = body.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (auto e = flush()) return *e;
      } else if (line.rfind("data:", 0) == 0) {
        std::string piece = line.substr(line.size() > 5 && line[5] == ' ' ? 6 : 5);
        data += data.empty() ? piece : "\n" + piece;
      }
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (auto e = flush()) return *e;
    return corrupt(fmt::format("MCP server '{}' ended its event stream without the answer", config_.name));
  }

  std::unique_ptr<HttpClient> http_;
  std::string session_;
};

}  // namespace

Json config_json(const McpServerConfig& c, bool with_secrets) {
  if (c.type == "stdio") {
    Json env = Json::object();
    for (const auto& [k, v] : c.env) env[k] = with_secrets ? Json(v) : Json(nullptr);
    return {{"server_name", c.name}, {"type", "stdio"}, {"command", c.command}, {"args", c.args}, {"env", env}};
  }
  Json headers = Json::object();
  for (const auto& [k, v] : c.headers) headers[k] = with_secrets ? Json(v) : Json(nullptr);
  return {{"server_name", c.name}, {"type", c.type}, {"server_url", c.url}, {"custom_headers", headers}};
}

Status check_config(const McpServerConfig& c) {
  static const std::regex name_re("[A-Za-z0-9_-]{1,64}");
  if (!std::regex_match(c.name, name_re)) {
    return invalid_argument("an MCP server name is 1-64 letters, digits, '_' or '-'");
  }
  if (c.type == "stdio") {
    if (c.command.empty()) return invalid_argument("a stdio MCP server needs a command");
    return {};
  }
  if (c.type == "streamable_http") {
    if (c.url.rfind("http://", 0) != 0 && c.url.rfind("https://", 0) != 0) {
      return invalid_argument("a streamable HTTP MCP server needs an http:// or https:// URL");
    }
    return {};
  }
  return invalid_argument(fmt::format("MCP server type '{}' is not known (use stdio or streamable_http)", c.type));
}

Result<McpServerConfig> config_from_json(const Json& j) {
  if (!j.is_object()) return invalid_argument("an MCP server must be an object");
  McpServerConfig c;
  auto str = [&](const char* key, std::string& out) -> Status {
    if (!j.contains(key) || j[key].is_null()) return {};
    if (!j[key].is_string()) return invalid_argument(fmt::format("'{}' must be a string", key));
    out = j[key].get<std::string>();
    return {};
  };
  auto map = [&](const char* key, std::map<std::string, std::string>& out) -> Status {
    if (!j.contains(key) || j[key].is_null()) return {};
    if (!j[key].is_object()) return invalid_argument(fmt::format("'{}' must be an object of strings", key));
    for (const auto& [k, v] : j[key].items()) {
      if (!v.is_string()) return invalid_argument(fmt::format("'{}.{}' must be a string", key, k));
      out[k] = v.get<std::string>();
    }
    return {};
  };
  MEMGPT_RETURN_IF_ERROR(str("server_name", c.name));
  MEMGPT_RETURN_IF_ERROR(str("type", c.type));
  MEMGPT_RETURN_IF_ERROR(str("command", c.command));
  MEMGPT_RETURN_IF_ERROR(str("server_url", c.url));
  MEMGPT_RETURN_IF_ERROR(map("env", c.env));
  MEMGPT_RETURN_IF_ERROR(map("custom_headers", c.headers));
  if (j.contains("args") && !j["args"].is_null()) {
    if (!j["args"].is_array()) return invalid_argument("'args' must be a list of strings");
    for (const auto& a : j["args"]) {
      if (!a.is_string()) return invalid_argument("'args' must be a list of strings");
      c.args.push_back(a.get<std::string>());
    }
  }
  if (c.type.empty()) c.type = c.command.empty() ? "streamable_http" : "stdio";
  MEMGPT_RETURN_IF_ERROR(check_config(c));
  return c;
}

std::unique_ptr<McpClient> make_mcp_client(const McpServerConfig& config, std::chrono::milliseconds timeout) {
  if (config.type == "stdio") return std::make_unique<StdioClient>(config, timeout);
  return std::make_unique<HttpClientTransport>(config, timeout);
}

}  // namespace memgpt::mcp
