#include <algorithm>

#include "store/builtin_assets.h"

namespace memgpt {

std::optional<std::string_view> builtin_asset(std::string_view path) {
  for (const auto& f : builtin_assets()) {
    if (f.name == path) return f.data;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_asset_names(std::string_view folder) {
  std::vector<std::string> out;
  std::string prefix = std::string(folder) + "/";
  for (const auto& f : builtin_assets()) {
    if (f.name.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = f.name.substr(prefix.size());
    out.emplace_back(rest.substr(0, rest.rfind('.')));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace memgpt
