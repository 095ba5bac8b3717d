// bench_embed TEXT_FILE CHUNKS_OUT [chunk_tokens=200] [max_chunks=512] [VECTORS_OUT]
// Cuts TEXT_FILE into chunks the way `memgpt load` does for the local model (cl100k windows of
// chunk_tokens, split again to fit 254 word pieces), writes them to CHUNKS_OUT (one JSON string
// a line, for the reference run), then embeds them all with all-minilm-l6-v2 and prints
// passages/s, word pieces per chunk and per cl100k token.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "embed/embedder.h"
#include "sources/chunker.h"
#include "tokenizer/tokenizer.h"
#include "util/json.h"

using namespace memgpt;

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: bench_embed TEXT_FILE CHUNKS_OUT [chunk_tokens] [max_chunks]\n");
    return 2;
  }
  const int chunk_tokens = argc > 3 ? std::atoi(argv[3]) : 200;
  const size_t max_chunks = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 512;
  std::ifstream in(argv[1]);
  std::stringstream text;
  text << in.rdbuf();

  embed::EmbedderConfig config;
  config.model = embed::kLocalEmbeddingModel;
  auto load_start = std::chrono::steady_clock::now();
  auto embedder = embed::make_embedder(config);
  if (!embedder.ok()) {
    fmt::print(stderr, "{}\n", embedder.status().message());
    return 1;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  embed::Embedder& e = **embedder;

  sources::ModelLimit limit{e.max_input_tokens(), [&](std::string_view t) { return e.count_tokens(t); }};
  sources::FitReport fit;
  auto chunks = sources::chunk_text_for_model(text.str(), {chunk_tokens, 20}, limit, &fit);
  if (chunks.size() > max_chunks) chunks.resize(max_chunks);
  std::ofstream out(argv[2]);
  size_t pieces = 0, cl100k = 0, longest = 0;
  for (const auto& c : chunks) {
    out << Json(c).dump() << "\n";
    size_t n = e.count_tokens(c);
    pieces += n;
    longest = std::max(longest, n);
    cl100k += tokenizer::cl100k_base().count(c);
  }
  out.close();

  auto start = std::chrono::steady_clock::now();
  auto vectors = e.embed(chunks);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!vectors.ok()) {
    fmt::print(stderr, "{}\n", vectors.status().message());
    return 1;
  }
  if (argc > 5) {
    std::ofstream vout(argv[5]);
    for (const auto& v : *vectors) vout << Json(v).dump() << "\n";
  }
  const char* threads = std::getenv("MEMGPT_EMBED_THREADS");
  fmt::print("model load: {:.2f} s\n", load_s);
  fmt::print("chunks: {} of {} cl100k tokens (default size); split to fit: {}, truncated: {}\n", chunks.size(),
             chunk_tokens, fit.split, fit.truncated);
  fmt::print("word pieces per chunk: mean {:.1f}, max {}; per cl100k token: {:.3f}\n",
             double(pieces) / chunks.size(), longest, double(pieces) / cl100k);
  fmt::print("memgpt (llama.cpp, threads {}): {:.2f} s = {:.1f} passages/s, {:.0f} word pieces/s\n",
             threads ? threads : "free cores", s, chunks.size() / s, pieces / s);
  return 0;
}
