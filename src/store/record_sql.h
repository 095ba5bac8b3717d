// Small helpers shared by the files that implement MetadataStore (not part of its interface).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "store/sql.h"
#include "util/status.h"

namespace memgpt::store::record_sql {

inline SqlValue v(const std::string& s) { return s; }
inline SqlValue v(int64_t n) { return n; }

inline Status not_found_named(const char* what, const std::string& name) {
  return not_found(fmt::format("{} '{}' not found", what, name));
}

}  // namespace memgpt::store::record_sql
