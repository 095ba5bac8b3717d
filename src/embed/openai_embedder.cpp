// OpenAI-compatible /v1/embeddings client (OpenAI, Azure, Ollama /v1, llama.cpp server, vLLM,
// TEI): batches, retries with backoff, inputs cut to the model's token limit, dimension check.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "embed/embedder.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"

namespace memgpt::embed {
namespace {

class OpenAIEmbedder final : public Embedder {
 public:
  OpenAIEmbedder(EmbedderConfig config, std::shared_ptr<HttpClient> http)
      : config_(std::move(config)), http_(std::move(http)) {}

  int dim() const override { return config_.dim; }
  std::string model() const override { return config_.model; }
  std::string endpoint_type() const override { return config_.endpoint_type; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> out;
    out.reserve(texts.size());
    for (size_t start = 0; start < texts.size(); start += static_cast<size_t>(config_.batch_size)) {
      size_t end = std::min(texts.size(), start + static_cast<size_t>(config_.batch_size));
      MEMGPT_ASSIGN_OR_RETURN(auto batch, embed_batch(texts.subspan(start, end - start)));
      for (auto& v : batch) out.push_back(std::move(v));
    }
    return out;
  }

 private:
  std::string url() const {
    std::string base = config_.endpoint;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (config_.endpoint_type == "azure") {
      return fmt::format("{}/openai/deployments/{}/embeddings?api-version=2024-02-01", base, config_.model);
    }
    if (config_.endpoint_type == "tei") return base + "/v1/embeddings";
    bool has_v1 = base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0;
    return base + (has_v1 || config_.endpoint_type == "openai" ? "" : "/v1") + "/embeddings";
  }

  Result<std::vector<std::vector<float>>> embed_batch(std::span<const std::string> texts) {
    const auto& tok = tokenizer::cl100k_base();
    Json input = Json::array();
    for (const auto& t : texts) {
      // Empty strings are rejected by some servers: send a space, it embeds as "nothing".
      std::string text = t.empty() ? " " : t;
      auto ids = tok.encode(text);
      if (static_cast<int>(ids.size()) > config_.max_input_tokens) {
        ids.resize(static_cast<size_t>(config_.max_input_tokens));
        text = tok.decode(ids);
      }
      input.push_back(text);
    }
    Json body = {{"model", config_.model}, {"input", input}};
    HttpRequest req;
    req.url = url();
    req.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
    req.timeout_ms = config_.timeout_ms;
    req.headers = {{"Content-Type", "application/json"}};
    if (!config_.api_key.empty()) {
      if (config_.endpoint_type == "azure") req.headers.emplace_back("api-key", config_.api_key);
      else req.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
    }
    RetryPolicy policy;
    policy.max_attempts = config_.max_attempts;
    // One deadline for a batch, every attempt and wait included (as a model call has): a hung
    // endpoint costs timeout_ms, not max_attempts times it.
    policy.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(1, config_.timeout_ms));
    MEMGPT_ASSIGN_OR_RETURN(HttpResponse resp, send_with_retry(*http_, req, policy));
    if (resp.status == 401 || resp.status == 403) {
      return Status(ErrorCode::kPermissionDenied,
                    fmt::format("the embedding endpoint {} refused the key (HTTP {}): check the "
                                "key in ~/.memgpt/credentials or OPENAI_API_KEY",
                                req.url, resp.status));
    }
    if (resp.status == 404) {
      return not_found(fmt::format("embedding model '{}' or endpoint {} not found (HTTP 404)",
                                   config_.model, req.url));
    }
    if (resp.status != 200) {
      return unavailable(fmt::format("the embedding endpoint {} answered HTTP {}: {}", req.url,
                                     resp.status, resp.body.substr(0, 300)));
    }
    Json j = parse_json_or_discarded(resp.body);
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array() ||
        j["data"].size() != texts.size()) {
      return unavailable(fmt::format("the embedding endpoint {} sent an unexpected reply", req.url));
    }
    std::vector<std::vector<float>> out(texts.size());
    for (const auto& item : j["data"]) {
      size_t index = item.value("index", size_t{0});
      if (index >= out.size() || !item.contains("embedding") || !item["embedding"].is_array()) {
        return unavailable("the embedding reply has a malformed item");
      }
      auto v = item["embedding"].get<std::vector<float>>();
      if (config_.dim > 0 && static_cast<int>(v.size()) != config_.dim) {
        return Status(ErrorCode::kInvalidArgument,
                      fmt::format("model '{}' returned {}-dimensional embeddings but {} are "
                                  "configured (embedding_dim): fix the configuration, or load "
                                  "the data into a new source",
                                  config_.model, v.size(), config_.dim));
      }
      double n = 0;
      for (float x : v) n += static_cast<double>(x) * x;
      if (n > 0) {
        float inv = static_cast<float>(1.0 / std::sqrt(n));
        for (float& x : v) x *= inv;
      }
      out[index] = std::move(v);
    }
    return out;
  }

  EmbedderConfig config_;
  std::shared_ptr<HttpClient> http_;
};

}  // namespace

#ifndef MEMGPT_LOCAL_LLM
// Without llama.cpp the model cannot run, so a new home never defaults to it.
bool local_embedding_model_installed() { return false; }
#endif

Result<std::unique_ptr<Embedder>> make_embedder(const EmbedderConfig& config,
                                                std::shared_ptr<HttpClient> http) {
  if (config.endpoint_type == "local" || config.endpoint_type.empty()) {
    if (config.model.empty() || config.model == kBuiltinEmbedderModel) return make_builtin_embedder();
#ifdef MEMGPT_LOCAL_LLM
    return make_local_model_embedder(config);
#else
    return unimplemented(fmt::format("the embedding model '{}' needs llama.cpp, which this build lacks; use '{}'",
                                     config.model, kBuiltinEmbedderModel));
#endif
  }
  if (config.endpoint.empty()) {
    return invalid_argument(fmt::format(
        "embedding endpoint type '{}' needs an endpoint (memgpt configure --embedding-endpoint)",
        config.endpoint_type));
  }
  if (config.model.empty()) return invalid_argument("an embedding model name is required");
  if (!http) http = std::shared_ptr<HttpClient>(make_curl_http_client());
  return std::unique_ptr<Embedder>(new OpenAIEmbedder(config, std::move(http)));
}

}  // namespace memgpt::embed
