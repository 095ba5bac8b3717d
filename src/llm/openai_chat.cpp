// OpenAI Chat Completions (and every server that speaks it: Azure, Groq, Together, OpenRouter,
// vLLM, LM Studio, llama.cpp server, Ollama /v1): tools, SSE streaming, usage, finish_reason,
// classified errors.
#include <fmt/format.h>

#include "llm/anthropic_chat.h"
#include "config/providers.h"
#include "llm/llm_config.h"
#include "llm/openai_chat.h"
#include "llm/stream_attempts.h"
#include "llm/llama_chat.h"
#include "llm/local_chat.h"
#include "llm/model_call.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

Json message_json(const ChatMessage& m) {
  Json j = {{"role", m.role}};
  if (m.role == "assistant" && !m.tool_calls.empty()) {
    j["content"] = m.content.empty() ? Json(nullptr) : Json(m.content);
    Json calls = Json::array();
    for (const auto& tc : m.tool_calls) {
      calls.push_back({{"id", tc.id}, {"type", "function"},
                       {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}});
    }
    j["tool_calls"] = calls;
  } else {
    j["content"] = m.content;
  }
  if (m.role == "tool") j["tool_call_id"] = m.tool_call_id;
  return j;
}

bool mentions_context_overflow(const std::string& text) {
  for (const char* needle : {"context_length_exceeded", "maximum context length", "context length",
                             "too many tokens", "prompt is too long", "exceeds the context window",
                             "context window", "input is too long"}) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

class OpenAIChatModel final : public ChatModel {
 public:
  OpenAIChatModel(LlmConfig config, std::shared_ptr<HttpClient> http)
      : config_(std::move(config)), http_(std::move(http)) {}

  std::string model_name() const override { return config_.model; }
  std::string endpoint_type() const override { return config_.model_endpoint_type; }

  Result<ChatResponse> complete(const ChatRequest& request) override {
    Json body = openai_request_body(config_.model, request);
    bool stream = static_cast<bool>(request.on_delta);
    if (stream) {
      body["stream"] = true;
      body["stream_options"] = {{"include_usage", true}};
    }
    HttpRequest req;
    req.url = url();
    req.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    req.headers = {{"Content-Type", "application/json"}};
    if (config_.model_endpoint_type == "azure") {
      req.headers.emplace_back("api-key", config_.api_key);
    } else if (!config_.api_key.empty()) {
      req.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
    }
    std::string sse_buffer;
    StreamState state;
    if (stream) {
      req.on_body_chunk = [&](std::string_view chunk) {
        if (request.cancel && request.cancel->load()) return false;
        if (state.http_error) {
          state.error_body.append(chunk);
          return true;
        }
        sse_buffer.append(chunk);
        size_t pos;
        while ((pos = sse_buffer.find('\n')) != std::string::npos) {
          std::string line = sse_buffer.substr(0, pos);
          sse_buffer.erase(0, pos + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          // A field of the wrong type in an event is the server's fault, reported as a bad
          // response; nothing may throw through libcurl's callback.
          try {
            on_sse_line(line, state, request);
          } catch (const Json::exception& e) {
            if (state.malformed.empty()) state.malformed = e.what();
            state.done = true;
          }
        }
        return true;
      };
    }
    // A retried stream starts from scratch; a stream broken after data is not replayed.
    std::string transport_error;
    StreamAttemptClient client(
        *http_, [&] { sse_buffer.clear(); state = StreamState(); }, [&] { return state.saw_data; },
        &transport_error);
    ModelCall call(config_, request);
    auto resp = call.send(client, std::move(req));
    if (!resp.ok()) return transport_failure(resp.status(), "is the LLM server running? check [model] model_endpoint");
    std::string raw = stream ? (state.error_body.empty() ? sse_buffer : state.error_body) : resp->body;
    if (resp->status != 200) {
      return with_retry_hint(http_error(resp->status, stream && !state.saw_data ? raw + sse_buffer : raw, call),
                             retry_after_seconds(*resp));
    }
    if (stream) return finish_stream(state, transport_error);
    Json j = parse_json_or_discarded(resp->body);
    if (!j.is_object()) return bad_response("the reply is not JSON");
    if (j.contains("error")) return http_error(200, resp->body, call);
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) {
      return bad_response("the reply has no choices");
    }
    try {
      return read_response(j);
    } catch (const Json::exception& e) {
      return bad_response(fmt::format("the reply has a field of the wrong type ({})", e.what()));
    }
  }

  ChatResponse read_response(const Json& j) const {
    const Json& choice = j["choices"][0];
    ChatResponse out;
    out.model = j.value("model", config_.model);
    out.finish_reason = choice.value("finish_reason", "");
    const Json& msg = choice.value("message", Json::object());
    out.message.role = "assistant";
    if (msg.contains("content") && msg["content"].is_string()) out.message.content = msg["content"];
    if (msg.contains("tool_calls") && msg["tool_calls"].is_array()) {
      for (const auto& tc : msg["tool_calls"]) {
        const Json& fn = tc.value("function", Json::object());
        std::string args;
        if (fn.contains("arguments")) args = fn["arguments"].is_string() ? fn["arguments"].get<std::string>() : fn["arguments"].dump();
        out.message.tool_calls.push_back({tc.value("id", ""), fn.value("name", ""), args});
      }
    } else if (msg.contains("function_call") && msg["function_call"].is_object()) {
      const Json& fn = msg["function_call"];
      out.message.tool_calls.push_back({"", fn.value("name", ""), fn.value("arguments", "")});
    }
    if (j.contains("usage") && j["usage"].is_object()) {
      out.usage.prompt_tokens = j["usage"].value("prompt_tokens", int64_t{0});
      out.usage.completion_tokens = j["usage"].value("completion_tokens", int64_t{0});
      out.usage.total_tokens = j["usage"].value("total_tokens", int64_t{0});
    }
    return out;
  }

 private:
  struct StreamState {
    ChatResponse response;
    std::vector<ToolCall> calls;
    bool done = false;
    bool saw_data = false;
    bool http_error = false;
    std::string error_body;
    std::string error;
    std::string malformed;  // why an event could not be read
  };

  void on_sse_line(const std::string& line, StreamState& st, const ChatRequest& request) {
    if (line.rfind("data:", 0) != 0) {
      // Not SSE: an error body (JSON) sent instead of a stream.
      if (!st.saw_data && !line.empty() && line[0] == '{') st.error_body += line;
      return;
    }
    st.saw_data = true;
    std::string data = line.substr(5);
    if (!data.empty() && data[0] == ' ') data.erase(0, 1);
    if (data == "[DONE]") {
      st.done = true;
      return;
    }
    Json j = parse_json_or_discarded(data);
    if (!j.is_object()) return;
    if (j.contains("error")) {
      st.error = j["error"].is_object() ? j["error"].value("message", data) : data;
      return;
    }
    if (j.contains("model") && j["model"].is_string()) st.response.model = j["model"];
    if (j.contains("usage") && j["usage"].is_object()) {
      st.response.usage.prompt_tokens = j["usage"].value("prompt_tokens", int64_t{0});
      st.response.usage.completion_tokens = j["usage"].value("completion_tokens", int64_t{0});
      st.response.usage.total_tokens = j["usage"].value("total_tokens", int64_t{0});
    }
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return;
    const Json& choice = j["choices"][0];
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
      st.response.finish_reason = choice["finish_reason"];
    }
    const Json& delta = choice.value("delta", Json::object());
    StreamDelta d;
    if (delta.contains("content") && delta["content"].is_string()) {
      d.content = delta["content"];
      st.response.message.content += d.content;
    }
    if (delta.contains("tool_calls") && delta["tool_calls"].is_array()) {
      for (const auto& tc : delta["tool_calls"]) {
        size_t index = tc.value("index", size_t{0});
        if (st.calls.size() <= index) st.calls.resize(index + 1);
        ToolCall& call = st.calls[index];
        if (tc.contains("id") && tc["id"].is_string()) call.id = tc["id"];
        const Json& fn = tc.value("function", Json::object());
        if (fn.contains("name") && fn["name"].is_string()) {
          call.name += fn["name"].get<std::string>();
          d.tool_name = call.name;
        }
        if (fn.contains("arguments") && fn["arguments"].is_string()) {
          call.arguments += fn["arguments"].get<std::string>();
          d.tool_arguments = fn["arguments"];
        }
      }
    }
    if (request.on_delta && (!d.content.empty() || !d.tool_name.empty() || !d.tool_arguments.empty())) {
      request.on_delta(d);
    }
  }

  Result<ChatResponse> finish_stream(StreamState& st, const std::string& transport_error) {
    if (!st.malformed.empty()) {
      return bad_response(fmt::format("a stream event has a field of the wrong type ({})", st.malformed));
    }
    if (!st.error.empty()) {
      if (mentions_context_overflow(st.error)) {
        return llm_failure(ErrorCode::kResourceExhausted, st.error,
                           LlmError::kContextWindowExceeded);
      }
      return llm_failure(ErrorCode::kUnavailable,
                         fmt::format("the LLM stream reported an error: {}", st.error),
                         LlmError::kBadResponse);
    }
    if (!st.done && st.response.finish_reason.empty()) {
      return stream_cut_off(transport_error);
    }
    st.response.message.role = "assistant";
    st.response.message.tool_calls = st.calls;
    if (st.response.model.empty()) st.response.model = config_.model;
    return st.response;
  }

  std::string url() const {
    std::string base = config_.model_endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (config_.model_endpoint_type == "azure") {
      return fmt::format("{}/openai/deployments/{}/chat/completions?api-version={}", base, config_.model,
                         config_.api_version.empty() ? "2024-06-01" : config_.api_version);
    }
    bool has_v1 = base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0;
    const Provider* provider = find_provider(config_.model_endpoint_type);
    bool add_v1 = !has_v1 && provider && provider->appends_v1;
    return base + (add_v1 ? "/v1" : "") + "/chat/completions";
  }

  Status bad_response(const std::string& what) {
    return llm_failure(ErrorCode::kUnavailable,
                       fmt::format("{} at {} sent a malformed reply: {}", config_.model, url(), what),
                       LlmError::kBadResponse);
  }

  Status http_error(int status, const std::string& body, const ModelCall& call) {
    std::string message = body.substr(0, 500);
    Json j = parse_json_or_discarded(body);
    std::string code;
    if (j.is_object() && j.contains("error")) {
      const Json& e = j["error"];
      if (e.is_object()) {
        message = e.value("message", message);
        if (e.contains("code") && e["code"].is_string()) code = e["code"];
      } else if (e.is_string()) {
        message = e;
      }
    }
    if (code == "context_length_exceeded" || mentions_context_overflow(message)) {
      return llm_failure(ErrorCode::kResourceExhausted, message, LlmError::kContextWindowExceeded);
    }
    if (status == 401 || status == 403) {
      return llm_failure(ErrorCode::kPermissionDenied,
                         fmt::format("{} refused the API key (HTTP {}): {} — set it with `memgpt configure "
                                     "--openai-key` or OPENAI_API_KEY",
                                     url(), status, message),
                         LlmError::kAuthentication);
    }
    if (status == 404) {
      return llm_failure(ErrorCode::kNotFound,
                         fmt::format("model '{}' or endpoint {} not found (HTTP 404): {}", config_.model, url(), message),
                         LlmError::kModelNotFound);
    }
    if (status == 429) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("{} is rate limiting requests (HTTP 429) after {}: {}", url(),
                                     call.attempts_text(), message),
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

Json openai_request_body(const std::string& model, const ChatRequest& request) {
  Json body = {{"model", model}};
  Json messages = Json::array();
  for (const auto& m : request.messages) messages.push_back(message_json(m));
  body["messages"] = messages;
  if (!request.tools.empty() && request.tool_choice != "none") {
    body["tools"] = request.tools;
    if (request.tool_choice == "auto" || request.tool_choice == "required") {
      body["tool_choice"] = request.tool_choice;
    } else {
      body["tool_choice"] = {{"type", "function"}, {"function", {{"name", request.tool_choice}}}};
    }
    body["parallel_tool_calls"] = false;
  }
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.max_tokens) body["max_tokens"] = *request.max_tokens;
  return body;
}

int known_context_window(const std::string& raw) {
  std::string model = raw.substr(raw.rfind('/') == std::string::npos ? 0 : raw.rfind('/') + 1);
  auto starts = [&](const char* p) { return model.rfind(p, 0) == 0; };
  if (starts("gpt-4.1")) return 1047576;
  if (starts("gpt-5")) return 400000;
  if (starts("gpt-4o") || starts("gpt-4-turbo") || starts("gpt-4-1106") || starts("gpt-4-0125")) return 128000;
  if (starts("gpt-4-32k")) return 32768;
  if (starts("gpt-4")) return 8192;
  if (starts("gpt-3.5-turbo-instruct")) return 4096;
  if (starts("gpt-3.5")) return 16385;
  if (starts("o1-mini")) return 128000;
  if (starts("o1") || starts("o3") || starts("o4")) return 200000;
  if (starts("claude")) return 200000;
  if (starts("llama3.1") || starts("llama-3.1") || starts("llama3.2") || starts("llama-3.2")) return 131072;
  if (starts("llama3") || starts("llama-3")) return 8192;
  if (starts("mistral") || starts("mixtral")) return 32768;
  if (starts("qwen2")) return 32768;
  return 0;
}

Result<std::unique_ptr<ChatModel>> make_chat_model(const LlmConfig& config, std::shared_ptr<HttpClient> http) {
  if (!http) http = std::shared_ptr<HttpClient>(make_curl_http_client());
  const Provider* provider = find_provider(config.model_endpoint_type);
  if (!provider) {
    return invalid_argument(
        fmt::format("unknown LLM backend '{}': use {}", config.model_endpoint_type, provider_type_list()));
  }
  switch (provider->api) {
    case ProviderApi::kAnthropic:
      return make_anthropic_chat_model(config, std::move(http));
    case ProviderApi::kLocal:
      // Local servers through their native APIs with prompt wrappers, as MemGPT did; their /v1
      // APIs remain reachable with model_endpoint_type=openai.
      return make_local_chat_model(config, std::move(http));
    case ProviderApi::kInProcess:
#if MEMGPT_LOCAL_LLM
    {
      MEMGPT_ASSIGN_OR_RETURN(auto local, make_llama_chat_model(config));
      return std::unique_ptr<ChatModel>(std::move(local));
    }
#else
      return unimplemented(
          "this memgpt was built without the in-process model (llama.cpp): run scripts/setup.sh and rebuild");
#endif
    case ProviderApi::kOpenAI:
      break;
  }
  if (config.model_endpoint.empty()) return invalid_argument("no LLM endpoint is configured ([model] model_endpoint)");
  if (config.model.empty()) return invalid_argument("no LLM model is configured ([model] model)");
  return std::unique_ptr<ChatModel>(new OpenAIChatModel(config, std::move(http)));
}

}  // namespace memgpt::llm
