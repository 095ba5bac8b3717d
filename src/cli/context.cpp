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
