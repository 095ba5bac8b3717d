// Embedders turn text into vectors for archival memory. Offline: the sentence-embedding model
// all-MiniLM-L6-v2 run in process by llama.cpp, or the built-in one (GloVe word vectors +
// lexical features, instant, no model file), see docs/embeddings.md. The OpenAI-compatible one
// calls a /v1/embeddings endpoint (OpenAI, Azure, Ollama, llama.cpp server, vLLM, TEI).
// Thread-safety: embed() may be called from several threads.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/http_client.h"
#include "util/status.h"

namespace memgpt::embed {

// The local embedders by name (endpoint type "local").
inline constexpr const char* kBuiltinEmbedderModel = "memgpt-builtin-384";
inline constexpr const char* kLocalEmbeddingModel = "all-minilm-l6-v2";
// Where scripts/setup.sh puts it, relative to a models folder (see local_embedding_model_dirs).
inline constexpr const char* kLocalEmbeddingModelFile = "all-minilm-l6-v2/all-minilm-l6-v2.gguf";

class Embedder {
 public:
  virtual ~Embedder() = default;
  virtual int dim() const = 0;
  virtual std::string model() const = 0;           // recorded with every source and agent
  virtual std::string endpoint_type() const = 0;   // "local", "openai", ...
  // One vector per input, each L2-normalised; all or nothing.
  virtual Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) = 0;
  // The most tokens of the model's own tokenizer one input may have (0: no known limit; a
  // longer input is truncated), and how many `text` has. Chunking splits what is longer.
  virtual size_t max_input_tokens() const { return 0; }
  virtual size_t count_tokens(std::string_view) const { return 0; }
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

// The in-process sentence-embedding model (config.model: kLocalEmbeddingModel or the path of a
// BERT .gguf file): 384 dimensions, at most 256 word pieces per input ([CLS]/[SEP] included),
// batched, on the free cores; the vectors of recent single-text calls (queries) are cached.
// One-line errors: not installed (with the fix), not a GGUF file, damaged or not BERT.
Result<std::unique_ptr<Embedder>> make_local_model_embedder(const EmbedderConfig& config);
// The folders searched for kLocalEmbeddingModelFile, in order: $MEMGPT_MODELS_DIR,
// <home>/models, the build's deps folder.
std::vector<std::string> local_embedding_model_dirs();
Result<std::string> resolve_local_embedding_model(const std::string& model);
// Whether kLocalEmbeddingModel's file is where the embedder looks (a new home's default);
// always false in a build without llama.cpp.
bool local_embedding_model_installed();

// endpoint_type "local": model kBuiltinEmbedderModel (or empty) is the built-in embedder, any
// other the in-process model; other types call the endpoint.
Result<std::unique_ptr<Embedder>> make_embedder(const EmbedderConfig& config,
                                                std::shared_ptr<HttpClient> http = nullptr);

// Where the built-in embedder's data file is looked for, in order.
std::vector<std::string> builtin_data_paths();

}  // namespace memgpt::embed
