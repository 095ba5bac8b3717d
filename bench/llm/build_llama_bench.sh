#!/usr/bin/env bash
# Builds llama.cpp's own `llama-bench` from the same source memgpt links (build/deps/llama.cpp,
# fetched by scripts/setup.sh), with the same flags and the same llama and ggml targets as
# cmake/llama (Release, static, native CPU, AMX off), in a separate folder, build/llama-bench:
# the reference for bench/llm's tokens/s comparison. Opt-in, outside CI. ccache shares the
# llama/ggml objects with build/release, so mostly llama.cpp's common library is compiled.
#   bash bench/llm/build_llama_bench.sh   ->  build/llama-bench/bin/llama-bench
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$here/build/llama-bench"
cmake -S "$here" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEMGPT_LLAMA_BENCH=ON \
  -DMEMGPT_BUILD_TESTS=OFF -DMEMGPT_BUILD_BENCH=OFF >/dev/null
cmake --build "$out" --target llama-bench -j"${JOBS:-1}"
find "$out" -name llama-bench -type f -perm -u+x | head -1
