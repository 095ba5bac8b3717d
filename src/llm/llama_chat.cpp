#include "llm/llama_chat.h"

#include <fmt/format.h>
#include <llama.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "llm/call_stream.h"
#include "llm/function_grammar.h"
#include "llm/llama_memory.h"
#include "llm/llama_models.h"
#include "llm/llama_runtime.h"
#include "llm/prompt_wrapper.h"
#include "util/files.h"
#include "util/utf8.h"

#ifndef MEMGPT_PACKAGED_MODELS_DIR
#define MEMGPT_PACKAGED_MODELS_DIR ""
#endif

namespace memgpt::llm {
namespace {

constexpr const char* kPackagedModelFile = "SmolLM2-135M-Instruct.Q4_1.gguf";
// A MemGPT answer (inner thoughts and one call) is far shorter; small models that ramble would
// otherwise spend minutes on one reply at CPU speed.
constexpr int kDefaultMaxTokens = 256;
constexpr uint32_t kSeed = 1234;  // reproducible runs; the temperature still applies
constexpr int kDefaultWindow = 8192;
constexpr int kBatch = 512;

struct SamplerDeleter {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// One prompt ready for the model, and how to read its completion back.
struct Rendered {
  std::string text;
  bool expects_function_call = false;
  Json tools = Json::array();
  std::optional<WrappedPrompt> wrapped;  // set when the prompt wrapper laid it out
};

class LlamaChatModelImpl final : public LlamaChatModel {
 public:
  LlamaChatModelImpl(LlmConfig config, std::shared_ptr<const LoadedModel> model, llama_context_params cparams,
                     std::unique_ptr<PromptWrapper> wrapper, int threads)
      : config_(std::move(config)),
        model_(std::move(model)),
        cparams_(cparams),
        vocab_(llama_model_get_vocab(model_->get())),
        wrapper_(std::move(wrapper)),
        threads_(threads) {
    const char* tmpl = llama_model_chat_template(model_->get(), nullptr);
    if (tmpl != nullptr) template_ = tmpl;
  }

  std::string model_name() const override { return config_.model; }
  std::string endpoint_type() const override { return "local"; }
  int context_window() const override { return static_cast<int>(cparams_.n_ctx); }
  int threads() const override { return threads_; }
  LocalCallStats last_call_stats() const override {
    std::lock_guard lock(mu_);
    return stats_;
  }
  void set_switches(LocalModelSwitches switches) override {
    std::lock_guard lock(mu_);
    switches_ = switches;
  }

  Result<ChatResponse> complete(const ChatRequest& request) override {
    std::lock_guard lock(mu_);
    cancel_ = request.cancel;
    struct ClearCancel {
      std::atomic<const std::atomic<bool>*>& c;
      ~ClearCancel() { c = nullptr; }
    } clear{cancel_};

    MEMGPT_RETURN_IF_ERROR(ensure_context());
    Rendered prompt = render(request);
    std::vector<llama_token> tokens = tokenize(prompt.text);
    const int64_t n_ctx = llama_n_ctx(ctx_.get());
    if (static_cast<int64_t>(tokens.size()) >= n_ctx) {
      return llm_failure(ErrorCode::kResourceExhausted,
                         fmt::format("the prompt ({} tokens) is too long for the local model's context window "
                                     "({} tokens)",
                                     tokens.size(), n_ctx),
                         LlmError::kContextWindowExceeded);
    }
    LocalCallStats stats;
    stats.prompt_tokens = static_cast<int64_t>(tokens.size());
    using Clock = std::chrono::steady_clock;
    auto ms_since = [](Clock::time_point t) {
      return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
    };
    auto started = Clock::now();
    MEMGPT_ASSIGN_OR_RETURN(stats.evaluated_tokens, evaluate(tokens));
    stats.evaluate_ms = ms_since(started);
    started = Clock::now();

    MEMGPT_ASSIGN_OR_RETURN(SamplerPtr sampler, make_sampler(prompt, request));
    const int max_tokens = request.max_tokens.value_or(kDefaultMaxTokens);
    std::optional<FunctionCallStream> stream;
    if (request.on_delta) stream.emplace(prompt.expects_function_call, request.on_delta);
    std::string text;
    std::string finish = "stop";
    for (int i = 0;; ++i) {
      if (cancelled()) return Status(ErrorCode::kCancelled, "the local model was interrupted");
      if (i >= max_tokens || static_cast<int64_t>(cached_.size()) >= n_ctx) {
        finish = "length";
        break;
      }
      llama_token token = llama_sampler_sample(sampler.get(), ctx_.get(), -1);
      if (llama_vocab_is_eog(vocab_, token)) break;
      std::string said = piece(token);
      text += said;
      if (stream) stream->feed(said);
      ++stats.generated_tokens;
      MEMGPT_RETURN_IF_ERROR(decode(&token, 1));
    }
    stats.generate_ms = ms_since(started);
    stats_ = stats;
    // A token is a few bytes of a character: a reply cut at the token limit can end inside one
    // (and a model can emit stray byte tokens). The text goes on as valid UTF-8.
    text.resize(utf8_complete_prefix(text));
    text = to_valid_utf8(text);

    ChatResponse out;
    out.model = config_.model;
    if (prompt.wrapped) {
      out.message = wrapper_->parse(text, *prompt.wrapped);
    } else if (prompt.expects_function_call) {
      out.message = parse_function_call_output(text, "");
    } else {
      out.message.role = "assistant";
      out.message.content = text;
    }
    out.finish_reason = finish == "length" ? finish : (out.message.tool_calls.empty() ? "stop" : "tool_calls");
    out.usage.prompt_tokens = stats.prompt_tokens;
    out.usage.completion_tokens = stats.generated_tokens;
    out.usage.total_tokens = stats.prompt_tokens + stats.generated_tokens;
    return out;
  }

 private:
  static bool should_abort(void* self) {
    return static_cast<LlamaChatModelImpl*>(self)->cancelled();
  }

  // The context is made at the first call, so an agent opened only to be read (or to check its
  // model) costs no KV cache.
  Status ensure_context() {
    if (ctx_) return Status::ok_status();
    take_llama_log_error();
    ctx_ = new_context(*model_, cparams_);
    if (!ctx_) {
      std::string why = take_llama_log_error();
      // Out of memory, not a conversation too long: summarising would not help.
      return Status(ErrorCode::kResourceExhausted,
                    fmt::format("the local model cannot create a context of {} tokens{}{}: use a smaller "
                                "--context-window",
                                cparams_.n_ctx, why.empty() ? "" : ": ", why));
    }
    llama_set_abort_callback(ctx_.get(), &LlamaChatModelImpl::should_abort, this);
    return Status::ok_status();
  }

  bool cancelled() const {
    const std::atomic<bool>* c = cancel_.load();
    return c != nullptr && c->load();
  }

  // The function protocol in the GGUF's own chat template; the prompt wrapper when llama.cpp
  // does not know the template (or the GGUF has none).
  Rendered render(const ChatRequest& request) const {
    Rendered out;
    if (!template_.empty()) {
      ProtocolTurns turns = protocol_turns(request);
      std::vector<llama_chat_message> messages;
      messages.reserve(turns.turns.size());
      for (const auto& t : turns.turns) messages.push_back({t.role.c_str(), t.content.c_str()});
      size_t length = 0;
      for (const auto& t : turns.turns) length += t.content.size() + 64;
      std::vector<char> buf(2 * length + 256);
      int32_t n = llama_chat_apply_template(template_.c_str(), messages.data(), messages.size(), true, buf.data(),
                                            static_cast<int32_t>(buf.size()));
      if (n > static_cast<int32_t>(buf.size())) {
        buf.resize(static_cast<size_t>(n));
        n = llama_chat_apply_template(template_.c_str(), messages.data(), messages.size(), true, buf.data(),
                                      static_cast<int32_t>(buf.size()));
      }
      if (n >= 0) {
        out.text.assign(buf.data(), static_cast<size_t>(n));
        out.expects_function_call = turns.expects_function_call;
        out.tools = std::move(turns.tools);
        return out;
      }
    }
    // Constrained output starts at the opening brace: no answer prefix.
    WrappedPrompt wrapped = wrapper_->render(request, false);
    out.text = wrapped.prompt;
    out.expects_function_call = wrapped.expects_function_call;
    out.tools = wrapped.tools;
    out.wrapped = std::move(wrapped);
    return out;
  }

  std::vector<llama_token> tokenize(const std::string& text) const {
    const auto length = static_cast<int32_t>(text.size());
    std::vector<llama_token> tokens(text.size() + 8);
    int32_t n = llama_tokenize(vocab_, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()),
                               /*add_special=*/true, /*parse_special=*/true);
    if (n < 0) {
      tokens.resize(static_cast<size_t>(-n));
      n = llama_tokenize(vocab_, text.data(), length, tokens.data(), static_cast<int32_t>(tokens.size()), true, true);
    }
    tokens.resize(static_cast<size_t>(std::max(n, 0)));
    // Templates that write the BOS themselves would otherwise get two.
    llama_token bos = llama_vocab_bos(vocab_);
    if (tokens.size() >= 2 && tokens[0] == bos && tokens[1] == bos) tokens.erase(tokens.begin());
    return tokens;
  }

  std::string piece(llama_token token) const {
    char buf[256];
    int32_t n = llama_token_to_piece(vocab_, token, buf, sizeof(buf), 0, /*special=*/false);
    if (n < 0) {
      std::string big(static_cast<size_t>(-n), '\0');
      n = llama_token_to_piece(vocab_, token, big.data(), static_cast<int32_t>(big.size()), 0, false);
      return big.substr(0, static_cast<size_t>(std::max(n, 0)));
    }
    return std::string(buf, static_cast<size_t>(n));
  }

  // Brings the KV cache to `tokens`: keeps the prefix it shares with the cached tokens and
  // evaluates the rest. Returns how many tokens were evaluated.
  Result<int64_t> evaluate(const std::vector<llama_token>& tokens) {
    size_t common = 0;
    while (switches_.reuse_prefix && common < cached_.size() && common < tokens.size() && cached_[common] == tokens[common]) ++common;
    // The last prompt token is evaluated again for its logits.
    if (common == tokens.size() && common > 0) --common;
    llama_memory_t memory = llama_get_memory(ctx_.get());
    if (!llama_memory_seq_rm(memory, 0, static_cast<llama_pos>(common), -1)) {
      // Some caches (e.g. sliding-window ones) cannot drop a suffix: start over.
      llama_memory_clear(memory, true);
      common = 0;
    }
    cached_.resize(common);
    const size_t batch = llama_n_batch(ctx_.get());
    for (size_t i = common; i < tokens.size(); i += batch) {
      if (cancelled()) return Status(ErrorCode::kCancelled, "the local model was interrupted");
      size_t n = std::min(batch, tokens.size() - i);
      MEMGPT_RETURN_IF_ERROR(decode(tokens.data() + i, n));
    }
    return static_cast<int64_t>(tokens.size() - common);
  }

  Status decode(const llama_token* tokens, size_t n) {
    llama_batch batch = llama_batch_get_one(const_cast<llama_token*>(tokens), static_cast<int32_t>(n));
    int32_t rc = llama_decode(ctx_.get(), batch);
    if (rc == 0) {
      cached_.insert(cached_.end(), tokens, tokens + n);
      return Status::ok_status();
    }
    llama_memory_t memory = llama_get_memory(ctx_.get());
    if (rc == 2) {
      // Interrupted: llama.cpp drops the positions of the batch it was evaluating; drop any
      // other part of it too, so the cache holds exactly `cached_` and the next call reuses it.
      if (!llama_memory_seq_rm(memory, 0, static_cast<llama_pos>(cached_.size()), -1)) {
        llama_memory_clear(memory, true);
        cached_.clear();
      }
      return Status(ErrorCode::kCancelled, "the local model was interrupted");
    }
    // What the cache holds after a failed decode is not known: forget it.
    llama_memory_clear(memory, true);
    cached_.clear();
    if (cancelled()) return Status(ErrorCode::kCancelled, "the local model was interrupted");
    if (rc == 1) {
      return llm_failure(ErrorCode::kResourceExhausted, "the prompt does not fit the local model's context window",
                         LlmError::kContextWindowExceeded);
    }
    return llm_failure(ErrorCode::kInternal, fmt::format("the local model failed to evaluate the prompt ({})", rc),
                       LlmError::kBadResponse);
  }

  Result<SamplerPtr> make_sampler(const Rendered& prompt, const ChatRequest& request) const {
    SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
    if (prompt.expects_function_call && switches_.grammar) {
      std::string gbnf = function_call_gbnf(prompt.tools);
      llama_sampler* grammar = llama_sampler_init_grammar(vocab_, gbnf.c_str(), "root");
      if (grammar == nullptr) {
        return internal_error(fmt::format("llama.cpp rejected the function-call grammar: {}", take_llama_log_error()));
      }
      llama_sampler_chain_add(chain.get(), grammar);
    }
    double temperature = request.temperature.value_or(0.7);
    if (temperature <= 0) {
      llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
    } else {
      llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(40));
      llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(static_cast<float>(temperature)));
      llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(kSeed));
    }
    return chain;
  }

  LlmConfig config_;
  std::shared_ptr<const LoadedModel> model_;  // shared with the other models of the same file
  llama_context_params cparams_;
  const llama_vocab* vocab_;
  std::unique_ptr<PromptWrapper> wrapper_;
  int threads_;
  std::string template_;

  mutable std::mutex mu_;
  ContextPtr ctx_;  // made by the first call
  std::atomic<const std::atomic<bool>*> cancel_{nullptr};
  std::vector<llama_token> cached_;  // what the KV cache holds for sequence 0
  LocalCallStats stats_;
  LocalModelSwitches switches_;
};

}  // namespace

LlamaChatModel::~LlamaChatModel() = default;

Result<std::string> resolve_local_model(const std::string& model) {
  if (!model.empty() && model != kPackagedLocalModel) {
    std::string path = expand_user(model);
    if (!path_exists(path)) {
      return llm_failure(ErrorCode::kNotFound,
                         fmt::format("no GGUF model file at {}: give the path of a .gguf file or '{}' "
                                     "(`memgpt configure --llm-provider local --model PATH_OR_NAME`)",
                                     model, kPackagedLocalModel),
                         LlmError::kModelNotFound);
    }
    return path;
  }
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("MEMGPT_MODELS_DIR")) dirs.emplace_back(env);
  dirs.push_back(memgpt_home() + "/models");
  if (std::strlen(MEMGPT_PACKAGED_MODELS_DIR) > 0) dirs.emplace_back(MEMGPT_PACKAGED_MODELS_DIR);
  for (const auto& dir : dirs) {
    std::string path = dir + "/" + kPackagedModelFile;
    if (path_exists(path)) return path;
  }
  return llm_failure(ErrorCode::kNotFound,
                     fmt::format("the packaged model {} is not installed: run scripts/setup.sh, or copy the file "
                                 "to {}/models",
                                 kPackagedModelFile, display_path(memgpt_home())),
                     LlmError::kModelNotFound);
}

Result<std::unique_ptr<LlamaChatModel>> make_llama_chat_model(const LlmConfig& config,
                                                              const LocalModelOptions& options) {
  MEMGPT_ASSIGN_OR_RETURN(std::string path, resolve_local_model(config.model));
  if (!is_gguf_file(path)) {
    return llm_failure(ErrorCode::kInvalidArgument,
                       fmt::format("{} is not a GGUF model file (it does not start with 'GGUF')", path),
                       LlmError::kModelNotFound);
  }
  MEMGPT_ASSIGN_OR_RETURN(auto wrapper, make_prompt_wrapper(config.model_wrapper));
  init_llama_runtime();
  // The header first: the trained window and what the context will cost, before any weights.
  auto facts = read_gguf_facts(path);
  if (!facts.ok()) return llm_failure(ErrorCode::kInvalidArgument, facts.status().message(), LlmError::kModelNotFound);
  int window = config.context_window > 0 ? config.context_window : kDefaultWindow;
  // Longer than trained only degrades: the runtime warns when this clamps (context_window()).
  if (facts->context_length > 0) window = static_cast<int>(std::min<int64_t>(window, facts->context_length));
  std::error_code ec;
  const uint64_t file_bytes = is_model_loaded(path) ? 0 : std::filesystem::file_size(path, ec);
  MemoryNeed need = estimate_memory(*facts, ec ? 0 : file_bytes, window, kBatch);
  std::optional<uint64_t> available = options.available_memory ? options.available_memory() : available_memory();
  if (available) {
    Status enough = check_memory(need, *available, window);
    // Not an overflow of the conversation (summarising would not help): no LLM error class.
    if (!enough.ok()) return enough;
  }
  MEMGPT_ASSIGN_OR_RETURN(auto model, acquire_model(path));
  const int threads = local_model_threads(config.threads);
  llama_context_params cparams = llama_context_default_params();
  cparams.n_ctx = static_cast<uint32_t>(window);
  cparams.n_batch = kBatch;
  cparams.n_threads = threads;
  cparams.n_threads_batch = threads;
  cparams.no_perf = true;
  return std::unique_ptr<LlamaChatModel>(
      std::make_unique<LlamaChatModelImpl>(config, std::move(model), cparams, std::move(wrapper), threads));
}

}  // namespace memgpt::llm
