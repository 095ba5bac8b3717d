#!/usr/bin/env bash
# Runs every benchmark of bench/ on the Release build and prints their reports. Benchmarks are
# never part of `make test`. Set BENCH_QUICK=1 for smaller data sets.
set -uo pipefail
build="${BUILD_DIR:-build/release}"
status=0
for dir in bench/*/; do
  name="$(basename "$dir")"
  if [[ -x "$dir/run.sh" ]]; then
    echo "== bench/$name"
    BUILD_DIR="$build" "$dir/run.sh" || status=1
  elif [[ -x "$build/bench/$name/bench_$name" ]]; then
    echo "== bench/$name"
    "$build/bench/$name/bench_$name" || status=1
  fi
done
exit $status
