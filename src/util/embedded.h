// Files compiled into the binary (assets/, data tables). See cmake/embed.cmake.
#pragma once

#include <span>
#include <string_view>

namespace memgpt {

struct EmbeddedFile {
  std::string_view name;  // path relative to the embedded folder, e.g. "personas/sam_pov.txt"
  std::string_view data;
};

}  // namespace memgpt
