// Token-based chunking of document text: chunks of at most `chunk_tokens` tokens (cl100k) with
// about `overlap_tokens` of overlap, cut at paragraph or sentence ends where possible and never
// inside a UTF-8 sequence. Empty chunks are dropped.
#pragma once

#include <string>
#include <vector>

namespace memgpt::sources {

struct ChunkOptions {
  int chunk_tokens = 300;
  int overlap_tokens = 20;
};

std::vector<std::string> chunk_text(const std::string& text, const ChunkOptions& options = {});

}  // namespace memgpt::sources
