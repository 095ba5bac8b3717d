// Anthropic Messages API: the ChatRequest (OpenAI-shaped: system/user/assistant/tool messages,
// OpenAI tool definitions) is translated to Anthropic's rules — system prompt on top, strictly
// alternating roles starting with user, tool calls as tool_use blocks answered by tool_result
// blocks in the next user message — and the reply (plain or SSE) back to a ChatResponse.
#include "llm/anthropic_chat.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "llm/json_repair.h"
#include "llm/model_call.h"
#include "config/providers.h"
#include "llm/stream_attempts.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

constexpr const char* kApiVersion = "2023-06-01";
constexpr int kDefaultMaxTokens = 4096;
// MemGPT contexts start with the assistant's boot message; Anthropic wants a user turn first.
constexpr const char* kFirstUserMessage = "User initializing bootup sequence.";

bool mentions_context_overflow(const std::string& text) {
  for (const char* needle : {"prompt is too long", "exceed context limit", "context window",
                             "context length", "too many tokens", "input is too long"}) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

// Anthropic ids must match ^[a-zA-Z0-9_-]+$; OpenAI-style ids from elsewhere may not.
std::string tool_id(const std::string& id) {
  if (id.empty()) return "toolu_missing";
  std::string out = id;
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
  }
  return out;
}

// A string field, or `fallback` when it is missing or not a string (error bodies vary).
std::string string_field(const Json& j, const char* key, const std::string& fallback) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>()
                                                                : fallback;
}

bool has_visible_text(const std::string& s) {
  return s.find_first_not_of(" \t\r\n") != std::string::npos;
}

Json tool_input(const std::string& arguments) {
  if (arguments.empty()) return Json::object();
  Json j = parse_json_or_discarded(arguments);
  if (j.is_object()) return j;
  if (auto repaired = parse_json_leniently(arguments); repaired && repaired->is_object())
    return *repaired;
  return Json::object();  // input must be an object; the tool result already told the model
}

std::string stop_to_finish(const std::string& stop) {
  if (stop == "end_turn" || stop == "stop_sequence" || stop == "pause_turn") return "stop";
  if (stop == "tool_use") return "tool_calls";
  if (stop == "max_tokens") return "length";
  if (stop == "refusal") return "content_filter";
  return stop;
}

int status_of_error_type(const std::string& type) {
  if (type == "invalid_request_error") return 400;
  if (type == "authentication_error") return 401;
  if (type == "permission_error") return 403;
  if (type == "not_found_error") return 404;
  if (type == "request_too_large") return 413;
  if (type == "rate_limit_error") return 429;
  if (type == "overloaded_error") return 529;
  return 500;
}

void read_usage(const Json& u, Usage& usage) {
  if (!u.is_object()) return;
  auto num = [&](const char* k) {
    return u.contains(k) && u[k].is_number() ? u[k].get<int64_t>() : int64_t{-1};
  };
  int64_t in = num("input_tokens");
  if (in >= 0) {
    // Cached prompt tokens are billed separately but still fill the context window.
    usage.prompt_tokens = in + std::max<int64_t>(0, num("cache_creation_input_tokens")) +
                          std::max<int64_t>(0, num("cache_read_input_tokens"));
  }
  if (num("output_tokens") >= 0) usage.completion_tokens = num("output_tokens");
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
}

class AnthropicChatModel final : public ChatModel {
 public:
  AnthropicChatModel(LlmConfig config, std::shared_ptr<HttpClient> http)
      : config_(std::move(config)), http_(std::move(http)) {}

  std::string model_name() const override { return config_.model; }
  std::string endpoint_type() const override { return "anthropic"; }

  Result<ChatResponse> complete(const ChatRequest& request) override {
    Json body = anthropic_request_body(config_.model, request);
    bool stream = static_cast<bool>(request.on_delta);
    if (stream) body["stream"] = true;
    HttpRequest req;
    req.url = url();
    req.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    req.headers = {{"Content-Type", "application/json"},
                   {"x-api-key", config_.api_key},
                   {"anthropic-version", kApiVersion}};
    StreamState st;
    if (stream) {
      req.on_body_chunk = [&](std::string_view chunk) {
        if (request.cancel && request.cancel->load()) return false;
        st.raw.append(chunk);
        st.lines.append(chunk);
        size_t pos;
        while ((pos = st.lines.find('\n')) != std::string::npos) {
          std::string line = st.lines.substr(0, pos);
          st.lines.erase(0, pos + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          // A field of the wrong type must not throw through libcurl's callback.
          try {
            on_sse_line(line, st, request);
          } catch (const Json::exception& e) {
            if (st.malformed.empty()) st.malformed = e.what();
          }
        }
        return true;
      };
    }
    std::string transport_error;
    StreamAttemptClient client(
        *http_, [&] { st = StreamState(); }, [&] { return st.started; }, &transport_error);
    ModelCall call(config_, request);
    auto resp = call.send(client, std::move(req));
    if (!resp.ok()) {
      return transport_failure(resp.status(),
                               "is the Anthropic endpoint reachable? check [model] model_endpoint");
    }
    std::string after = "after " + call.attempts_text();
    if (resp->status != 200) {
      return with_retry_hint(http_error(resp->status, stream ? st.raw : resp->body, after), retry_after_seconds(*resp));
    }
    if (stream) return finish_stream(st, transport_error);
    try {
      return parse_reply(resp->body, after);
    } catch (const Json::exception& e) {
      return bad_response(e.what());
    }
  }

 private:
  Result<ChatResponse> parse_reply(const std::string& text, const std::string& after) {
    Json j = parse_json_or_discarded(text);
    if (!j.is_object()) return bad_response("the reply is not JSON");
    if (j.value("type", "") == "error") return http_error(200, text, after);
    if (!j.contains("content") || !j["content"].is_array())
      return bad_response("the reply has no content");
    ChatResponse out;
    out.model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>()
                                                              : config_.model;
    out.finish_reason = j.contains("stop_reason") && j["stop_reason"].is_string()
                            ? stop_to_finish(j["stop_reason"].get<std::string>())
                            : "";
    out.message.role = "assistant";
    for (const auto& block : j["content"]) {
      if (!block.is_object()) continue;
      std::string type = block.value("type", "");
      if (type == "text" && block.contains("text") && block["text"].is_string()) {
        out.message.content += block["text"].get<std::string>();
      } else if (type == "tool_use") {
        Json input = block.contains("input") ? block["input"] : Json::object();
        out.message.tool_calls.push_back(
            {block.value("id", ""), block.value("name", ""), input.dump()});
      }
    }
    if (j.contains("usage")) read_usage(j["usage"], out.usage);
    return out;
  }

  struct Block {
    std::string type;
    std::string text;
    std::string id, name, json;
  };
  struct StreamState {
    std::string raw;    // the whole body, for error replies sent instead of a stream
    std::string lines;  // bytes not yet split into lines
    bool started = false;
    bool stopped = false;
    std::map<int, Block> blocks;
    ChatResponse response;
    std::string error_type, error;
    std::string malformed;  // why an event could not be read
  };

  void on_sse_line(const std::string& line, StreamState& st, const ChatRequest& request) {
    if (line.rfind("data:", 0) != 0) return;  // "event:" lines repeat the data's "type"
    std::string data = line.substr(5);
    if (!data.empty() && data[0] == ' ') data.erase(0, 1);
    Json j = parse_json_or_discarded(data);
    if (!j.is_object()) return;
    std::string type = j.value("type", "");
    st.started = true;
    StreamDelta d;
    if (type == "message_start") {
      const Json& m = j.value("message", Json::object());
      if (m.contains("model") && m["model"].is_string()) st.response.model = m["model"];
      if (m.contains("usage")) read_usage(m["usage"], st.response.usage);
    } else if (type == "content_block_start") {
      int index = j.value("index", 0);
      const Json& cb = j.value("content_block", Json::object());
      Block& b = st.blocks[index];
      b.type = cb.value("type", "");
      if (b.type == "text") {
        b.text = cb.value("text", "");
        d.content = b.text;
      } else if (b.type == "tool_use") {
        b.id = cb.value("id", "");
        b.name = cb.value("name", "");
        d.tool_name = b.name;
      }
    } else if (type == "content_block_delta") {
      Block& b = st.blocks[j.value("index", 0)];
      const Json& delta = j.value("delta", Json::object());
      std::string dt = delta.value("type", "");
      if (dt == "text_delta" && delta.contains("text") && delta["text"].is_string()) {
        d.content = delta["text"];
        b.text += d.content;
      } else if (dt == "input_json_delta" && delta.contains("partial_json") &&
                 delta["partial_json"].is_string()) {
        d.tool_arguments = delta["partial_json"];
        b.json += d.tool_arguments;
      }
    } else if (type == "message_delta") {
      const Json& delta = j.value("delta", Json::object());
      if (delta.contains("stop_reason") && delta["stop_reason"].is_string()) {
        st.response.finish_reason = stop_to_finish(delta["stop_reason"].get<std::string>());
      }
      if (j.contains("usage") && j["usage"].is_object()) {
        Usage u = st.response.usage;
        read_usage(j["usage"], u);
        st.response.usage = u;
      }
    } else if (type == "message_stop") {
      st.stopped = true;
    } else if (type == "error") {
      const Json& e = j.value("error", Json::object());
      st.error_type = string_field(e, "type", "api_error");
      st.error = string_field(e, "message", data);
    }
    if (request.on_delta &&
        (!d.content.empty() || !d.tool_name.empty() || !d.tool_arguments.empty())) {
      request.on_delta(d);
    }
  }

  Result<ChatResponse> finish_stream(StreamState& st, const std::string& transport_error) {
    if (!st.malformed.empty()) return bad_response("an event could not be read: " + st.malformed);
    if (!st.error.empty()) return classify(status_of_error_type(st.error_type), st.error, "during the stream");
    if (!st.started) {
      // A 200 without a single event: maybe a JSON reply although a stream was asked for.
      return bad_response(st.raw.empty() ? "the stream was empty"
                                         : "the reply is not an event stream");
    }
    if (!st.stopped) {
      return stream_cut_off(transport_error);
    }
    ChatResponse& out = st.response;
    out.message.role = "assistant";
    for (auto& [index, b] : st.blocks) {
      if (b.type == "text") {
        out.message.content += b.text;
      } else if (b.type == "tool_use") {
        // Keep invalid JSON as written: the agent reports it to the model (or repairs it).
        std::string args = b.json.empty() ? "{}" : b.json;
        Json parsed = parse_json_or_discarded(args);
        out.message.tool_calls.push_back(
            {b.id, b.name, parsed.is_discarded() ? args : parsed.dump()});
      }
    }
    if (out.model.empty()) out.model = config_.model;
    return out;
  }

  std::string url() const {
    std::string base =
        config_.model_endpoint.empty() ? std::string(find_provider("anthropic")->default_endpoint) : config_.model_endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    bool has_v1 = base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0;
    return base + (has_v1 ? "" : "/v1") + "/messages";
  }

  Status bad_response(const std::string& what) {
    return llm_failure(ErrorCode::kUnavailable,
                       fmt::format("{} at {} sent a malformed reply: {}", config_.model, url(), what),
                       LlmError::kBadResponse);
  }

  // `after` says when the error came: "after 2 attempts", "during the stream".
  Status http_error(int status, const std::string& body, const std::string& after) {
    std::string message = body.substr(0, 500);
    Json j = parse_json_or_discarded(body);
    if (j.is_object() && j.contains("error")) {
      const Json& e = j["error"];
      if (e.is_object()) {
        message = string_field(e, "message", message);
        if (status == 200) status = status_of_error_type(string_field(e, "type", ""));
      } else if (e.is_string()) {
        message = e;
      }
    }
    return classify(status, message, after);
  }

  Status classify(int status, const std::string& message, const std::string& after) {
    if ((status == 400 || status == 413) && mentions_context_overflow(message)) {
      return llm_failure(ErrorCode::kResourceExhausted, message, LlmError::kContextWindowExceeded);
    }
    if (status == 413) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("the request is too large for {}: {}", url(), message),
                         LlmError::kContextWindowExceeded);
    }
    if (status == 401 || status == 403) {
      return llm_failure(ErrorCode::kPermissionDenied,
                         fmt::format("{} refused the API key (HTTP {}): {} — set it with `memgpt configure "
                                     "--anthropic-key` or ANTHROPIC_API_KEY",
                                     url(), status, message),
                         LlmError::kAuthentication);
    }
    if (status == 404) {
      return llm_failure(ErrorCode::kNotFound,
                         fmt::format("model '{}' or endpoint {} not found (HTTP 404): {}", config_.model,
                                     url(), message),
                         LlmError::kModelNotFound);
    }
    if (status == 429) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("{} is rate limiting requests (HTTP 429) {}: {}", url(), after,
                                     message),
                         LlmError::kRateLimited);
    }
    if (status == 529) {
      return llm_failure(ErrorCode::kUnavailable,
                         fmt::format("Anthropic at {} is overloaded (HTTP 529) {}: {}; try again later",
                                     url(), after, message),
                         LlmError::kRateLimited);
    }
    return llm_failure(ErrorCode::kUnavailable,
                       fmt::format("{} answered HTTP {}: {}", url(), status, message),
                       LlmError::kBadResponse);
  }

  LlmConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace

Json anthropic_request_body(const std::string& model, const ChatRequest& request) {
  std::string system;
  std::vector<std::pair<std::string, Json>> turns;  // role, content blocks
  auto add = [&](const std::string& role, Json blocks) {
    if (blocks.empty()) return;  // Anthropic rejects empty messages
    if (!turns.empty() && turns.back().first == role) {
      for (auto& b : blocks) turns.back().second.push_back(std::move(b));
    } else {
      turns.emplace_back(role, std::move(blocks));
    }
  };
  for (const auto& m : request.messages) {
    Json blocks = Json::array();
    if (m.role == "system") {
      if (has_visible_text(m.content)) system += (system.empty() ? "" : "\n\n") + m.content;
      continue;
    }
    if (m.role == "tool") {
      Json result = {{"type", "tool_result"}, {"tool_use_id", tool_id(m.tool_call_id)}};
      if (!m.content.empty()) result["content"] = m.content;
      blocks.push_back(result);
      add("user", blocks);
      continue;
    }
    if (has_visible_text(m.content)) blocks.push_back({{"type", "text"}, {"text", m.content}});
    if (m.role == "assistant") {
      for (const auto& tc : m.tool_calls) {
        blocks.push_back({{"type", "tool_use"},
                          {"id", tool_id(tc.id)},
                          {"name", tc.name},
                          {"input", tool_input(tc.arguments)}});
      }
      add("assistant", blocks);
    } else {
      add("user", blocks);
    }
  }
  if (turns.empty() || turns.front().first != "user") {
    turns.insert(turns.begin(),
                 {"user", Json::array({{{"type", "text"}, {"text", kFirstUserMessage}}})});
  }
  Json messages = Json::array();
  for (auto& [role, blocks] : turns) {
    if (role == "user") {
      // Tool results must come before any text in the user turn that answers a tool call.
      std::stable_partition(blocks.begin(), blocks.end(),
                            [](const Json& b) { return b.value("type", "") == "tool_result"; });
    }
    messages.push_back({{"role", role}, {"content", blocks}});
  }
  Json body = {{"model", model},
               {"max_tokens", request.max_tokens.value_or(kDefaultMaxTokens)},
               {"messages", messages}};
  if (!system.empty()) body["system"] = system;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (!request.tools.empty()) {
    Json tools = Json::array();
    for (const auto& t : request.tools) {
      const Json& fn = t.contains("function") ? t["function"] : t;
      Json tool = {{"name", fn.value("name", "")}};
      if (fn.contains("description") && fn["description"].is_string())
        tool["description"] = fn["description"];
      tool["input_schema"] = fn.contains("parameters") ? fn["parameters"]
                             : fn.contains("input_schema")
                                 ? fn["input_schema"]
                                 : Json({{"type", "object"}, {"properties", Json::object()}});
      tools.push_back(tool);
    }
    body["tools"] = tools;
    // One call per reply: MemGPT executes a single function per step.
    if (request.tool_choice == "none") {
      body["tool_choice"] = {{"type", "none"}};
    } else if (request.tool_choice == "auto" || request.tool_choice.empty()) {
      body["tool_choice"] = {{"type", "auto"}, {"disable_parallel_tool_use", true}};
    } else if (request.tool_choice == "required") {
      body["tool_choice"] = {{"type", "any"}, {"disable_parallel_tool_use", true}};
    } else {
      body["tool_choice"] = {
          {"type", "tool"}, {"name", request.tool_choice}, {"disable_parallel_tool_use", true}};
    }
  }
  return body;
}

Result<std::unique_ptr<ChatModel>> make_anthropic_chat_model(const LlmConfig& config,
                                                             std::shared_ptr<HttpClient> http) {
  if (config.model.empty()) return invalid_argument("no LLM model is configured ([model] model)");
  if (!http) http = std::shared_ptr<HttpClient>(make_curl_http_client());
  return std::unique_ptr<ChatModel>(std::make_unique<AnthropicChatModel>(config, std::move(http)));
}

}  // namespace memgpt::llm
