#!/usr/bin/env bash
# Vector search: GloVe-100 (real word vectors) and synthetic 384-d vectors. Sizes default to a
# run that fits a short session; BENCH_FULL=1 uses GloVe's 331k base vectors and 10k queries
# and a 1M x 384 synthetic set (tens of minutes on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BUILD_DIR:-$here/build/release}/bench/vector/bench_vector"
if [[ -n "${BENCH_FULL:-}" ]]; then
  "$bin" --data glove --n 331479 --queries 10000
  "$bin" --data synthetic --dim 384 --n 1000000 --queries 1000
else
  "$bin" --data glove --n 50000 --queries 1000
  "$bin" --data synthetic --dim 384 --n 50000 --queries 500
fi
