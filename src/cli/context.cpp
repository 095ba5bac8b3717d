#include "cli/context.h"

#include <fmt/format.h>

#include "util/files.h"

namespace memgpt::cli {

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

Result<Archival> open_archival(const AppContext& ctx) {
  Archival a;
  if (ctx.config.archival_storage.type != "milvus") {
    return unimplemented(fmt::format("archival storage type '{}' is not available in this build (use milvus)",
                                     ctx.config.archival_storage.type));
  }
  vector::VectorStoreOptions vopt;
  vopt.token = ctx.credentials.milvus_token();
  MEMGPT_ASSIGN_OR_RETURN(a.store, vector::open_vector_store(ctx.config.archival_uri(), vopt));
  MEMGPT_ASSIGN_OR_RETURN(a.embedder, embed::make_embedder(embedder_config(ctx.config, ctx.credentials)));
  if (ctx.config.embedding_endpoint_type != "local" && ctx.config.embedding_dim != a.embedder->dim()) {
    return invalid_argument("embedding_dim does not match the embedder");
  }
  a.passages = std::make_unique<sources::PassageStore>(a.store.get(), a.embedder.get());
  return a;
}

Result<AppContext> open_context() {
  AppContext ctx;
  MEMGPT_ASSIGN_OR_RETURN(ctx.config, load_config_or_default());
  MEMGPT_ASSIGN_OR_RETURN(ctx.credentials, Credentials::load());
  if (ctx.config.metadata_storage.type != "sqlite") {
    return unimplemented(fmt::format(
        "metadata storage type '{}' is not available in this build yet (use sqlite)",
        ctx.config.metadata_storage.type));
  }
  MEMGPT_ASSIGN_OR_RETURN(ctx.store,
                          store::MetadataStore::open_sqlite_file(ctx.config.sqlite_path()));
  ctx.user_id = ctx.config.anon_clientid;
  MEMGPT_RETURN_IF_ERROR(ctx.store->ensure_user(ctx.user_id).status());
  return ctx;
}

}  // namespace memgpt::cli
