// What most commands need: the configuration, the credentials, and the metadata store opened
// for the local user (config [client] anon_clientid). Opening creates a default config the
// first time, as MemGPT did, so `memgpt list personas` works on a fresh machine.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "embed/embedder.h"
#include "sources/passage_store.h"
#include "vector/vector_store.h"
#include "store/metadata_store.h"
#include "util/status.h"

namespace memgpt::cli {

struct AppContext {
  MemgptConfig config;
  Credentials credentials;
  std::unique_ptr<store::MetadataStore> store;
  std::string user_id;
};

// Loads config + credentials (writing the default config when there is none), opens the
// metadata store and ensures the user exists (seeding built-in personas/humans once).
Result<AppContext> open_context();

// Archival storage as configured: the Milvus store (embedded file or server), the embedder and
// the passage collections on top.
struct Archival {
  std::unique_ptr<vector::VectorStore> store;
  std::unique_ptr<embed::Embedder> embedder;
  std::unique_ptr<sources::PassageStore> passages;
};
Result<Archival> open_archival(const AppContext& ctx);
embed::EmbedderConfig embedder_config(const MemgptConfig& config, const Credentials& creds);

// Only the configuration (no store): for commands that must not touch the database.
Result<MemgptConfig> load_config_or_default();

}  // namespace memgpt::cli
