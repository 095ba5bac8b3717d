// The configured parts, opened once for a command or a server: configuration and credentials,
// the metadata/recall database (SQLite file or PostgreSQL), archival storage (Milvus: embedded
// file or server) with its embedder, and the chat model of an agent. The CLI and the server
// both stand on this, so a setting means the same thing to each.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "embed/embedder.h"
#include "llm/llm_config.h"
#include "sources/passage_store.h"
#include "store/metadata_store.h"
#include "util/status.h"
#include "vector/vector_store.h"

namespace memgpt::runtime {

struct AppContext {
  MemgptConfig config;
  Credentials credentials;
  std::unique_ptr<store::MetadataStore> store;
  std::string user_id;  // the local user ([client] anon_clientid)
};

// Loads config + credentials (writing the default config when there is none), opens the
// metadata store (SQLite or PostgreSQL, as [metadata_storage] says) and ensures the local user
// exists (seeding built-in personas/humans once).
Result<AppContext> open_context();

// Archival storage as configured: the Milvus store (embedded file or server), the embedder and
// the passage collections on top.
struct Archival {
  std::unique_ptr<vector::VectorStore> store;
  std::unique_ptr<embed::Embedder> embedder;
  std::unique_ptr<sources::PassageStore> passages;
};
// How the archival store will be used: a bulk load leaves the vector index of what it writes to
// be built behind, by the next process (VectorStoreOptions::bulk_load).
enum class ArchivalUse { kInteractive, kBulkLoad };
Result<Archival> open_archival(const AppContext& ctx, ArchivalUse use = ArchivalUse::kInteractive);
embed::EmbedderConfig embedder_config(const MemgptConfig& config, const Credentials& creds);

// Only the configuration (no store): for commands that must not touch the database.
Result<MemgptConfig> load_config_or_default();

// The process's settings for every model it connects (the config file's [model] section).
struct ModelCallSettings {
  int timeout_seconds = 0;  // one model call ([model] timeout; 0 = the default, 120 s)
  int threads = 0;          // the in-process model's CPU threads ([model] threads; 0 = automatic)
};
ModelCallSettings model_call_settings(const MemgptConfig& config);
// The embedder `memgpt configure` and `quickstart` give a new home (local): the in-process model
// all-minilm-l6-v2 (with chunks it reads whole) when its file is installed, else the built-in
// embedder. Returns one line saying which, for the CLI to print. A home used without a config
// file keeps the built-in embedder (instant, no model file).
std::string choose_default_embedding(MemgptConfig& config);
// all-minilm-l6-v2 reads 254 word pieces: a config still at the general default chunk size (300
// cl100k tokens, about 285 pieces) gets 200 with it. Nothing changes for other embedders.
void fit_chunk_size_to_embedder(MemgptConfig& config);

// An agent's llm_config (as stored) with the key its backend needs from the credentials, and
// the process's settings for model calls.
llm::LlmConfig llm_config_of(const store::AgentLlmConfig& agent_llm_config, const Credentials& creds,
                             const ModelCallSettings& settings = {});
// Fails before anything is created when the model cannot be reached as configured (no key for
// api.openai.com, unknown backend, a local model that cannot load). When the model's real
// context window is smaller than the configured one (a local model's trained window), says so
// once per model and window on stderr.
Result<std::unique_ptr<llm::ChatModel>> connect_model(const store::AgentLlmConfig& agent_llm_config,
                                                      const Credentials& creds, const ModelCallSettings& settings = {});
// The same for a server: the keys go only to the operator's endpoints (model_endpoints.h); an
// agent whose endpoint is elsewhere connects without them. The call deadline is [model] timeout.
Result<std::unique_ptr<llm::ChatModel>> connect_model_with_operator_keys(const store::AgentLlmConfig& agent_llm_config,
                                                                         const MemgptConfig& config,
                                                                         const Credentials& creds);

// The text of a preset's system prompt (empty when the preset names an unknown prompt).
std::string system_prompt_for(const store::PresetRecord& preset);

}  // namespace memgpt::runtime
