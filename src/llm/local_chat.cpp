#include "llm/local_chat.h"

#include <fmt/format.h>

#include <atomic>

#include "llm/function_grammar.h"
#include "llm/model_call.h"
#include "llm/prompt_wrapper.h"
#include "util/json.h"

namespace memgpt::llm {
namespace {

enum class Constraint { kNone, kGrammar, kJsonSchema };

struct Backend {
  const char* type;
  const char* display;  // for messages
  const char* path;     // appended to the endpoint
  Constraint constraint;
};

constexpr Backend kBackends[] = {
    {"ollama", "Ollama", "/api/generate", Constraint::kJsonSchema},
    {"llamacpp", "llama.cpp", "/completion", Constraint::kGrammar},
    {"koboldcpp", "koboldcpp", "/api/v1/generate", Constraint::kGrammar},
    {"webui", "text-generation-webui", "/v1/completions", Constraint::kGrammar},
    {"lmstudio", "LM Studio", "/v1/completions", Constraint::kNone},
};

// Without a limit some servers generate until the context is full (llama.cpp n_predict -1) or
// stop very early (koboldcpp's default max_length is 80).
constexpr int kDefaultMaxTokens = 1024;

const Backend* find_backend(const std::string& type) {
  for (const auto& b : kBackends) {
    if (type == b.type) return &b;
  }
  return nullptr;
}

bool mentions_context_overflow(const std::string& raw) {
  std::string text = raw;
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* needle :
       {"exceeds the available context size", "exceed_context_size", "context size",
        "context length", "context window", "maximum context", "context_length_exceeded",
        "prompt is too long", "prompt too long", "too many tokens", "input is too long", "num_ctx",
        "max_context_length"}) {
    if (text.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string error_message(const std::string& body) {
  Json j = parse_json_or_discarded(body);
  if (j.is_object()) {
    for (const char* key : {"error", "detail", "message"}) {
      if (!j.contains(key)) continue;
      const Json& e = j[key];
      if (e.is_string()) return e.get<std::string>();
      if (e.is_object() && e.contains("message") && e["message"].is_string())
        return e["message"].get<std::string>();
      if (e.is_object() && e.contains("msg") && e["msg"].is_string())
        return e["msg"].get<std::string>();
      return e.dump();
    }
  }
  std::string text = body.substr(0, 500);
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

int64_t int_at(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

class LocalChatModel final : public ChatModel {
 public:
  LocalChatModel(LlmConfig config, std::shared_ptr<HttpClient> http, const Backend& backend,
                 std::unique_ptr<PromptWrapper> wrapper)
      : config_(std::move(config)),
        http_(std::move(http)),
        backend_(backend),
        wrapper_(std::move(wrapper)) {}

  std::string model_name() const override { return config_.model; }
  std::string endpoint_type() const override { return backend_.type; }

  Result<ChatResponse> complete(const ChatRequest& request) override {
    // A constrained answer starts at the opening brace, so no answer prefix then.
    WrappedPrompt prompt = wrapper_->render(request, backend_.constraint == Constraint::kNone);
    HttpRequest req;
    req.url = url();
    req.body = body(prompt, request).dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
    req.headers = {{"Content-Type", "application/json"}};
    if (!config_.api_key.empty())
      req.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
    ModelCall call(config_, request);
    auto resp = call.send(*http_, req);
    if (resp.ok() && rejects_schema_format(*resp)) {
      // Ollama before 0.5 takes only format "json": still JSON, if not the exact shape. The
      // second request shares the call's deadline.
      schema_format_unsupported_ = true;
      req.body = body(prompt, request).dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
      resp = call.send(*http_, req);
    }
    if (!resp.ok()) {
      // The transport message already names the URL.
      Status failed = transport_failure(resp.status(), "is the server running? check [model] model_endpoint");
      if (failed.code() == ErrorCode::kCancelled) return failed;
      return llm_failure(failed.code(),
                         fmt::format("{} ({} backend): {}", backend_.display, backend_.type, failed.message()),
                         llm_error_of(failed));
    }
    if (resp->status != 200) return with_retry_hint(http_error(resp->status, resp->body, call), retry_after_seconds(*resp));
    Json j = parse_json_or_discarded(resp->body);
    if (!j.is_object()) return bad_response("the reply is not a JSON object");
    if (j.contains("error") && !j["error"].is_null()) return http_error(200, resp->body, call);
    ChatResponse out;
    out.model = config_.model;
    std::string text;
    MEMGPT_RETURN_IF_ERROR(read_reply(j, text, out));
    out.message = wrapper_->parse(text, prompt);
    if (out.finish_reason != "length")
      out.finish_reason = out.message.tool_calls.empty() ? "stop" : "tool_calls";
    return out;
  }

 private:
  std::string endpoint() const {
    std::string base = config_.model_endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base;
  }

  std::string url() const {
    std::string base = endpoint();
    // Endpoints copied from the OpenAI-compatible setup end in /v1; the native APIs are at root.
    auto strip = [&base](const std::string& suffix) {
      if (base.size() >= suffix.size() &&
          base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0) {
        base.resize(base.size() - suffix.size());
      }
    };
    strip("/v1");
    if (std::string(backend_.type) == "koboldcpp") strip("/api");
    return base + backend_.path;
  }

  OrderedJson body(const WrappedPrompt& prompt, const ChatRequest& request) const {
    int max_tokens = request.max_tokens.value_or(kDefaultMaxTokens);
    std::string type = backend_.type;
    OrderedJson b = OrderedJson::object();
    std::string grammar;
    if (prompt.expects_function_call && backend_.constraint == Constraint::kGrammar) {
      grammar = function_call_gbnf(prompt.tools);
    }
    if (type == "ollama") {
      b["model"] = config_.model;
      b["prompt"] = prompt.prompt;
      b["raw"] = true;  // the prompt already carries the chat template
      b["stream"] = false;
      if (prompt.expects_function_call) {
        b["format"] = schema_format_unsupported_ ? OrderedJson("json")
                                                 : function_call_json_schema(prompt.tools);
      }
      OrderedJson options = {
          {"num_ctx", config_.context_window}, {"num_predict", max_tokens}, {"stop", prompt.stop}};
      if (request.temperature) options["temperature"] = *request.temperature;
      b["options"] = options;
    } else if (type == "llamacpp") {
      b["prompt"] = prompt.prompt;
      b["n_predict"] = max_tokens;
      b["stop"] = prompt.stop;
      b["cache_prompt"] = true;  // the prompt grows by a turn at a time: reuse the KV cache
      if (!grammar.empty()) b["grammar"] = grammar;
      if (request.temperature) b["temperature"] = *request.temperature;
    } else if (type == "koboldcpp") {
      b["prompt"] = prompt.prompt;
      b["max_length"] = max_tokens;
      b["max_context_length"] = config_.context_window;
      b["stop_sequence"] = prompt.stop;
      if (!grammar.empty()) b["grammar"] = grammar;
      if (request.temperature) b["temperature"] = *request.temperature;
    } else {  // webui, lmstudio: /v1/completions
      if (!config_.model.empty()) b["model"] = config_.model;
      b["prompt"] = prompt.prompt;
      b["max_tokens"] = max_tokens;
      b["stop"] = prompt.stop;
      if (!grammar.empty()) b["grammar_string"] = grammar;
      if (request.temperature) b["temperature"] = *request.temperature;
    }
    return b;
  }

  // The generated text, finish reason and usage from a 200 reply.
  Status read_reply(const Json& j, std::string& text, ChatResponse& out) const {
    std::string type = backend_.type;
    if (type == "ollama") {
      if (!j.contains("response") || !j["response"].is_string())
        return bad_response("no 'response' text");
      text = j["response"].get<std::string>();
      if (j.value("done_reason", "") == "length") out.finish_reason = "length";
      if (j.contains("model") && j["model"].is_string()) out.model = j["model"].get<std::string>();
      out.usage.prompt_tokens = int_at(j, "prompt_eval_count");
      out.usage.completion_tokens = int_at(j, "eval_count");
    } else if (type == "llamacpp") {
      if (!j.contains("content") || !j["content"].is_string())
        return bad_response("no 'content' text");
      // Older servers cut the prompt's beginning (the system prompt) instead of failing.
      if (j.value("truncated", false)) {
        return llm_failure(ErrorCode::kResourceExhausted,
                           fmt::format("the prompt does not fit the context size of the llama.cpp server at {} "
                                       "(it truncated the prompt)",
                                       endpoint()),
                           LlmError::kContextWindowExceeded);
      }
      text = j["content"].get<std::string>();
      if (j.value("stopped_limit", false)) out.finish_reason = "length";
      out.usage.prompt_tokens = int_at(j, "tokens_evaluated");
      out.usage.completion_tokens = int_at(j, "tokens_predicted");
    } else if (type == "koboldcpp") {
      if (!j.contains("results") || !j["results"].is_array() || j["results"].empty() ||
          !j["results"][0].is_object() || !j["results"][0].contains("text") ||
          !j["results"][0]["text"].is_string()) {
        return bad_response("no results[0].text");
      }
      text = j["results"][0]["text"].get<std::string>();
      if (j["results"][0].value("finish_reason", "") == "length") out.finish_reason = "length";
    } else {
      if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
          !j["choices"][0].is_object() || !j["choices"][0].contains("text") ||
          !j["choices"][0]["text"].is_string()) {
        return bad_response("no choices[0].text");
      }
      const Json& choice = j["choices"][0];
      text = choice["text"].get<std::string>();
      if (choice.contains("finish_reason") && choice["finish_reason"] == "length")
        out.finish_reason = "length";
      if (j.contains("usage") && j["usage"].is_object()) {
        out.usage.prompt_tokens = int_at(j["usage"], "prompt_tokens");
        out.usage.completion_tokens = int_at(j["usage"], "completion_tokens");
      }
    }
    out.usage.total_tokens = out.usage.prompt_tokens + out.usage.completion_tokens;
    return Status::ok_status();
  }

  Status bad_response(const std::string& what) const {
    return llm_failure(ErrorCode::kUnavailable,
                       fmt::format("the {} server at {} sent a malformed reply: {}", backend_.display,
                                   url(), what),
                       LlmError::kBadResponse);
  }

  Status http_error(int status, const std::string& body, const ModelCall& call) const {
    std::string message = error_message(body);
    if (mentions_context_overflow(message)) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("the prompt is too long for the {} server at {}: {}",
                                     backend_.display, endpoint(), message),
                         LlmError::kContextWindowExceeded);
    }
    if (status == 404) {
      std::string hint =
          std::string(backend_.type) == "ollama"
              ? fmt::format(" — run `ollama pull {}` or set [model] model", config_.model)
              : " — check [model] model and model_endpoint";
      return llm_failure(ErrorCode::kNotFound,
                         fmt::format("model '{}' or {} not found on the {} server (HTTP 404): {}{}",
                                     config_.model, url(), backend_.display, message, hint),
                         LlmError::kModelNotFound);
    }
    if (status == 401 || status == 403) {
      return llm_failure(ErrorCode::kPermissionDenied,
                         fmt::format("the {} server at {} refused the request (HTTP {}): {}",
                                     backend_.display, endpoint(), status, message),
                         LlmError::kAuthentication);
    }
    if (status == 429) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("the {} server at {} is busy (HTTP 429) after {}: {}",
                                     backend_.display, endpoint(), call.attempts_text(), message),
                         LlmError::kRateLimited);
    }
    return llm_failure(ErrorCode::kUnavailable,
                       fmt::format("the {} server at {} answered HTTP {}: {}", backend_.display, url(),
                                   status, message),
                       LlmError::kBadResponse);
  }

  // Ollama's answer to a schema in `format` when it only knows "json".
  bool rejects_schema_format(const HttpResponse& resp) const {
    if (std::string(backend_.type) != "ollama" || resp.status != 400 ||
        schema_format_unsupported_) {
      return false;
    }
    std::string message = error_message(resp.body);
    return message.find("format") != std::string::npos &&
           message.find("cannot unmarshal") != std::string::npos;
  }

  LlmConfig config_;
  std::shared_ptr<HttpClient> http_;
  const Backend& backend_;
  std::unique_ptr<PromptWrapper> wrapper_;
  std::atomic<bool> schema_format_unsupported_{false};
};

}  // namespace

bool is_local_backend(const std::string& endpoint_type) {
  return find_backend(endpoint_type) != nullptr;
}

Result<std::unique_ptr<ChatModel>> make_local_chat_model(const LlmConfig& config,
                                                         std::shared_ptr<HttpClient> http) {
  const Backend* backend = find_backend(config.model_endpoint_type);
  if (!backend) {
    return invalid_argument(
        fmt::format("'{}' is not a local LLM backend", config.model_endpoint_type));
  }
  if (config.model_endpoint.empty()) {
    return invalid_argument(
        fmt::format("no {} endpoint is configured ([model] model_endpoint)", backend->display));
  }
  // Ollama serves many models and needs the name; the others answer with the loaded one.
  if (config.model.empty() && std::string(backend->type) == "ollama") {
    return invalid_argument("no Ollama model is configured ([model] model, e.g. llama3.1)");
  }
  MEMGPT_ASSIGN_OR_RETURN(auto wrapper, make_prompt_wrapper(config.model_wrapper));
  if (!http) http = std::shared_ptr<HttpClient>(make_curl_http_client());
  return std::unique_ptr<ChatModel>(
      std::make_unique<LocalChatModel>(config, std::move(http), *backend, std::move(wrapper)));
}

}  // namespace memgpt::llm
