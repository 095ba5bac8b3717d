// What the agent needs from archival memory. The product implementation is the passage store
// of sources/ (Milvus-shaped vector store + embedder); tests may use their own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace memgpt::agent {

struct ArchivalHit {
  std::string id;
  std::string text;
  int64_t created_at = 0;  // the passage's own creation time (epoch ms)
  double score = 0.0;
};

struct ArchivalPage {
  std::vector<ArchivalHit> hits;
  int64_t total = 0;  // every passage that ranks for the query, not just this page
};

class ArchivalMemory {
 public:
  virtual ~ArchivalMemory() = default;
  // Stores text; returns its id. Visible to search at once.
  virtual Result<std::string> insert(const std::string& text) = 0;
  // Best first, skipping `offset`, at most `limit`.
  virtual Result<ArchivalPage> search(const std::string& query, int64_t offset, int64_t limit) = 0;
  virtual Result<int64_t> count() = 0;
};

}  // namespace memgpt::agent
