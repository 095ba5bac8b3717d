// bench_embed_corpus IN.txt OUT.fvecs [--threads 2]
// Embeds one text a line with the built-in embedder (memgpt-builtin-384) and writes the vectors
// as fvecs (per vector: int32 dimension, then that many float32), in line order, so that every
// engine of bench/scale searches the same vectors. Skips the work when OUT already holds one
// vector per line (a stage of a resumable run); writes OUT.tmp and renames it when complete.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "embed/embedder.h"

using namespace memgpt;

int main(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) == "--help") {
    fmt::print(stderr, "usage: bench_embed_corpus IN.txt OUT.fvecs [--threads 2]\n");
    return argc < 3 ? 2 : 0;
  }
  const std::string in_path = argv[1], out_path = argv[2];
  int threads = 2;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
  }
  std::vector<std::string> texts;
  {
    std::ifstream in(in_path);
    if (!in) {
      fmt::print(stderr, "cannot read {}\n", in_path);
      return 1;
    }
    for (std::string line; std::getline(in, line);) texts.push_back(std::move(line));
  }
  auto embedder_or = embed::make_builtin_embedder();
  if (!embedder_or.ok()) {
    fmt::print(stderr, "{}\n", embedder_or.status().message());
    return 1;
  }
  auto embedder = std::move(*embedder_or);
  const size_t dim = static_cast<size_t>(embedder->dim());
  const size_t record = 4 + 4 * dim;
  std::error_code ec;
  if (std::filesystem::file_size(out_path, ec) == record * texts.size()) {
    fmt::print("{}: {} vectors already written, skipped\n", out_path, texts.size());
    return 0;
  }
  std::vector<float> out(texts.size() * dim);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  constexpr size_t kBatch = 256;
  auto t = std::chrono::steady_clock::now();
  auto work = [&] {
    for (size_t b = next.fetch_add(kBatch); b < texts.size() && !failed; b = next.fetch_add(kBatch)) {
      size_t e = std::min(texts.size(), b + kBatch);
      auto v = embedder->embed(std::span<const std::string>(texts.data() + b, e - b));
      if (!v.ok()) {
        failed = true;
        return;
      }
      for (size_t i = b; i < e; ++i) std::copy((*v)[i - b].begin(), (*v)[i - b].end(), out.begin() + long(i * dim));
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  if (failed) {
    fmt::print(stderr, "embedding failed\n");
    return 1;
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  const std::string tmp = out_path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    const int32_t d = static_cast<int32_t>(dim);
    for (size_t i = 0; i < texts.size(); ++i) {
      f.write(reinterpret_cast<const char*>(&d), 4);
      f.write(reinterpret_cast<const char*>(&out[i * dim]), static_cast<std::streamsize>(4 * dim));
    }
    if (!f) {
      fmt::print(stderr, "cannot write {}\n", tmp);
      return 1;
    }
  }
  std::filesystem::rename(tmp, out_path);
  fmt::print("{}: {} vectors of {} dims in {:.1f} s ({:.0f} texts/s, {} threads)\n", out_path, texts.size(), dim, s,
             double(texts.size()) / s, threads);
  return 0;
}
