// The in-process sentence-embedding model: a BERT GGUF run by llama.cpp (non-causal, mean
// pooling), tokenised by our own WordPiece (embed/wordpiece.h) so that the ids are exactly the
// reference tokenizer's, then L2-normalised.
#include <fmt/format.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <list>
#include <mutex>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "embed/embedder.h"
#include "embed/wordpiece.h"
#include "llm/llama_runtime.h"
#include "util/files.h"

#ifndef MEMGPT_PACKAGED_MODELS_DIR
#define MEMGPT_PACKAGED_MODELS_DIR ""
#endif

namespace memgpt::embed {
namespace {

// One llama_decode: at most this many tokens (attention spans the whole batch, so a bigger
// batch costs more than it saves) and sequences.
constexpr int kBatchTokens = 1024;
constexpr int kBatchSequences = 64;
constexpr size_t kQueryCacheEntries = 512;

struct ModelDeleter {
  void operator()(llama_model* m) const { llama_model_free(m); }
};
struct ContextDeleter {
  void operator()(llama_context* c) const { llama_free(c); }
};
using ModelPtr = std::unique_ptr<llama_model, ModelDeleter>;
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

struct BatchDeleter {
  void operator()(llama_batch* b) const {
    llama_batch_free(*b);
    delete b;
  }
};

std::string meta(const llama_model* model, const char* key) {
  char buf[256];
  int n = llama_model_meta_val_str(model, key, buf, sizeof buf);
  return n < 0 ? std::string() : std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

// Cores not busy with other work (1-minute load average), at least one: more llama.cpp threads
// than free cores spin against each other.
int free_cores() {
  for (const char* name : {"MEMGPT_EMBED_THREADS", "MEMGPT_LLM_THREADS"}) {
    if (const char* env = std::getenv(name)) {
      int n = std::atoi(env);
      if (n > 0) return n;
    }
  }
  int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  double load = 0;
  if (std::ifstream in("/proc/loadavg"); in >> load) {
    return std::clamp(cores - static_cast<int>(std::lround(load)), 1, cores);
  }
  return cores;
}

// The vocabulary back in vocab.txt spelling: the GGUF stores word starts as "\u2581word" and
// continuations without their "##" (llama.cpp's convention); control tokens as they are.
std::vector<std::string> wordpiece_vocab(const llama_vocab* vocab) {
  const std::string kPhantom = "\xe2\x96\x81";
  const int n = llama_vocab_n_tokens(vocab);
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::string text = llama_vocab_get_text(vocab, i);
    if (llama_vocab_get_attr(vocab, i) & LLAMA_TOKEN_ATTR_CONTROL) {
      out.push_back(std::move(text));
    } else if (text.rfind(kPhantom, 0) == 0) {
      out.push_back(text.substr(kPhantom.size()));
    } else {
      out.push_back("##" + text);
    }
  }
  return out;
}

class LocalModelEmbedder final : public Embedder {
 public:
  LocalModelEmbedder(std::string name, ModelPtr model, ContextPtr ctx, WordPieceTokenizer tokenizer,
                     size_t max_ids, int threads)
      : name_(std::move(name)),
        model_(std::move(model)),
        ctx_(std::move(ctx)),
        tokenizer_(std::move(tokenizer)),
        max_ids_(max_ids),
        dim_(llama_model_n_embd(model_.get())),
        threads_(threads),
        batch_(new llama_batch(llama_batch_init(kBatchTokens, 0, 1))) {}

  int dim() const override { return dim_; }
  std::string model() const override { return name_; }
  std::string endpoint_type() const override { return "local"; }
  size_t max_input_tokens() const override { return max_ids_ - 2; }
  size_t count_tokens(std::string_view text) const override { return tokenizer_.count_pieces(text); }
  int threads() const { return threads_; }

  Result<std::vector<std::vector<float>>> embed(std::span<const std::string> texts) override {
    std::vector<std::vector<float>> out(texts.size());
    std::vector<size_t> todo;
    {
      std::lock_guard lock(cache_mu_);
      for (size_t i = 0; i < texts.size(); ++i) {
        if (!cache_lookup(texts[i], out[i])) todo.push_back(i);
      }
    }
    if (todo.empty()) return out;

    std::vector<std::vector<int32_t>> ids(texts.size());
    for (size_t i : todo) ids[i] = tokenizer_.encode(texts[i], max_ids_);
    // Similar lengths together; the batches stay full.
    std::stable_sort(todo.begin(), todo.end(), [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });
    {
      std::lock_guard lock(mu_);
      size_t at = 0;
      while (at < todo.size()) {
        size_t end = at, tokens = 0;
        while (end < todo.size() && end - at < static_cast<size_t>(kBatchSequences) &&
               tokens + ids[todo[end]].size() <= static_cast<size_t>(kBatchTokens)) {
          tokens += ids[todo[end]].size();
          ++end;
        }
        MEMGPT_RETURN_IF_ERROR(run_batch(std::span<const size_t>(todo.data() + at, end - at), ids, out));
        at = end;
      }
    }
    if (texts.size() == 1) {  // a query: the same one is often asked again
      std::lock_guard lock(cache_mu_);
      cache_insert(texts[0], out[0]);
    }
    return out;
  }

 private:
  Status run_batch(std::span<const size_t> which, const std::vector<std::vector<int32_t>>& ids,
                   std::vector<std::vector<float>>& out) {
    llama_batch& b = *batch_;
    b.n_tokens = 0;
    for (size_t s = 0; s < which.size(); ++s) {
      const auto& seq = ids[which[s]];
      for (size_t p = 0; p < seq.size(); ++p) {
        const int k = b.n_tokens++;
        b.token[k] = seq[p];
        b.pos[k] = static_cast<llama_pos>(p);
        b.n_seq_id[k] = 1;
        b.seq_id[k][0] = static_cast<llama_seq_id>(s);
        b.logits[k] = p + 1 == seq.size();
      }
    }
    if (llama_memory_t mem = llama_get_memory(ctx_.get())) llama_memory_clear(mem, true);
    if (int rc = llama_decode(ctx_.get(), b); rc != 0) {
      std::string why = llm::take_llama_log_error();
      return internal_error(fmt::format("the embedding model {} failed on a batch (llama.cpp code {}{}{})",
                                                      name_, rc, why.empty() ? "" : ": ", why));
    }
    for (size_t s = 0; s < which.size(); ++s) {
      const float* v = llama_get_embeddings_seq(ctx_.get(), static_cast<llama_seq_id>(s));
      if (v == nullptr) return internal_error("the embedding model returned no pooled vector");
      double norm = 0;
      for (int d = 0; d < dim_; ++d) norm += static_cast<double>(v[d]) * v[d];
      norm = std::max(std::sqrt(norm), 1e-12);
      auto& dst = out[which[s]];
      dst.resize(static_cast<size_t>(dim_));
      for (int d = 0; d < dim_; ++d) dst[static_cast<size_t>(d)] = static_cast<float>(v[d] / norm);
    }
    return {};
  }

  bool cache_lookup(const std::string& text, std::vector<float>& out) {
    auto it = cache_index_.find(text);
    if (it == cache_index_.end()) return false;
    cache_.splice(cache_.begin(), cache_, it->second);
    out = it->second->second;
    return true;
  }

  void cache_insert(const std::string& text, const std::vector<float>& v) {
    if (cache_index_.count(text)) return;
    cache_.emplace_front(text, v);
    cache_index_[text] = cache_.begin();
    if (cache_.size() > kQueryCacheEntries) {
      cache_index_.erase(cache_.back().first);
      cache_.pop_back();
    }
  }

  const std::string name_;
  ModelPtr model_;
  ContextPtr ctx_;
  const WordPieceTokenizer tokenizer_;
  const size_t max_ids_;
  const int dim_;
  const int threads_;
  std::unique_ptr<llama_batch, BatchDeleter> batch_;
  std::mutex mu_;  // one decode at a time on the context

  using Entry = std::pair<std::string, std::vector<float>>;
  std::mutex cache_mu_;
  std::list<Entry> cache_;
  std::unordered_map<std::string, std::list<Entry>::iterator> cache_index_;
};

}  // namespace

std::vector<std::string> local_embedding_model_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("MEMGPT_MODELS_DIR"); env && *env) dirs.emplace_back(env);
  dirs.push_back(memgpt_home() + "/models");
  if (std::strlen(MEMGPT_PACKAGED_MODELS_DIR) > 0) dirs.emplace_back(MEMGPT_PACKAGED_MODELS_DIR);
  return dirs;
}

Result<std::string> resolve_local_embedding_model(const std::string& model) {
  if (model != kLocalEmbeddingModel) {
    std::string path = expand_user(model);
    if (model.size() > 5 && model.ends_with(".gguf") && path_exists(path)) return path;
    return not_found(fmt::format("unknown local embedding model '{}': use '{}', '{}' or the path of a BERT .gguf file",
                                 model, kLocalEmbeddingModel, kBuiltinEmbedderModel));
  }
  for (const auto& dir : local_embedding_model_dirs()) {
    std::string path = dir + "/" + kLocalEmbeddingModelFile;
    if (path_exists(path)) return path;
  }
  return not_found(fmt::format("the embedding model {} is not installed: run scripts/setup.sh, or copy {} to {}/models/",
                               kLocalEmbeddingModel, kLocalEmbeddingModelFile, display_path(memgpt_home())));
}

bool local_embedding_model_installed() { return resolve_local_embedding_model(kLocalEmbeddingModel).ok(); }

namespace {

Result<ModelPtr> load_model(const std::string& path, bool vocab_only) {
  if (!llm::is_gguf_file(path)) {
    return invalid_argument(fmt::format("{} is not a GGUF model file (it does not start with 'GGUF'): run "
                                        "scripts/setup.sh again",
                                        display_path(path)));
  }
  llm::init_llama_runtime();
  llm::take_llama_log_error();
  llama_model_params mparams = llama_model_default_params();
  mparams.n_gpu_layers = 0;
  mparams.vocab_only = vocab_only;
  ModelPtr model(llama_model_load_from_file(path.c_str(), mparams));
  if (!model) {
    std::string why = llm::take_llama_log_error();
    return invalid_argument(fmt::format("{}: llama.cpp cannot load this embedding model (damaged file?{}{}); run "
                                        "scripts/setup.sh again",
                                        display_path(path), why.empty() ? "" : " ", why));
  }
  if (std::string arch = meta(model.get(), "general.architecture"); arch != "bert") {
    return invalid_argument(fmt::format("{} is a '{}' model, not a BERT sentence-embedding model", display_path(path),
                                        arch));
  }
  return model;
}

}  // namespace

Result<WordPieceTokenizer> load_local_model_tokenizer(const std::string& model) {
  MEMGPT_ASSIGN_OR_RETURN(std::string path, resolve_local_embedding_model(model));
  MEMGPT_ASSIGN_OR_RETURN(ModelPtr m, load_model(path, /*vocab_only=*/true));
  return WordPieceTokenizer::create(wordpiece_vocab(llama_model_get_vocab(m.get())));
}

Result<std::unique_ptr<Embedder>> make_local_model_embedder(const EmbedderConfig& config) {
  MEMGPT_ASSIGN_OR_RETURN(std::string path, resolve_local_embedding_model(config.model));
  MEMGPT_ASSIGN_OR_RETURN(ModelPtr model, load_model(path, /*vocab_only=*/false));
  size_t max_ids = static_cast<size_t>(std::max(0, llama_model_n_ctx_train(model.get())));
  if (std::string limit = meta(model.get(), "sentence_transformers.max_seq_length"); !limit.empty()) {
    max_ids = std::min(max_ids, static_cast<size_t>(std::strtoul(limit.c_str(), nullptr, 10)));
  }
  max_ids = std::clamp<size_t>(max_ids, 8, kBatchTokens);
  MEMGPT_ASSIGN_OR_RETURN(auto tokenizer,
                          WordPieceTokenizer::create(wordpiece_vocab(llama_model_get_vocab(model.get()))));

  const int threads = free_cores();
  llama_context_params cparams = llama_context_default_params();
  cparams.embeddings = true;
  cparams.pooling_type = LLAMA_POOLING_TYPE_MEAN;
  cparams.n_ctx = kBatchTokens;
  cparams.n_batch = kBatchTokens;
  cparams.n_ubatch = kBatchTokens;  // a non-causal model sees each sequence whole in one ubatch
  cparams.n_seq_max = kBatchSequences;
  cparams.n_threads = threads;
  cparams.n_threads_batch = threads;
  cparams.no_perf = true;
  ContextPtr ctx(llama_init_from_model(model.get(), cparams));
  if (!ctx) {
    std::string why = llm::take_llama_log_error();
    return Status(ErrorCode::kResourceExhausted,
                  fmt::format("cannot set up the embedding model {}{}{}", config.model, why.empty() ? "" : ": ", why));
  }
  return std::unique_ptr<Embedder>(new LocalModelEmbedder(config.model, std::move(model), std::move(ctx),
                                                          std::move(tokenizer), max_ids, threads));
}

}  // namespace memgpt::embed
