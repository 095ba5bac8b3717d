// Embedders turn text into vectors for archival memory. The built-in one runs offline (GloVe
// word vectors + lexical features, see docs/embeddings.md); the OpenAI-compatible one calls a
// /v1/embeddings endpoint (OpenAI, Azure, Ollama, llama.cpp server, vLLM, TEI).
// Thread-safety: embed() may be called from several threads.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "util/http_client.h"
#include "util/status.h"

namespace memgpt::embed {

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual int dim() const = 0;
  virtual std::string model() const = 0;           // recorded with every source and agent
  virtual std::string endpoint_type() const = 0;   // "local", "openai", ...
  // One vector per input, each L2-normalised; all or nothing.
  virtual Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) = 0;
};

struct EmbedderConfig {
  std::string endpoint_type = "local";  // local | openai | azure | ollama | llamacpp | vllm | tei
  std::string endpoint;                 // base URL, e.g. https://api.openai.com/v1
  std::string model;
  int dim = 0;
  std::string api_key;
  int batch_size = 64;
  int max_input_tokens = 8191;  // longer inputs are cut (by tokens) before sending
  int timeout_ms = 60000;  // one batch, every attempt and wait included
  int max_attempts = 4;
};

// The built-in offline embedder (dimension 384). kNotFound with the fix when its word-vector
// file is missing.
Result<std::unique_ptr<Embedder>> make_builtin_embedder();
Result<std::unique_ptr<Embedder>> make_embedder(const EmbedderConfig& config,
                                                std::shared_ptr<HttpClient> http = nullptr);

// Where the built-in embedder's data file is looked for, in order.
std::vector<std::string> builtin_data_paths();

}  // namespace memgpt::embed
