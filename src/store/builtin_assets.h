// Personas, humans, system prompts and presets shipped inside the binary (assets/).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/embedded.h"

namespace memgpt {

std::span<const EmbeddedFile> builtin_assets();  // generated from assets/ at build time

// The asset "folder/name.ext", e.g. builtin_asset("system/memgpt_chat.txt").
std::optional<std::string_view> builtin_asset(std::string_view path);
// Names (without extension) of the assets in `folder`, e.g. "personas" -> {"memgpt_doc", ...}.
std::vector<std::string> builtin_asset_names(std::string_view folder);

}  // namespace memgpt
