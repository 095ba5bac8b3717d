#include "server/server.h"

#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "agent/functions.h"
#include "http/http_server.h"
#include "agent/passage_archival.h"
#include "agent/protocol.h"
#include "llm/llm_config.h"
#include "runtime/agent_lock.h"
#include "runtime/model_endpoints.h"
#include "server/letta_views.h"
#include "sources/ingest.h"
#include "store/recall_store.h"
#include "util/clock.h"
#include "util/files.h"

namespace memgpt::server {

bool is_loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string new_api_key() {
  unsigned char bytes[24];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string out = "sk-memgpt-";
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

namespace {

// Request problems are thrown as HttpError inside handlers so each check is one line; the
// dispatcher turns them (and any Status) into a JSON error body. Nothing escapes a handler.
struct HttpError {
  int status;
  std::string message;
  std::string field;  // 422: the body field at fault
};

[[noreturn]] void fail(int status, std::string message, std::string field = "") {
  throw HttpError{status, std::move(message), std::move(field)};
}

int http_status_of_code(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kResourceExhausted: return 413;
    case ErrorCode::kUnimplemented: return 501;
    case ErrorCode::kTimeout: return 504;
    case ErrorCode::kUnavailable: return 503;
    default: return 500;
  }
}

// One line for the operator's log: control characters (a remote body's newlines) flattened.
std::string log_line(const std::string& text) {
  std::string out = text.substr(0, 2000);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

// What a client may see of a failure. Failures of the model, the embedder or archival storage
// carry remote text (an upstream's error body, its URL); the client gets a short fixed reason
// and the operator's log the whole message. Our own failures (validation, not found, taken
// names, limits) pass through as written.
HttpError public_error(const Status& s) {
  static const ErrorCode kOurs[] = {ErrorCode::kInvalidArgument,    ErrorCode::kNotFound,
                                    ErrorCode::kAlreadyExists,      ErrorCode::kFailedPrecondition,
                                    ErrorCode::kResourceExhausted,  ErrorCode::kUnimplemented,
                                    ErrorCode::kCancelled};
  bool ours = s.detail() == 0 && s.message().find("://") == std::string::npos &&
              std::find(std::begin(kOurs), std::end(kOurs), s.code()) != std::end(kOurs);
  if (ours) return {http_status_of_code(s.code()), s.message(), ""};
  fmt::print(stderr, "upstream error ({}): {}\n", error_code_name(s.code()), log_line(s.message()));
  switch (static_cast<llm::LlmError>(s.detail())) {
    case llm::LlmError::kContextWindowExceeded:
      return {502, "the model backend refused the request: the conversation does not fit its context window", ""};
    case llm::LlmError::kAuthentication:
      return {502, "the model backend refused the server's credentials (the operator must check the key)", ""};
    case llm::LlmError::kModelNotFound:
      return {502, "the model backend does not serve this model", ""};
    case llm::LlmError::kRateLimited:
      return {503, "the model backend is rate limiting requests; try again later", ""};
    case llm::LlmError::kBadResponse:
      return {502, "the model backend sent a reply that could not be used", ""};
    case llm::LlmError::kOutputTruncated:
      return {502, "the model's reply was cut off before it was usable", ""};
    default: break;
  }
  switch (s.code()) {
    case ErrorCode::kTimeout:
      return {504, "a backend of this server (model, embedder or archival storage) did not answer in time", ""};
    case ErrorCode::kUnavailable:
      return {503, "a backend of this server (model, embedder or archival storage) is unavailable; try again later", ""};
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kCorrupt:
      return {500, "internal error (the server log has the details)", ""};
    default:
      return {502, fmt::format("a backend of this server (model, embedder or archival storage) failed ({})",
                               error_code_name(s.code())), ""};
  }
}

[[noreturn]] void fail(const Status& s) { throw public_error(s); }

template <class T>
T check(Result<T> r) {
  if (!r.ok()) fail(r.status());
  return std::move(*r);
}
void check(const Status& s) {
  if (!s.ok()) fail(s);
}

// ---- request field access (422 naming the field on a wrong type) ------------------------------

std::optional<std::string> opt_str(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_string()) fail(422, fmt::format("'{}' must be a string", key), key);
  return body[key].get<std::string>();
}
std::optional<int64_t> opt_int(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_number_integer()) fail(422, fmt::format("'{}' must be an integer", key), key);
  return body[key].get<int64_t>();
}
std::optional<bool> opt_bool(const Json& body, const char* key) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_boolean()) fail(422, fmt::format("'{}' must be a boolean", key), key);
  return body[key].get<bool>();
}
std::string req_str(const Json& body, const char* key) {
  auto v = opt_str(body, key);
  if (!v) fail(422, fmt::format("'{}' is required", key), key);
  return *v;
}

Json parse_body(const http::Request& req) {
  if (req.body.empty()) return Json::object();
  Json body = parse_json_or_discarded(req.body);
  if (body.is_discarded()) fail(400, "the request body is not valid JSON");
  if (!body.is_object()) fail(422, "the request body must be a JSON object", "body");
  return body;
}

int64_t query_int(const http::Request& req, const char* key, int64_t dflt, int64_t lo, int64_t hi) {
  if (!req.has_query(key)) return dflt;
  const std::string v = req.query_value(key);
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0') fail(422, fmt::format("query parameter '{}' must be an integer", key), key);
  if (n < lo || n > hi) fail(422, fmt::format("query parameter '{}' must be between {} and {}", key, lo, hi), key);
  return n;
}

std::string query_str(const http::Request& req, const char* key) {
  return req.has_query(key) ? req.query_value(key) : std::string();
}

// The text of a Letta message's content: a string or [{type: "text", text}].
std::string content_text(const Json& content, const char* field) {
  if (content.is_string()) return content.get<std::string>();
  if (content.is_array()) {
    std::string out;
    for (const auto& part : content) {
      if (!part.is_object() || !part.contains("text") || !part["text"].is_string()) {
        fail(422, "message content parts must be {\"type\": \"text\", \"text\": ...}", field);
      }
      if (!out.empty()) out += "\n";
      out += part["text"].get<std::string>();
    }
    return out;
  }
  fail(422, "message content must be a string or a list of text parts", field);
}

// Cursor paging over an ordered list of ids (Letta's after/before/limit).
template <class T, class IdOf>
std::vector<T> page(std::vector<T> items, const http::Request& req, IdOf id_of, int64_t default_limit) {
  std::string after = query_str(req, "after"), before = query_str(req, "before");
  int64_t limit = query_int(req, "limit", default_limit, 1, 1000);
  size_t begin = 0, end = items.size();
  auto find = [&](const std::string& id) -> size_t {
    for (size_t i = 0; i < items.size(); ++i) {
      if (id_of(items[i]) == id) return i;
    }
    fail(404, fmt::format("cursor '{}' is not in this list", id));
  };
  if (!after.empty()) begin = find(after) + 1;
  if (!before.empty()) end = find(before);
  if (begin > end) begin = end;
  std::vector<T> out;
  if (!before.empty() && after.empty()) {  // the items closest to `before`
    size_t from = end > static_cast<size_t>(limit) ? end - static_cast<size_t>(limit) : 0;
    out.assign(items.begin() + static_cast<ptrdiff_t>(std::max(from, begin)), items.begin() + static_cast<ptrdiff_t>(end));
  } else {
    size_t to = std::min(end, begin + static_cast<size_t>(limit));
    out.assign(items.begin() + static_cast<ptrdiff_t>(begin), items.begin() + static_cast<ptrdiff_t>(to));
  }
  return out;
}

bool descending(const http::Request& req, bool dflt) {
  std::string order = query_str(req, "order");
  if (order.empty()) return dflt;
  if (order == "asc") return false;
  if (order == "desc") return true;
  fail(422, "query parameter 'order' must be 'asc' or 'desc'", "order");
}

// A JSON list of objects with "id", paged like the stored lists: clients that auto-paginate
// ask again with after=<last id> and must get an empty page at the end, never the list again.
Json paged_json(const Json& items, const http::Request& req, int64_t default_limit) {
  std::vector<Json> v(items.begin(), items.end());
  Json out = Json::array();
  for (auto& j : page(std::move(v), req, [](const Json& j) { return j.value("id", ""); }, default_limit)) {
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

struct Server::Impl {
  Impl(runtime::AppContext& c, runtime::Archival& a, ServerOptions o)
      : ctx(c), archival(a), options(std::move(o)), recall(c.store->shared_db()),
        locks(c.store->shared_db(), c.config.metadata_storage.type == "sqlite" ? c.config.sqlite_path() : "") {}

  runtime::AppContext& ctx;
  runtime::Archival& archival;
  ServerOptions options;
  store::RecallStore recall;
  runtime::AgentLocks locks;
  http::Router router;
  std::unique_ptr<http::HttpServer> http;

  struct Caller {
    std::string user_id;
    bool admin = false;     // may manage users: the password holder, or anyone without a password
    bool operator_ = false; // proved the server password: may point agents at other endpoints
  };
  using Handler = std::function<void(const http::Request&, http::Response&, const Caller&)>;

  // ---- plumbing ------------------------------------------------------------------------------

  Caller authenticate(const http::Request& req) {
    std::string auth = req.header("Authorization");
    if (auth.empty()) {
      if (!options.password.empty()) {
        fail(401, "missing credentials: send 'Authorization: Bearer <server password or API key>'");
      }
      return {ctx.user_id, true};
    }
    if (auth.rfind("Bearer ", 0) != 0) fail(401, "the Authorization header must be 'Bearer <token>'");
    std::string token = auth.substr(7);
    if (!options.password.empty() && CRYPTO_memcmp(token.data(), options.password.data(),
                                                   std::min(token.size(), options.password.size())) == 0 &&
        token.size() == options.password.size()) {
      return {ctx.user_id, true, true};
    }
    auto user = ctx.store->user_for_api_key(sha256_hex(token));
    if (user.ok()) return {*user, false};
    if (user.status().code() != ErrorCode::kNotFound) fail(user.status());
    fail(401, "invalid API key");
  }

  static void send_json(http::Response& res, const Json& body, int status = 200) {
    res.status = status;
    res.content_type = "application/json";
    res.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }

  static void send_error(http::Response& res, int status, const std::string& message, const std::string& field) {
    Json body;
    if (status == 422) {
      body = {{"detail", Json::array({{{"loc", Json::array({"body", field.empty() ? "body" : field})},
                                       {"msg", message},
                                       {"type", "value_error"}}})},
              {"message", message}};
    } else {
      body = {{"detail", message}, {"message", message}};
    }
    send_json(res, body, status);
  }

  // Registers `pattern` under each prefix ("/v1", "/api", ...); "*" is one id segment.
  void route(const char* method, const std::vector<const char*>& prefixes, const std::string& pattern,
             Handler handler) {
    for (const char* prefix : prefixes) {
      router.add(method, std::string(prefix) + pattern, [this, handler](const http::Request& req) {
        http::Response res;
        try {
          Caller caller = authenticate(req);
          handler(req, res, caller);
        } catch (const HttpError& e) {
          res = http::Response();
          send_error(res, e.status, e.message, e.field);
        }
        return res;
      });
    }
  }

  // ---- lookups (another user's ids are 404, never 403: ids do not leak) -----------------------

  store::AgentRecord agent_of(const Caller& c, const std::string& id) {
    auto a = ctx.store->get_agent(id);
    if (!a.ok() || a->user_id != c.user_id) fail(404, fmt::format("agent '{}' not found", id));
    return *a;
  }

  store::SourceRecord source_of(const Caller& c, const std::string& id) {
    auto s = ctx.store->get_source(id);
    if (!s.ok() || s->user_id != c.user_id) fail(404, fmt::format("source '{}' not found", id));
    return *s;
  }

  Json agent_json(const store::AgentRecord& a) {
    return agent_view(a, check(ctx.store->list_agent_sources(a.id)));
  }

  // A loaded agent kept between requests, so a step does not re-read and re-tokenise the whole
  // context (the agent's caches survive). Used only under the agent's lock; valid while the
  // stored record is exactly what this process last left (another process's step changes
  // last_updated and the state, and the entry is rebuilt).
  struct CachedAgent {
    std::unique_ptr<llm::ChatModel> model;  // null when the model could not be connected
    std::unique_ptr<agent::PassageArchival> archival;
    std::unique_ptr<agent::Agent> agent;
    Json llm_config;
    int64_t stored_last_updated = 0;
  };

  // An agent opened for a request: locked against other steps (threads and processes). On
  // release the cache entry is kept when the request succeeded, dropped when it failed (the
  // in-memory agent may then differ from the store) or when `drop` was set (the record was
  // changed beside the agent).
  struct OpenAgent {
    OpenAgent() = default;
    OpenAgent(OpenAgent&& o) noexcept { *this = std::move(o); }
    OpenAgent& operator=(OpenAgent&& o) noexcept {
      impl = std::exchange(o.impl, nullptr);
      id = std::move(o.id);
      guard = std::move(o.guard);
      entry = std::move(o.entry);
      agent = o.agent;
      drop = o.drop;
      exceptions = o.exceptions;
      return *this;
    }
    ~OpenAgent() {
      if (impl && entry) impl->release(*this, drop || std::uncaught_exceptions() > exceptions);
    }
    Impl* impl = nullptr;
    std::string id;
    runtime::AgentLocks::Guard guard;
    std::shared_ptr<CachedAgent> entry;
    agent::Agent* agent = nullptr;
    bool drop = false;
    int exceptions = std::uncaught_exceptions();
  };

  std::mutex cache_mu;
  std::unordered_map<std::string, std::shared_ptr<CachedAgent>> agent_cache;

  OpenAgent open_agent(const Caller& c, const std::string& id, bool with_model) {
    agent_of(c, id);
    OpenAgent o;
    auto guard = locks.acquire(id, options.agent_wait);
    if (!guard.ok()) {
      if (guard.status().code() == ErrorCode::kUnavailable) fail(409, guard.status().message());
      fail(guard.status());
    }
    o.guard = std::move(*guard);
    store::AgentRecord rec = check(ctx.store->get_agent(id));  // under the lock: the truth now
    std::shared_ptr<CachedAgent> entry;
    {
      std::lock_guard lock(cache_mu);
      auto it = agent_cache.find(id);
      if (it != agent_cache.end()) entry = it->second;
    }
    bool fresh = entry && entry->stored_last_updated == rec.last_updated && entry->llm_config == rec.llm_config &&
                 entry->agent->record().state == rec.state && (entry->model || !with_model);
    if (!fresh) {
      entry = std::make_shared<CachedAgent>();
      auto model = connect_model(rec.llm_config);
      if (model.ok()) entry->model = std::move(*model);
      else if (with_model) fail(model.status());
      entry->archival = std::make_unique<agent::PassageArchival>(archival.passages.get(), rec.user_id, rec.id,
                                                                 ctx.config.embedding_chunk_size);
      entry->llm_config = rec.llm_config;
      agent::AgentDeps d;
      d.meta = ctx.store.get();
      d.recall = &recall;
      d.archival = entry->archival.get();
      d.model = entry->model.get();
      entry->agent = check(agent::Agent::load(d, id));
      entry->agent->set_verify_first_message(false);
    }
    o.impl = this;
    o.id = id;
    o.entry = entry;
    o.agent = entry->agent.get();
    return o;
  }

  void release(OpenAgent& o, bool drop) {
    std::lock_guard lock(cache_mu);
    if (!drop) {
      auto rec = ctx.store->get_agent(o.id);
      if (rec.ok()) {
        o.entry->stored_last_updated = rec->last_updated;
        if (agent_cache.size() >= 512 && !agent_cache.count(o.id)) agent_cache.erase(agent_cache.begin());
        agent_cache[o.id] = o.entry;
        return;
      }
    }
    agent_cache.erase(o.id);
  }

  // The model a request asks for ("model": "openai/gpt-4o-mini", or Letta's llm_config), on an
  // endpoint the caller may choose: users pick among the operator's endpoints; only the server
  // password may name another URL (and the operator's keys still do not go there).
  Json llm_config_for(const Json& body, const Caller& c, const std::string& current_endpoint = "") {
    Json llm;
    if (body.contains("llm_config") && !body["llm_config"].is_null()) {
      auto checked = runtime::checked_llm_config(
          ctx.config, ctx.credentials, body["llm_config"],
          c.operator_ ? runtime::EndpointChoice::kAny : runtime::EndpointChoice::kOperatorOnly, current_endpoint);
      if (!checked.ok()) fail(422, checked.status().message(), "llm_config");
      llm = std::move(*checked);
    } else {
      auto handled = runtime::llm_config_for_handle(ctx.config, ctx.credentials, opt_str(body, "model").value_or(""));
      if (!handled.ok()) fail(422, handled.status().message(), "model");
      llm = std::move(*handled);
    }
    if (auto limit = opt_int(body, "context_window_limit")) {
      if (*limit < 1024) fail(422, "'context_window_limit' must be at least 1024", "context_window_limit");
      llm["context_window"] = *limit;
    }
    return llm;
  }

  Result<std::unique_ptr<llm::ChatModel>> connect_model(const Json& llm) {
    return runtime::connect_model_with_operator_keys(llm, ctx.config, ctx.credentials);
  }

  Json embedding_config() const {
    const MemgptConfig& c = ctx.config;
    return {{"embedding_endpoint_type", c.embedding_endpoint_type},
            {"embedding_endpoint", c.embedding_endpoint},
            {"embedding_model", archival.embedder->model()},
            {"embedding_dim", archival.embedder->dim()},
            {"embedding_chunk_size", c.embedding_chunk_size}};
  }

  // Archival collections are per embedding dimension of the one configured embedder: other
  // embedding models cannot be served, so asking for one is a validation error.
  void check_embedding(const Json& body) {
    auto handle = opt_str(body, "embedding");
    if (!handle) return;
    std::string model = archival.embedder->model();
    std::string type = ctx.config.embedding_endpoint_type;
    if (*handle != model && *handle != type + "/" + model) {
      fail(422, fmt::format("embedding '{}' is not served here; this server embeds with '{}/{}'", *handle, type, model),
           "embedding");
    }
  }

  // ---- handlers --------------------------------------------------------------------------------

  void register_routes();
  void create_agent(const http::Request& req, http::Response& res, const Caller& c);
  void update_agent(const http::Request& req, http::Response& res, const Caller& c);
  void delete_agent(const http::Request& req, http::Response& res, const Caller& c);
  void send_messages(const http::Request& req, http::Response& res, const Caller& c, bool force_stream);
  void list_messages(const http::Request& req, http::Response& res, const Caller& c);
  void update_block(const http::Request& req, http::Response& res, const Caller& c);
  void upload_file(const http::Request& req, http::Response& res, const Caller& c, bool as_job);
  void attach_source(const Caller& c, const std::string& agent_id, const std::string& source_id, bool attach);
  void run_command(const http::Request& req, http::Response& res, const Caller& c);
};

// ---- agents --------------------------------------------------------------------------------------

void Server::Impl::create_agent(const http::Request& req, http::Response& res, const Caller& c) {
  Json body = parse_body(req);
  std::string name = opt_str(body, "name").value_or("");
  if (name.empty()) name = agent::random_agent_name();
  if (ctx.store->get_agent_by_name(c.user_id, name).ok()) {
    fail(409, fmt::format("an agent named '{}' already exists", name));
  }
  check_embedding(body);
  Json llm = llm_config_for(body, c);
  // The model must be reachable as configured before anything is stored.
  check(connect_model(llm).status());

  std::string preset_name = ctx.config.preset;
  store::PresetRecord preset = check(ctx.store->get_preset(c.user_id, preset_name));
  agent::AgentCreateOptions o;
  o.user_id = c.user_id;
  o.name = name;
  o.preset = preset.name;
  o.functions = preset.functions;
  o.system_prompt = opt_str(body, "system").value_or(runtime::system_prompt_for(preset));
  o.llm_config = llm;
  o.embedding_config = embedding_config();
  if (body.contains("tools") && !body["tools"].is_null()) {
    if (!body["tools"].is_array()) fail(422, "'tools' must be a list of tool names", "tools");
    std::vector<std::string> tools;
    for (const auto& t : body["tools"]) {
      if (!t.is_string()) fail(422, "'tools' must be a list of tool names", "tools");
      std::string n = t.get<std::string>();
      const auto& known = agent::builtin_function_names();
      if (std::find(known.begin(), known.end(), n) == known.end()) {
        fail(422, fmt::format("unknown tool '{}' (custom tools are not supported by this server)", n), "tools");
      }
      if (std::find(o.functions.begin(), o.functions.end(), n) == o.functions.end()) o.functions.push_back(n);
    }
  }
  if (body.contains("memory_blocks") && !body["memory_blocks"].is_null()) {
    if (!body["memory_blocks"].is_array()) fail(422, "'memory_blocks' must be a list of blocks", "memory_blocks");
    for (const auto& b : body["memory_blocks"]) {
      if (!b.is_object()) fail(422, "each memory block must be an object {label, value}", "memory_blocks");
      agent::MemoryBlock mb;
      mb.label = req_str(b, "label");
      mb.value = req_str(b, "value");
      mb.limit = static_cast<int>(opt_int(b, "limit").value_or(agent::kDefaultCoreMemoryLimit));
      if (mb.label.empty()) fail(422, "a memory block label cannot be empty", "memory_blocks");
      if (mb.limit <= 0) fail(422, "a memory block limit must be positive", "memory_blocks");
      o.blocks.push_back(mb);
    }
  }
  if (o.blocks.empty()) {
    auto p = check(ctx.store->get_profile(store::ProfileKind::kPersona, c.user_id, ctx.config.persona));
    auto h = check(ctx.store->get_profile(store::ProfileKind::kHuman, c.user_id, ctx.config.human));
    o.blocks = {{"persona", p.text, agent::kDefaultCoreMemoryLimit}, {"human", h.text, agent::kDefaultCoreMemoryLimit}};
  }
  agent::PassageArchival new_archival(archival.passages.get(), c.user_id, "", ctx.config.embedding_chunk_size);
  check(archival.passages->ensure_collections());
  agent::AgentDeps d;
  d.meta = ctx.store.get();
  d.recall = &recall;
  d.archival = &new_archival;
  auto created = agent::Agent::create(d, o);
  if (!created.ok()) {
    ErrorCode code = created.status().code();
    if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kResourceExhausted) {
      fail(422, created.status().message(), "memory_blocks");
    }
    fail(created.status());
  }
  store::AgentRecord rec = (*created)->record();
  // Letta's descriptive fields live in the agent state beside the runtime state.
  bool extra = false;
  if (auto d = opt_str(body, "description")) { rec.state["description"] = *d; extra = true; }
  if (body.contains("tags") && body["tags"].is_array()) { rec.state["tags"] = body["tags"]; extra = true; }
  if (body.contains("metadata") && body["metadata"].is_object()) { rec.state["metadata"] = body["metadata"]; extra = true; }
  if (extra) check(ctx.store->update_agent(rec));
  send_json(res, agent_json(check(ctx.store->get_agent(rec.id))));
}

void Server::Impl::update_agent(const http::Request& req, http::Response& res, const Caller& c) {
  Json body = parse_body(req);
  std::string id = req.params[0];
  OpenAgent o = open_agent(c, id, false);
  o.drop = true;  // the record is also changed beside the agent below
  store::AgentRecord rec = o.agent->record();
  if (auto name = opt_str(body, "name")) {
    if (name->empty()) fail(422, "'name' cannot be empty", "name");
    auto other = ctx.store->get_agent_by_name(c.user_id, *name);
    if (other.ok() && other->id != id) fail(409, fmt::format("an agent named '{}' already exists", *name));
  }
  if (body.contains("model") || body.contains("llm_config") || body.contains("context_window_limit")) {
    Json merged = body;
    if (!merged.contains("model") && !merged.contains("llm_config")) merged["llm_config"] = rec.llm_config;
    Json llm = llm_config_for(merged, c, rec.llm_config.value("model_endpoint", ""));
    check(connect_model(llm).status());
    check(o.agent->update_llm_config(llm));
  }
  if (auto system = opt_str(body, "system")) check(o.agent->swap_system_prompt(*system));
  rec = check(ctx.store->get_agent(id));
  if (auto name = opt_str(body, "name")) rec.name = *name;
  if (auto d = opt_str(body, "description")) rec.state["description"] = *d;
  if (body.contains("tags")) {
    if (!body["tags"].is_array()) fail(422, "'tags' must be a list of strings", "tags");
    rec.state["tags"] = body["tags"];
  }
  if (body.contains("metadata")) {
    if (!body["metadata"].is_object()) fail(422, "'metadata' must be an object", "metadata");
    rec.state["metadata"] = body["metadata"];
  }
  check(ctx.store->update_agent(rec));
  send_json(res, agent_json(check(ctx.store->get_agent(id))));
}

void Server::Impl::delete_agent(const http::Request& req, http::Response& res, const Caller& c) {
  std::string id = req.params[0];
  OpenAgent o = open_agent(c, id, false);
  o.drop = true;
  check(archival.passages->delete_agent_archival(id).status());
  check(ctx.store->db().transaction([&]() -> Status {
    MEMGPT_RETURN_IF_ERROR(recall.remove_agent(id).status());
    return ctx.store->delete_agent(id);
  }));
  send_json(res, Json(nullptr));
}

// ---- messages ------------------------------------------------------------------------------------

namespace {

// What one agent turn returns to Letta clients, built from the stored messages it added.
struct TurnInput {
  std::string role;  // user | system
  std::string text;
};

Json stop_reason_json(const std::string& reason) {
  return {{"message_type", "stop_reason"}, {"stop_reason", reason}};
}

Json usage_json(const llm::Usage& u, int steps) {
  return {{"message_type", "usage_statistics"},
          {"completion_tokens", u.completion_tokens},
          {"prompt_tokens", u.prompt_tokens},
          {"total_tokens", u.total_tokens},
          {"step_count", steps}};
}

}  // namespace

void Server::Impl::send_messages(const http::Request& req, http::Response& res, const Caller& c,
                                 bool force_stream) {
  Json body = parse_body(req);
  std::string id = req.params[0];
  agent_of(c, id);  // 404 before anything else
  std::vector<TurnInput> inputs;
  if (body.contains("messages") && !body["messages"].is_null()) {
    if (!body["messages"].is_array()) fail(422, "'messages' must be a list", "messages");
    for (const auto& m : body["messages"]) {
      if (!m.is_object()) fail(422, "each message must be an object {role, content}", "messages");
      std::string role = opt_str(m, "role").value_or("user");
      if (role != "user" && role != "system") fail(422, "message role must be 'user' or 'system'", "messages");
      if (!m.contains("content")) fail(422, "each message needs 'content'", "messages");
      inputs.push_back({role, content_text(m["content"], "messages")});
    }
  } else if (body.contains("input") && !body["input"].is_null()) {
    inputs.push_back({"user", content_text(body["input"], "input")});
  } else if (body.contains("message") && body["message"].is_string()) {  // MemGPT /api shape
    inputs.push_back({opt_str(body, "role").value_or("user"), body["message"].get<std::string>()});
  }
  if (inputs.empty()) fail(422, "send 'messages' (a list of {role, content}) or 'input'", "messages");
  bool use_assistant = opt_bool(body, "use_assistant_message").value_or(true);
  bool stream = force_stream || opt_bool(body, "streaming").value_or(false) || opt_bool(body, "stream").value_or(false);
  bool stream_tokens = opt_bool(body, "stream_tokens").value_or(false);
  int max_steps = static_cast<int>(opt_int(body, "max_steps").value_or(25));
  if (max_steps < 1 || max_steps > 100) fail(422, "'max_steps' must be between 1 and 100", "max_steps");

  auto run = std::make_shared<OpenAgent>(open_agent(c, id, true));
  agent::TurnOptions topt;
  topt.max_steps = max_steps;

  if (!stream) {
    Json messages = Json::array();
    llm::Usage usage;
    int steps = 0;
    for (const auto& in : inputs) {
      auto r = in.role == "system" ? run->agent->send_system_alert(in.text, nullptr, topt)
                                   : run->agent->send_user_message(in.text, nullptr, topt);
      check(r.status());
      steps += r->steps;
      usage.prompt_tokens += r->usage.prompt_tokens;
      usage.completion_tokens += r->usage.completion_tokens;
      usage.total_tokens += r->usage.total_tokens;
      auto records = check(recall.get(r->message_ids));
      for (const auto& m : records) {
        if (m.role == "user") continue;  // the input and heartbeats: the client knows them
        for (auto& v : message_views(m, use_assistant)) messages.push_back(std::move(v));
      }
    }
    send_json(res, {{"messages", messages}, {"stop_reason", stop_reason_json("end_turn")}, {"usage", usage_json(usage, steps)}});
    return;
  }

  // Streaming: the turn runs in the content provider (same worker thread); events go out as SSE
  // `data:` lines as they happen. A client that goes away does not stop the step: it completes
  // (and commits) or fails (and rolls back) as it would have.
  res.headers.emplace("Cache-Control", "no-cache");
  res.content_type = "text/event-stream";
  res.stream = [run, inputs, use_assistant, stream_tokens, topt](http::BodyWriter& sink) mutable {
        bool open = true;
        auto send = [&](const Json& j) {
          if (!open) return;
          std::string line = "data: " + j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
          open = sink.write(line);
        };
        llm::Usage usage;
        int steps = 0;
        std::string step_id = new_uuid();
        std::string reasoning_id = "message-" + new_uuid();
        auto base = [&](const char* type, const std::string& mid) {
          return Json{{"id", mid}, {"date", iso_time(SystemClock::instance().now_ms())}, {"message_type", type}};
        };
        std::string pending_call_id;
        agent::EventSink on_event = [&](const agent::AgentEvent& e) {
          using K = agent::AgentEvent::Kind;
          switch (e.kind) {
            case K::kStreamDelta:
              if (stream_tokens) {
                Json j = base("reasoning_message", reasoning_id);
                j["reasoning"] = e.text;
                send(j);
              }
              break;
            case K::kInnerThoughts:
              if (!stream_tokens) {
                Json j = base("reasoning_message", reasoning_id);
                j["reasoning"] = e.text;
                send(j);
              }
              break;
            case K::kFunctionCall: {
              pending_call_id = "call-" + new_uuid();
              if (use_assistant && e.function_name == "send_message") break;
              Json call = {{"name", e.function_name}, {"arguments", e.arguments.dump()}, {"tool_call_id", pending_call_id}};
              Json j = base("tool_call_message", "message-" + new_uuid());
              j["tool_call"] = call;
              send(j);
              break;
            }
            case K::kFunctionResult: {
              if (use_assistant && e.function_name == "send_message") break;
              Json j = base("tool_return_message", "message-" + new_uuid());
              j["tool_return"] = e.text;
              j["status"] = e.ok ? "success" : "error";
              j["tool_call_id"] = pending_call_id;
              j["name"] = e.function_name;
              send(j);
              break;
            }
            case K::kAssistantMessage: {
              Json j = base("assistant_message", "message-" + new_uuid());
              j["content"] = e.text;
              send(j);
              break;
            }
            case K::kUsage:
              usage.prompt_tokens += e.usage.prompt_tokens;
              usage.completion_tokens += e.usage.completion_tokens;
              usage.total_tokens += e.usage.total_tokens;
              ++steps;
              reasoning_id = "message-" + new_uuid();  // the next step's thoughts are a new message
              break;
            default:
              break;
          }
        };
        (void)step_id;
        topt.stream = stream_tokens;
        for (const auto& in : inputs) {
          auto r = in.role == "system" ? run->agent->send_system_alert(in.text, on_event, topt)
                                       : run->agent->send_user_message(in.text, on_event, topt);
          if (!r.ok()) {
            run->drop = true;  // the in-memory agent may differ from the store now
            HttpError e = public_error(r.status());
            std::string line = "event: error\ndata: " +
                               Json{{"message_type", "error_message"}, {"error_type", "internal_error"},
                                    {"message", e.message}, {"detail", e.message}}
                                   .dump(-1, ' ', false, Json::error_handler_t::replace) +
                               "\n\n";
            if (open) sink.write(line);
            return;
          }
        }
        send(stop_reason_json("end_turn"));
        send(usage_json(usage, steps));
        if (open) sink.write("data: [DONE]\n\n");
      };  // the agent lock (in `run`) is released when the stream ends
}

void Server::Impl::list_messages(const http::Request& req, http::Response& res, const Caller& c) {
  std::string id = req.params[0];
  agent_of(c, id);
  bool desc = descending(req, true);
  bool use_assistant = query_str(req, "use_assistant_message") != "false";
  auto records = check(recall.list(id, 0, 0, -1, desc));
  // Page over the stored messages that show as something: a page never ends inside one stored
  // message (its views share its id, the cursor) and hidden ones (send_message's return) never
  // make an empty page that would stop a client's auto-paging early.
  std::vector<std::pair<std::string, std::vector<Json>>> shown;
  for (const auto& m : records) {
    auto views = message_views(m, use_assistant);
    if (views.empty()) continue;
    if (desc) std::reverse(views.begin(), views.end());  // newest first inside a message too
    shown.emplace_back(m.id, std::move(views));
  }
  auto paged = page(std::move(shown), req, [](const auto& e) { return e.first; }, 100);
  Json out = Json::array();
  for (auto& [mid, views] : paged) {
    for (auto& v : views) out.push_back(std::move(v));
  }
  send_json(res, out);
}

// ---- memory blocks -------------------------------------------------------------------------------

void Server::Impl::update_block(const http::Request& req, http::Response& res, const Caller& c) {
  Json body = parse_body(req);
  std::string id = req.params[0], label = req.params[1];
  OpenAgent o = open_agent(c, id, false);
  if (!o.agent->memory().block(label)) fail(404, fmt::format("agent '{}' has no memory block '{}'", id, label));
  auto limit = opt_int(body, "limit");
  auto value = opt_str(body, "value");
  if (limit) {
    if (*limit <= 0 || *limit > 1000000) fail(422, "'limit' must be between 1 and 1000000", "limit");
    Status s = o.agent->set_core_memory_limit(label, static_cast<int>(*limit));
    if (!s.ok()) fail(422, s.message(), "limit");
  }
  if (value) {
    Status s = o.agent->set_core_memory(label, *value);
    // Over the block's limit (or otherwise unacceptable) is a validation error of the value.
    if (!s.ok()) fail(s.code() == ErrorCode::kNotFound ? 404 : 422, s.message(), "value");
  }
  send_json(res, block_view(id, *o.agent->memory().block(label)));
}

// ---- sources / folders ---------------------------------------------------------------------------

namespace {

// Upload names become a file name inside a private temporary folder: anything that could
// climb out of it or hide (separators, "..", control characters) is refused.
std::string safe_upload_name(const std::string& name) {
  if (name.empty()) fail(400, "the uploaded file has no name");
  if (name.size() > 255) fail(400, "the uploaded file name is longer than 255 bytes");
  if (name == "." || name == ".." || name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
    fail(400, fmt::format("invalid file name '{}': names cannot contain path separators or be '.' / '..'", name));
  }
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f) fail(400, "invalid file name: control characters are not allowed");
  }
  return name;
}

}  // namespace

void Server::Impl::upload_file(const http::Request& req, http::Response& res, const Caller& c, bool as_job) {
  std::string sid = req.params[0];
  store::SourceRecord source = source_of(c, sid);
  const http::FilePart* part = req.file("file");
  if (!req.is_multipart() || !part) {
    fail(422, "upload the file as multipart/form-data in a field named 'file'", "file");
  }
  std::string name = safe_upload_name(query_str(req, "name").empty() ? part->filename : query_str(req, "name"));
  if (source.embedding_dim != archival.passages->dim()) {
    fail(409, fmt::format("source '{}' was embedded with {} dimensions; this server embeds with {}", source.name,
                          source.embedding_dim, archival.passages->dim()));
  }
  auto existing = check(ctx.store->list_files(sid));
  for (const auto& f : existing) {
    if (f.file_name == name) fail(409, fmt::format("source '{}' already has a file named '{}'", source.name, name));
  }
  // The loaders read files by path: write the upload into a fresh private folder.
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path() / ("memgpt-upload-" + new_uuid());
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(500, "cannot create a temporary folder for the upload");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code e;
      std::filesystem::remove_all(dir, e);
    }
  } cleanup{dir};
  auto path = dir / name;
  check(write_file_atomic(path.string(), part->content));
  auto report = sources::add_file(*ctx.store, *archival.passages, source, path.string());
  if (!report.ok()) {
    HttpError e = public_error(report.status());
    if (e.status == 400) e.status = 422;  // the file's content is what was wrong
    fail(e.status, e.message, "file");
  }
  store::FileRecord f;
  f.user_id = c.user_id;
  f.source_id = sid;
  f.file_name = name;
  f.file_type = part->content_type;
  f.file_size = static_cast<int64_t>(part->content.size());
  f.passages = report->passages;
  f = check(ctx.store->add_file(f));
  // Agents the source is attached to see the new passages at once.
  for (const auto& agent_id : check(ctx.store->list_source_agents(sid))) {
    check(archival.passages->attach_source(sid, agent_id, c.user_id).status());
  }
  if (as_job) {
    send_json(res, {{"id", "job-" + f.id},
                    {"status", "completed"},
                    {"job_type", "job"},
                    {"created_at", iso_time(f.created_at)},
                    {"completed_at", iso_time(f.created_at)},
                    {"metadata", {{"type", "embedding"}, {"source_id", sid}, {"file_id", f.id},
                                  {"num_passages", report->passages}, {"num_documents", report->documents}}}});
  } else {
    send_json(res, file_view(f));
  }
}

void Server::Impl::attach_source(const Caller& c, const std::string& agent_id, const std::string& source_id,
                                 bool attach) {
  agent_of(c, agent_id);
  store::SourceRecord s = source_of(c, source_id);
  auto guard = locks.acquire(agent_id, options.agent_wait);
  if (!guard.ok()) fail(409, guard.status().message());
  if (attach) {
    if (s.embedding_dim != archival.passages->dim()) {
      fail(409, fmt::format("source '{}' was embedded with {} dimensions; this server embeds with {}", s.name,
                            s.embedding_dim, archival.passages->dim()));
    }
    check(archival.passages->attach_source(source_id, agent_id, c.user_id).status());
    check(ctx.store->attach_source(agent_id, source_id));
  } else {
    check(archival.passages->detach_source(source_id, agent_id).status());
    Status st = ctx.store->detach_source(agent_id, source_id);
    if (!st.ok() && st.code() != ErrorCode::kNotFound) fail(st);
  }
}

// ---- MemGPT REPL commands over HTTP (/api/agents/{id}/command) -----------------------------------

void Server::Impl::run_command(const http::Request& req, http::Response& res, const Caller& c) {
  Json body = parse_body(req);
  std::string id = req.params[0];
  std::string command = req_str(body, "command");
  if (!command.empty() && command[0] == '/') command.erase(0, 1);
  std::string verb = command.substr(0, command.find(' '));
  std::string arg = command.find(' ') == std::string::npos ? "" : command.substr(command.find(' ') + 1);
  bool needs_model = verb == "retry" || verb == "summarize" || verb == "heartbeat" || verb == "memorywarning";
  static const char* kKnown[] = {"pop", "retry", "rethink", "rewrite", "wipe", "summarize", "heartbeat",
                                 "memorywarning", "systemswap"};
  if (std::find(std::begin(kKnown), std::end(kKnown), verb) == std::end(kKnown)) {
    fail(422, fmt::format("unknown command '{}' (known: pop, retry, rethink, rewrite, wipe, summarize, heartbeat, "
                          "memorywarning, systemswap)", verb), "command");
  }
  OpenAgent o = open_agent(c, id, needs_model);
  Status s;
  if (verb == "pop") {
    int n = arg.empty() ? 3 : std::atoi(arg.c_str());
    if (n <= 0) fail(422, "pop takes a positive count", "command");
    s = o.agent->pop(n);
  } else if (verb == "retry") {
    s = o.agent->retry(nullptr).status();
  } else if (verb == "rethink") {
    s = o.agent->rethink(arg);
  } else if (verb == "rewrite") {
    s = o.agent->rewrite(arg);
  } else if (verb == "wipe") {
    s = o.agent->wipe();
  } else if (verb == "summarize") {
    s = o.agent->summarize(nullptr);
  } else if (verb == "heartbeat") {
    s = o.agent->send_heartbeat(arg.empty() ? "manual heartbeat" : arg, nullptr).status();
  } else if (verb == "memorywarning") {
    s = o.agent->send_system_alert(agent::memory_warning_text(), nullptr).status();
  } else if (verb == "systemswap") {
    if (arg.empty()) fail(422, "systemswap takes the new system prompt", "command");
    s = o.agent->swap_system_prompt(arg);
  }
  check(s);
  send_json(res, {{"status", "ok"}, {"command", verb}});
}

// ---- routes --------------------------------------------------------------------------------------

void Server::Impl::register_routes() {
  const std::vector<const char*> V1 = {"/v1"};
  const std::vector<const char*> BOTH = {"/v1", "/api"};
  for (const char* path : {"/v1/health", "/health"}) {
    router.add("GET", path, [](const http::Request&) {
      http::Response res;
      send_json(res, {{"status", "ok"}, {"version", kMemgptVersion}});
      return res;
    });
  }

  // Agents.
  route("POST", BOTH, "/agents", [this](auto& q, auto& r, auto& c) { create_agent(q, r, c); });
  route("GET", BOTH, "/agents", [this](auto& q, auto& r, auto& c) {
    auto agents = check(ctx.store->list_agents(c.user_id));
    std::string name = query_str(q, "name");
    if (!name.empty()) std::erase_if(agents, [&](const auto& a) { return a.name != name; });
    std::sort(agents.begin(), agents.end(), [](const auto& a, const auto& b) {
      return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    if (descending(q, false)) std::reverse(agents.begin(), agents.end());
    Json out = Json::array();
    for (const auto& a : page(agents, q, [](const auto& a) { return a.id; }, 50)) out.push_back(agent_json(a));
    send_json(r, out);
  });
  route("GET", BOTH, "/agents/*", [this](auto& q, auto& r, auto& c) { send_json(r, agent_json(agent_of(c, q.params[0]))); });
  route("PATCH", BOTH, "/agents/*", [this](auto& q, auto& r, auto& c) { update_agent(q, r, c); });
  route("DELETE", BOTH, "/agents/*", [this](auto& q, auto& r, auto& c) { delete_agent(q, r, c); });
  route("GET", {"/api"}, "/agents/*/config", [this](auto& q, auto& r, auto& c) {
    send_json(r, {{"agent_state", agent_json(agent_of(c, q.params[0]))}});
  });

  // Messages.
  route("POST", BOTH, "/agents/*/messages", [this](auto& q, auto& r, auto& c) { send_messages(q, r, c, false); });
  route("POST", V1, "/agents/*/messages/stream", [this](auto& q, auto& r, auto& c) { send_messages(q, r, c, true); });
  route("GET", BOTH, "/agents/*/messages", [this](auto& q, auto& r, auto& c) { list_messages(q, r, c); });
  route("POST", BOTH, "/agents/*/command", [this](auto& q, auto& r, auto& c) { run_command(q, r, c); });

  // Core memory.
  auto blocks_json = [this](const Caller& c, const std::string& id) {
    store::AgentRecord a = agent_of(c, id);
    Json out = Json::array();
    for (const auto& b : a.state.value("memory", Json::array())) {
      out.push_back(block_view(id, {b.value("label", ""), b.value("value", ""), b.value("limit", 0)}));
    }
    return out;
  };
  route("GET", V1, "/agents/*/core-memory/blocks", [=](auto& q, auto& r, auto& c) {
    send_json(r, paged_json(blocks_json(c, q.params[0]), q, 100));
  });
  route("GET", V1, "/agents/*/core-memory", [=](auto& q, auto& r, auto& c) {
    send_json(r, {{"blocks", blocks_json(c, q.params[0])}});
  });
  route("GET", V1, "/agents/*/core-memory/blocks/*", [=](auto& q, auto& r, auto& c) {
    std::string label = q.params[1];
    for (const auto& b : blocks_json(c, q.params[0])) {
      if (b["label"] == label) return send_json(r, b);
    }
    fail(404, fmt::format("agent '{}' has no memory block '{}'", std::string(q.params[0]), label));
  });
  route("PATCH", V1, "/agents/*/core-memory/blocks/*", [this](auto& q, auto& r, auto& c) { update_block(q, r, c); });
  // MemGPT's /api/agents/{id}/memory: {core_memory: {label: value}, recall/archival counts}.
  route("GET", {"/api"}, "/agents/*/memory", [this](auto& q, auto& r, auto& c) {
    std::string id = q.params[0];
    store::AgentRecord a = agent_of(c, id);
    Json core = Json::object();
    for (const auto& b : a.state.value("memory", Json::array())) core[b.value("label", "")] = b.value("value", "");
    send_json(r, {{"core_memory", core},
                  {"recall_memory", check(recall.count(id))},
                  {"archival_memory", check(archival.passages->count_archival(id))}});
  });
  route("POST", {"/api"}, "/agents/*/memory", [this](auto& q, auto& r, auto& c) {
    Json body = parse_body(q);
    std::string id = q.params[0];
    OpenAgent o = open_agent(c, id, false);
    for (const auto& [label, value] : body.items()) {
      if (!value.is_string()) fail(422, fmt::format("'{}' must be a string", label), label);
      if (!o.agent->memory().block(label)) fail(404, fmt::format("agent '{}' has no memory block '{}'", id, label));
      Status s = o.agent->set_core_memory(label, value.template get<std::string>());
      if (!s.ok()) fail(422, s.message(), label);
    }
    Json core = Json::object();
    for (const auto& b : o.agent->memory().blocks()) core[b.label] = b.value;
    send_json(r, {{"core_memory", core}});
  });

  // Archival memory.
  auto insert_passage = [this](auto& q, auto& r, auto& c) {
    Json body = parse_body(q);
    std::string id = q.params[0];
    store::AgentRecord a = agent_of(c, id);
    std::string text = opt_str(body, "text").value_or(opt_str(body, "content").value_or(""));
    if (text.empty()) fail(422, "'text' is required and cannot be empty", "text");
    check(archival.passages->ensure_collections());
    auto ids = check(archival.passages->insert_archival(c.user_id, id, text, ctx.config.embedding_chunk_size));
    Json out = Json::array();
    for (const auto& p : check(archival.passages->get_archival(id, ids))) out.push_back(passage_view(p, a.embedding_config));
    send_json(r, out);
  };
  auto list_passages = [this](auto& q, auto& r, auto& c) {
    std::string id = q.params[0];
    store::AgentRecord a = agent_of(c, id);
    auto index = check(archival.passages->archival_index(id));  // (created_at, id), oldest first
    std::string search = query_str(q, "search");
    bool asc = query_str(q, "ascending") != "false";
    if (!asc) std::reverse(index.begin(), index.end());
    std::vector<std::string> ids;
    Json out = Json::array();
    if (!search.empty()) {
      auto hits = check(archival.passages->search_archival(id, search, 0, query_int(q, "limit", 100, 1, 1000)));
      for (const auto& h : hits.hits) out.push_back(passage_view(h.passage, a.embedding_config));
      return send_json(r, out);
    }
    for (const auto& e : page(index, q, [](const auto& e) { return e.second; }, 100)) ids.push_back(e.second);
    for (const auto& p : check(archival.passages->get_archival(id, ids))) out.push_back(passage_view(p, a.embedding_config));
    send_json(r, out);
  };
  route("POST", V1, "/agents/*/archival-memory", insert_passage);
  route("POST", {"/api"}, "/agents/*/archival", insert_passage);
  route("GET", V1, "/agents/*/archival-memory", list_passages);
  route("GET", {"/api"}, "/agents/*/archival", list_passages);
  route("GET", V1, "/agents/*/archival-memory/search", [this](auto& q, auto& r, auto& c) {
    std::string id = q.params[0];
    agent_of(c, id);
    std::string query = query_str(q, "query");
    if (query.empty()) fail(422, "query parameter 'query' is required", "query");
    int64_t k = query_int(q, "top_k", 10, 1, 1000);
    auto hits = check(archival.passages->search_archival(id, query, 0, k));
    Json results = Json::array();
    for (const auto& h : hits.hits) {
      results.push_back({{"id", h.passage.id}, {"content", h.passage.text}, {"timestamp", iso_time(h.passage.created_at)},
                         {"tags", h.passage.metadata.value("tags", Json::array())}});
    }
    send_json(r, {{"count", results.size()}, {"results", results}});
  });
  auto delete_passage = [this](auto& q, auto& r, auto& c) {
    std::string id = q.params[0], pid = q.params[1];
    agent_of(c, id);
    int64_t n = check(archival.passages->delete_archival(id, {pid}));
    if (n == 0) fail(404, fmt::format("passage '{}' not found in agent '{}'", pid, id));
    send_json(r, Json(nullptr));
  };
  route("DELETE", V1, "/agents/*/archival-memory/*", delete_passage);
  route("DELETE", {"/api"}, "/agents/*/archival/*", delete_passage);

  // Sources (Letta 0.x and MemGPT) and folders (Letta 1.x): the same records.
  for (const char* kind : {"/sources", "/folders"}) {
    bool folders = std::string(kind) == "/folders";
    std::vector<const char*> prefixes = folders ? V1 : BOTH;
    route("POST", prefixes, kind, [this](auto& q, auto& r, auto& c) {
      Json body = parse_body(q);
      std::string name = req_str(body, "name");
      if (name.empty()) fail(422, "'name' cannot be empty", "name");
      check_embedding(body);
      if (ctx.store->get_source_by_name(c.user_id, name).ok()) fail(409, fmt::format("a source named '{}' already exists", name));
      check(archival.passages->ensure_collections());
      store::SourceRecord s;
      s.user_id = c.user_id;
      s.name = name;
      s.description = opt_str(body, "description").value_or("");
      s.embedding_endpoint_type = archival.embedder->endpoint_type();
      s.embedding_model = archival.embedder->model();
      s.embedding_dim = archival.embedder->dim();
      send_json(r, source_view(check(ctx.store->create_source(s))));
    });
    route("GET", prefixes, kind, [this](auto& q, auto& r, auto& c) {
      auto sources = check(ctx.store->list_sources(c.user_id));
      std::string name = query_str(q, "name");
      if (!name.empty()) std::erase_if(sources, [&](const auto& s) { return s.name != name; });
      Json out = Json::array();
      for (const auto& s : page(sources, q, [](const auto& s) { return s.id; }, 100)) out.push_back(source_view(s));
      send_json(r, out);
    });
    route("GET", prefixes, std::string(kind) + "/*", [this](auto& q, auto& r, auto& c) {
      send_json(r, source_view(source_of(c, q.params[0])));
    });
    route("PATCH", prefixes, std::string(kind) + "/*", [this](auto& q, auto& r, auto& c) {
      Json body = parse_body(q);
      store::SourceRecord s = source_of(c, q.params[0]);
      if (auto name = opt_str(body, "name")) {
        auto other = ctx.store->get_source_by_name(c.user_id, *name);
        if (other.ok() && other->id != s.id) fail(409, fmt::format("a source named '{}' already exists", *name));
        if (name->empty()) fail(422, "'name' cannot be empty", "name");
        s.name = *name;
      }
      if (auto d = opt_str(body, "description")) s.description = *d;
      check(ctx.store->update_source(s));
      send_json(r, source_view(check(ctx.store->get_source(s.id))));
    });
    route("DELETE", prefixes, std::string(kind) + "/*", [this](auto& q, auto& r, auto& c) {
      store::SourceRecord s = source_of(c, q.params[0]);
      for (const auto& agent_id : check(ctx.store->list_source_agents(s.id))) {
        check(archival.passages->detach_source(s.id, agent_id).status());
      }
      check(sources::delete_source(*ctx.store, *archival.passages, s));
      send_json(r, Json(nullptr));
    });
    route("POST", prefixes, std::string(kind) + "/*/upload", [this, folders](auto& q, auto& r, auto& c) {
      upload_file(q, r, c, !folders);
    });
    route("GET", prefixes, std::string(kind) + "/*/files", [this](auto& q, auto& r, auto& c) {
      source_of(c, q.params[0]);
      Json out = Json::array();
      auto files = check(ctx.store->list_files(q.params[0]));
      for (const auto& f : page(files, q, [](const auto& f) { return f.id; }, 100)) out.push_back(file_view(f));
      send_json(r, out);
    });
    route("GET", prefixes, std::string(kind) + "/*/files/*", [this](auto& q, auto& r, auto& c) {
      source_of(c, q.params[0]);
      auto f = ctx.store->get_file(q.params[1]);
      if (!f.ok() || f->source_id != std::string(q.params[0])) fail(404, fmt::format("file '{}' not found", std::string(q.params[1])));
      send_json(r, file_view(*f));
    });
    route("GET", prefixes, std::string(kind) + "/*/agents", [this](auto& q, auto& r, auto& c) {
      source_of(c, q.params[0]);
      send_json(r, check(ctx.store->list_source_agents(q.params[0])));
    });
    route("GET", prefixes, std::string(kind) + "/*/passages", [this](auto& q, auto& r, auto& c) {
      store::SourceRecord s = source_of(c, q.params[0]);
      int64_t limit = query_int(q, "limit", 100, 1, 1000);
      Json out = Json::array();
      Json emb = {{"embedding_endpoint_type", s.embedding_endpoint_type}, {"embedding_model", s.embedding_model},
                  {"embedding_dim", s.embedding_dim}};
      for (const auto& p : check(archival.passages->list_source_passages(s.id, 0, limit))) out.push_back(passage_view(p, emb));
      send_json(r, out);
    });
    std::string singular = folders ? "/folders" : "/sources";
    route("PATCH", V1, "/agents/*" + singular + "/attach/*", [this](auto& q, auto& r, auto& c) {
      attach_source(c, q.params[0], q.params[1], true);
      send_json(r, agent_json(agent_of(c, q.params[0])));
    });
    route("PATCH", V1, "/agents/*" + singular + "/detach/*", [this](auto& q, auto& r, auto& c) {
      attach_source(c, q.params[0], q.params[1], false);
      send_json(r, agent_json(agent_of(c, q.params[0])));
    });
    route("GET", V1, "/agents/*" + singular, [this](auto& q, auto& r, auto& c) {
      agent_of(c, q.params[0]);
      Json out = Json::array();
      for (const auto& s : check(ctx.store->list_agent_sources(q.params[0]))) out.push_back(source_view(s));
      send_json(r, paged_json(out, q, 100));
    });
  }
  // MemGPT: POST /api/sources/{id}/attach?agent_id=... and /detach.
  for (bool attach : {true, false}) {
    route("POST", {"/api"}, attach ? "/sources/*/attach" : "/sources/*/detach", [this, attach](auto& q, auto& r, auto& c) {
      std::string agent_id = query_str(q, "agent_id");
      if (agent_id.empty()) fail(422, "query parameter 'agent_id' is required", "agent_id");
      attach_source(c, agent_id, q.params[0], attach);
      send_json(r, source_view(source_of(c, q.params[0])));
    });
  }
  // Jobs: uploads run to completion inside the request, so a job is its file's record.
  route("GET", BOTH, "/jobs/*", [this](auto& q, auto& r, auto& c) {
    std::string jid = q.params[0];
    if (jid.rfind("job-", 0) != 0) fail(404, fmt::format("job '{}' not found", jid));
    auto f = ctx.store->get_file(jid.substr(4));
    if (!f.ok() || f->user_id != c.user_id) fail(404, fmt::format("job '{}' not found", jid));
    send_json(r, {{"id", jid}, {"status", "completed"}, {"job_type", "job"},
                  {"created_at", iso_time(f->created_at)}, {"completed_at", iso_time(f->created_at)},
                  {"metadata", {{"source_id", f->source_id}, {"file_id", f->id}, {"num_passages", f->passages}}}});
  });

  // Tools (the built-in MemGPT functions; custom tools are not supported).
  route("GET", V1, "/tools", [](auto& q, auto& r, auto&) { send_json(r, paged_json(tool_views({}), q, 100)); });
  route("GET", V1, "/tools/*", [](auto& q, auto& r, auto&) {
    for (const auto& t : tool_views({})) {
      if (t["id"] == std::string(q.params[0]) || t["name"] == std::string(q.params[0])) return send_json(r, t);
    }
    fail(404, fmt::format("tool '{}' not found", std::string(q.params[0])));
  });
  route("GET", V1, "/agents/*/tools", [this](auto& q, auto& r, auto& c) {
    send_json(r, paged_json(agent_json(agent_of(c, q.params[0]))["tools"], q, 100));
  });
  // Letta's reset (forget the conversation in context; recall keeps it) and summarize.
  route("PATCH", V1, "/agents/*/reset-messages", [this](auto& q, auto& r, auto& c) {
    OpenAgent o = open_agent(c, q.params[0], false);
    check(o.agent->wipe());
    send_json(r, agent_json(check(ctx.store->get_agent(q.params[0]))));
  });
  route("POST", V1, "/agents/*/summarize", [this](auto& q, auto& r, auto& c) {
    OpenAgent o = open_agent(c, q.params[0], true);
    check(o.agent->summarize(nullptr));
    send_json(r, Json(nullptr));
  });

  // Models.
  route("GET", BOTH, "/models", [this](auto&, auto& r, auto&) {
    const MemgptConfig& cfg = ctx.config;
    Json llm = llm_config_view({{"model", cfg.model}, {"model_endpoint_type", cfg.model_endpoint_type},
                                {"model_endpoint", cfg.model_endpoint}, {"model_wrapper", cfg.model_wrapper},
                                {"context_window", cfg.context_window}});
    llm["name"] = cfg.model;
    llm["display_name"] = cfg.model;
    llm["max_context_window"] = cfg.context_window;
    llm["provider_type"] = cfg.model_endpoint_type;
    llm["provider_name"] = cfg.model_endpoint_type;
    llm["model_type"] = "llm";
    send_json(r, Json::array({llm}));
  });
  route("GET", BOTH, "/models/embedding", [this](auto&, auto& r, auto&) {
    Json e = embedding_config_view(embedding_config());
    e["name"] = archival.embedder->model();
    e["display_name"] = archival.embedder->model();
    e["provider_type"] = ctx.config.embedding_endpoint_type;
    e["provider_name"] = ctx.config.embedding_endpoint_type;
    e["model_type"] = "embedding";
    send_json(r, Json::array({e}));
  });

  // Humans and personas (MemGPT's profiles).
  for (auto [path, kind] : {std::pair{"/humans", store::ProfileKind::kHuman}, std::pair{"/personas", store::ProfileKind::kPersona}}) {
    std::string key = std::string(path).substr(1);
    route("GET", BOTH, path, [this, kind, key](auto&, auto& r, auto& c) {
      Json out = Json::array();
      for (const auto& p : check(ctx.store->list_profiles(kind, c.user_id))) {
        out.push_back({{"id", p.id}, {"name", p.name}, {"text", p.text}, {"builtin", p.builtin}});
      }
      send_json(r, {{key, out}});
    });
    route("POST", BOTH, path, [this, kind](auto& q, auto& r, auto& c) {
      Json body = parse_body(q);
      store::ProfileRecord p;
      p.user_id = c.user_id;
      p.name = req_str(body, "name");
      p.text = req_str(body, "text");
      if (p.name.empty()) fail(422, "'name' cannot be empty", "name");
      p = check(ctx.store->add_profile(kind, p));
      send_json(r, {{"id", p.id}, {"name", p.name}, {"text", p.text}});
    });
  }

  // Users and API keys (the server password's holder only).
  auto admin_only = [](const Caller& c) {
    if (!c.admin) fail(403, "only the server password may manage users");
  };
  for (const char* prefix : {"/v1/admin", "/admin"}) {
    route("POST", {prefix}, "/users", [this, admin_only](auto& q, auto& r, auto& c) {
      admin_only(c);
      Json body = parse_body(q);
      auto user = check(ctx.store->create_user(opt_str(body, "name").value_or("")));
      std::string key = new_api_key();
      check(ctx.store->add_api_key(sha256_hex(key), user.id, "default"));
      send_json(r, {{"id", user.id}, {"user_id", user.id}, {"name", user.name}, {"api_key", key}});
    });
    route("GET", {prefix}, "/users", [this, admin_only](auto&, auto& r, auto& c) {
      admin_only(c);
      Json out = Json::array();
      for (const auto& u : check(ctx.store->list_users())) {
        out.push_back({{"id", u.id}, {"name", u.name}, {"created_at", iso_time(u.created_at)}});
      }
      send_json(r, out);
    });
    route("POST", {prefix}, "/users/*/keys", [this, admin_only](auto& q, auto& r, auto& c) {
      admin_only(c);
      std::string uid = q.params[0];
      check(ctx.store->get_user(uid).status());
      std::string key = new_api_key();
      check(ctx.store->add_api_key(sha256_hex(key), uid, opt_str(parse_body(q), "name").value_or("")));
      send_json(r, {{"user_id", uid}, {"api_key", key}});
    });
  }
}

// ---- lifecycle -----------------------------------------------------------------------------------

Server::Server(runtime::AppContext& ctx, runtime::Archival& archival, ServerOptions options)
    : impl_(std::make_unique<Impl>(ctx, archival, std::move(options))) {}

Server::~Server() { stop(); }

Result<int> Server::start() {
  Impl& m = *impl_;
  m.router.set_error_renderer([](int status, const std::string& message) {
    http::Response res;
    Impl::send_error(res, status, message, "");
    return res;
  });
  m.register_routes();
  http::ServerOptions o;
  o.host = m.options.host;
  o.port = m.options.port;
  o.tls_cert = m.options.ssl_cert;
  o.tls_key = m.options.ssl_key;
  o.limits = m.options.limits;
  o.limits.max_body_bytes = m.options.max_body_bytes;
  if (m.options.log_requests) {
    o.log = [](const http::Request& req, int status, double ms) {
      fmt::print(stderr, "{} {} {} {:.1f}ms\n", req.method, req.path, status, ms);
    };
  }
  m.http = std::make_unique<http::HttpServer>(m.router, std::move(o));
  return m.http->start();
}

void Server::stop() {
  // Stops accepting; requests already received finish (running steps commit).
  if (impl_ && impl_->http) impl_->http->stop();
}

}  // namespace memgpt::server
