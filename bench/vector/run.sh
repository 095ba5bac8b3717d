#!/usr/bin/env bash
# Vector search: GloVe-100 (real word vectors) and synthetic 384-d vectors. Sizes default to a
# run that fits a short session; BENCH_FULL=1 uses GloVe's 331k base vectors and 10k queries
# and a 1M x 384 synthetic set (tens of minutes on 2 cores). BENCH_1M_ARGS adds options to the
# 1M run, e.g. "--faiss 0" (Debian's FAISS builds 1M x 384 in well over half an hour here) or
# "--hnswlib 0". Results and the exact commands of the last full run: bench/vector/RESULTS.md.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BUILD_DIR:-$here/build/release}/bench/vector/bench_vector"
if [[ -n "${BENCH_FULL:-}" ]]; then
  "$bin" --data glove --n 331479 --queries 10000
  # shellcheck disable=SC2086
  "$bin" --data synthetic --dim 384 --n 1000000 --queries 1000 ${BENCH_1M_ARGS:-}
else
  "$bin" --data glove --n 50000 --queries 1000
  "$bin" --data synthetic --dim 384 --n 50000 --queries 500
fi
