// The CLI opens the configured parts through runtime/ (shared with the server).
#pragma once

#include "runtime/runtime.h"

namespace memgpt::cli {

using runtime::AppContext;
using runtime::Archival;
using runtime::embedder_config;
using runtime::load_config_or_default;
using runtime::open_archival;
using runtime::open_context;

}  // namespace memgpt::cli
