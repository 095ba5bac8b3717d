// How deep a parsed JSON value nests (a scalar is 0): the JSON targets check it against the
// nesting bound of util/json.h.
#pragma once

#include <algorithm>

#include "util/json.h"

namespace memgpt::fuzz {

inline int depth_of(const Json& j) {
  if (!j.is_structured()) return 0;
  int deepest = 0;
  for (const auto& v : j) deepest = std::max(deepest, depth_of(v));
  return deepest + 1;
}

}  // namespace memgpt::fuzz
