// Token-based chunking of document text: chunks of at most `chunk_tokens` tokens (cl100k) with
// about `overlap_tokens` of overlap, cut at paragraph or sentence ends where possible and never
// inside a UTF-8 sequence. Empty chunks are dropped.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace memgpt::sources {

struct ChunkOptions {
  int chunk_tokens = 300;
  int overlap_tokens = 20;
};

std::vector<std::string> chunk_text(const std::string& text, const ChunkOptions& options = {});

// An embedding model's input limit in its own tokens (embed::Embedder::max_input_tokens and
// count_tokens); max_tokens 0 = none.
struct ModelLimit {
  size_t max_tokens = 0;
  std::function<size_t(std::string_view)> count;
};

// How chunks were made to fit a model's limit.
struct FitReport {
  int64_t split = 0;      // chunks over the limit, cut again into smaller ones that fit
  int64_t truncated = 0;  // chunks that could not be cut to fit (the model reads their start)
  size_t max_tokens = 0;  // the limit applied
};

// chunk_text, then every chunk with more than limit.max_tokens model tokens is chunked again
// with smaller windows (no overlap) until its pieces fit; `report` counts what happened.
std::vector<std::string> chunk_text_for_model(const std::string& text, const ChunkOptions& options,
                                              const ModelLimit& limit, FitReport* report = nullptr);

}  // namespace memgpt::sources
