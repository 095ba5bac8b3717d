// bench_text FILE: our cl100k/o200k tokenizers (MB/s, tokens/s), the chunker, and the built-in
// embedder (passages/s) on the text of FILE. bench/tokenizer/run.sh runs tiktoken (Node) on the
// same file in the same run for the ratio.
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "embed/embedder.h"
#include "sources/chunker.h"
#include "tokenizer/tokenizer.h"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: bench_text FILE\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  double mb = text.size() / 1e6;
  for (const auto* tok : {&memgpt::tokenizer::cl100k_base(), &memgpt::tokenizer::o200k_base()}) {
    tok->count("warm up");
    auto t = Clock::now();
    size_t n = tok->count(text);
    double s = std::chrono::duration<double>(Clock::now() - t).count();
    fmt::print("memgpt {}: {} tokens, {:.2f} MB/s, {:.0f} tokens/s\n", tok->name(), n, mb / s, n / s);
  }
  auto t = Clock::now();
  auto chunks = memgpt::sources::chunk_text(text);
  double cs = std::chrono::duration<double>(Clock::now() - t).count();
  fmt::print("chunker: {} chunks of <= 300 tokens, {:.2f} MB/s\n", chunks.size(), mb / cs);
  auto emb = memgpt::embed::make_builtin_embedder();
  if (!emb.ok()) {
    fmt::print(stderr, "{}\n", emb.status().message());
    return 1;
  }
  t = Clock::now();
  auto vecs = (*emb)->embed(chunks);
  double es = std::chrono::duration<double>(Clock::now() - t).count();
  fmt::print("built-in embedder: {} passages in {:.2f} s = {:.0f} passages/s\n", chunks.size(), es, chunks.size() / es);
  return 0;
}
