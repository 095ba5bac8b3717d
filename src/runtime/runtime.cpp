#include "runtime/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "config/providers.h"
#include "runtime/model_endpoints.h"
#include "store/builtin_assets.h"
#include "util/files.h"
#include "util/sql.h"

namespace memgpt::runtime {

namespace {
constexpr int kDefaultChunkTokens = 300;
constexpr int kLocalModelChunkTokens = 200;
}  // namespace

void fit_chunk_size_to_embedder(MemgptConfig& config) {
  // Chunks the model reads whole: it stops at 254 word pieces, and on NQ's Wikipedia text one
  // cl100k token is 0.95 of them (bench/embed), so 300 tokens would be about 285.
  if (config.embedding_endpoint_type == "local" && config.embedding_model == embed::kLocalEmbeddingModel &&
      config.embedding_chunk_size == kDefaultChunkTokens) {
    config.embedding_chunk_size = kLocalModelChunkTokens;
  }
}

std::string choose_default_embedding(MemgptConfig& config) {
  config.embedding_endpoint_type = "local";
  config.embedding_endpoint.clear();
  config.embedding_dim = kBuiltinEmbeddingDim;  // both local embedders give 384 dimensions
  if (embed::local_embedding_model_installed()) {
    config.embedding_model = embed::kLocalEmbeddingModel;
    fit_chunk_size_to_embedder(config);
    return fmt::format("embeddings: {} (sentence-embedding model, in process)", embed::kLocalEmbeddingModel);
  }
  config.embedding_model = kBuiltinEmbeddingModel;
  return fmt::format("embeddings: {} (built-in; {} is not installed: run scripts/setup.sh)", kBuiltinEmbeddingModel,
                     embed::kLocalEmbeddingModel);
}

Result<MemgptConfig> load_config_or_default() {
  MEMGPT_ASSIGN_OR_RETURN(MemgptConfig config, MemgptConfig::load());
  if (!config.exists || config.anon_clientid.empty()) {
    Status s = config.save();
    if (!s.ok()) {
      return s.with_context(
          fmt::format("cannot write the configuration (is {} writable? set MEMGPT_HOME to "
                      "move it)",
                      display_path(memgpt_home())));
    }
  }
  return config;
}

embed::EmbedderConfig embedder_config(const MemgptConfig& config, const Credentials& creds) {
  embed::EmbedderConfig e;
  e.endpoint_type = config.embedding_endpoint_type;
  e.endpoint = config.embedding_endpoint;
  e.model = config.embedding_model;
  e.dim = config.embedding_dim;
  if (e.endpoint_type == "azure") e.api_key = creds.get("azure", "key");
  else if (e.endpoint_type == "openai") e.api_key = creds.openai_key();
  return e;
}

Result<Archival> open_archival(const AppContext& ctx, ArchivalUse use) {
  Archival a;
  if (ctx.config.archival_storage.type != "milvus") {
    return unimplemented(fmt::format("archival storage type '{}' is not available in this build (use milvus)",
                                     ctx.config.archival_storage.type));
  }
  vector::VectorStoreOptions vopt;
  vopt.token = ctx.credentials.milvus_token();
  vopt.bulk_load = use == ArchivalUse::kBulkLoad;
  MEMGPT_ASSIGN_OR_RETURN(a.store, vector::open_vector_store(ctx.config.archival_uri(), vopt));
  MEMGPT_ASSIGN_OR_RETURN(a.embedder, embed::make_embedder(embedder_config(ctx.config, ctx.credentials)));
  if (ctx.config.embedding_endpoint_type != "local" && ctx.config.embedding_dim != a.embedder->dim()) {
    return invalid_argument("embedding_dim does not match the embedder");
  }
  a.passages = std::make_unique<sources::PassageStore>(a.store.get(), a.embedder.get());
  if (ctx.config.archival_index_type() == "HNSW_SQ") a.passages->set_index(sources::PassageStore::Index::kHnswSq);
  return a;
}

namespace {

// Recall memory lives in the metadata database (one transaction per agent step covers both),
// so the two settings must name the same database.
Result<std::unique_ptr<store::MetadataStore>> open_metadata(const MemgptConfig& config) {
  const StorageConfig& meta = config.metadata_storage;
  const StorageConfig& recall = config.recall_storage;
  if (meta.type == "sqlite") {
    if (recall.type != "sqlite") {
      return invalid_argument(fmt::format(
          "recall storage '{}' with metadata storage 'sqlite': memgpt keeps recall and metadata in one "
          "database; set both [recall_storage] and [metadata_storage] to sqlite or to postgres",
          recall.type));
    }
    return store::MetadataStore::open_sqlite_file(config.sqlite_path());
  }
  if (meta.type == "postgres") {
    std::string uri = meta.uri.empty() ? recall.uri : meta.uri;
    if (recall.type != "postgres" || (!recall.uri.empty() && recall.uri != uri)) {
      return invalid_argument(
          "memgpt keeps recall and metadata in one database: with [metadata_storage] type = postgres, "
          "set [recall_storage] type = postgres with the same uri");
    }
    if (uri.empty()) {
      return invalid_argument("[metadata_storage] type = postgres needs a uri (postgresql://user:pass@host:5432/db)");
    }
    auto db = open_postgres(uri);
    if (!db.ok()) return db.status().with_context("cannot open the PostgreSQL metadata store");
    return store::MetadataStore::open(std::shared_ptr<SqlDatabase>(std::move(*db)));
  }
  return invalid_argument(fmt::format("metadata storage type '{}' is not known (use sqlite or postgres)", meta.type));
}

}  // namespace

Result<AppContext> open_context() {
  AppContext ctx;
  MEMGPT_ASSIGN_OR_RETURN(ctx.config, load_config_or_default());
  MEMGPT_ASSIGN_OR_RETURN(ctx.credentials, Credentials::load());
  MEMGPT_ASSIGN_OR_RETURN(ctx.store, open_metadata(ctx.config));
  ctx.user_id = ctx.config.anon_clientid;
  MEMGPT_RETURN_IF_ERROR(ctx.store->ensure_user(ctx.user_id).status());
  return ctx;
}

ModelCallSettings model_call_settings(const MemgptConfig& config) {
  return {config.model_timeout, config.model_threads};
}

llm::LlmConfig llm_config_of(const store::AgentLlmConfig& c, const Credentials& creds,
                             const ModelCallSettings& settings) {
  llm::LlmConfig l;
  if (settings.timeout_seconds > 0) l.timeout_ms = static_cast<int>(std::min(settings.timeout_seconds, 86400) * 1000);
  l.threads = settings.threads;
  l.model = c.model;
  l.model_endpoint = c.model_endpoint;
  l.model_endpoint_type = c.model_endpoint_type;
  l.model_wrapper = c.model_wrapper;
  l.context_window = c.context_window;
  // Each provider's key is in its credentials section; unknown types try the OpenAI key.
  const Provider* provider = find_provider(c.model_endpoint_type);
  std::string section = provider ? std::string(provider->credential_section) : "openai";
  l.api_key = creds.get(section, "key");
  if (section == "azure") {
    l.api_version = creds.get("azure", "version");
    if (l.model_endpoint.empty()) l.model_endpoint = creds.get("azure", "endpoint");
  }
  return l;
}

namespace {

// A window larger than the model's trained one is clamped by the model: the user hears it once
// (per model and window) and the agent budgets with the real window (agent::Agent).
void warn_if_window_clamped(const llm::LlmConfig& cfg, const llm::ChatModel& model) {
  const int real = model.context_window();
  if (real <= 0 || real >= cfg.context_window) return;
  static std::mutex mu;
  static std::set<std::string> warned;
  std::lock_guard lock(mu);
  if (!warned.insert(fmt::format("{}\n{}", cfg.model, cfg.context_window)).second) return;
  fmt::print(stderr, "memgpt: warning: the context window {} is larger than {} was trained for: using {} tokens\n",
             cfg.context_window, cfg.model, real);
}

Result<std::unique_ptr<llm::ChatModel>> connect(const llm::LlmConfig& cfg) {
  if (cfg.model_endpoint_type == "openai" && cfg.api_key.empty() &&
      normalized_endpoint(cfg.model_endpoint) == normalized_endpoint(official_endpoint("openai", Credentials{}))) {
    return failed_precondition(
        "no OpenAI API key: set OPENAI_API_KEY or run `memgpt configure --openai-key KEY` (or point "
        "memgpt at another LLM with `memgpt configure --llm-provider ... --model-endpoint ...`)");
  }
  auto model = llm::make_chat_model(cfg);
  if (model.ok()) warn_if_window_clamped(cfg, **model);
  return model;
}

}  // namespace

Result<std::unique_ptr<llm::ChatModel>> connect_model(const store::AgentLlmConfig& agent_llm_config,
                                                      const Credentials& creds, const ModelCallSettings& settings) {
  return connect(llm_config_of(agent_llm_config, creds, settings));
}

Result<std::unique_ptr<llm::ChatModel>> connect_model_with_operator_keys(const store::AgentLlmConfig& agent_llm_config,
                                                                         const MemgptConfig& config,
                                                                         const Credentials& creds) {
  llm::LlmConfig cfg = llm_config_of(agent_llm_config, creds, model_call_settings(config));
  if (!is_operator_endpoint(config, creds, cfg.model_endpoint_type, cfg.model_endpoint)) {
    cfg.api_key.clear();
    cfg.api_version.clear();
  }
  return connect(cfg);
}

std::string system_prompt_for(const store::PresetRecord& preset) {
  auto text = builtin_asset("system/" + preset.system_name + ".txt");
  return text ? std::string(*text) : std::string();
}

}  // namespace memgpt::runtime
