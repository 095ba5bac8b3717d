#!/usr/bin/env bash
# Runs the libFuzzer targets built in a fuzz build folder (make fuzz / make fuzz-smoke) and
# prints one summary row per target: executions, coverage (libFuzzer's cov: edges and ft:
# features), corpus size and crashes. See docs/fuzzing.md.
#
#   fuzz/run.sh [--smoke] BUILD_DIR [TARGET...]     (TARGET without the fuzz_ prefix)
#
# Campaign (default): FUZZ_SECONDS per target (60; doubled for the filter and document
# targets); after a crash the target starts again on its grown corpus until its time is up, so
# one finding does not end the run. The corpus grows in BUILD_DIR/fuzz-work/<target>/corpus;
# crash inputs land in BUILD_DIR/fuzz-work/<target>/artifacts.
# Smoke (CI): FUZZ_SMOKE_SECONDS per target (5) from a fixed seed; any crash fails the run.
# Each target runs in a fresh network namespace with only loopback when the system allows it.
set -uo pipefail

smoke=0
if [[ "${1:-}" == "--smoke" ]]; then smoke=1; shift; fi
build="${1:?usage: fuzz/run.sh [--smoke] BUILD_DIR [TARGET...]}"
shift
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${FUZZ_SECONDS:-60}"
smoke_seconds="${FUZZ_SMOKE_SECONDS:-5}"
work="$build/fuzz-work"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for bin in "$build"/fuzz/fuzz_*; do [[ -x "$bin" ]] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')"); done
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no targets in $build/fuzz (build them with: make fuzz-build)" >&2
  exit 2
fi

# Only loopback: a user namespace with its own network (lo brought up), when permitted.
sandbox=()
if unshare -rn sh -c 'ip link set lo up' 2>/dev/null; then
  sandbox=(unshare -rn sh -c 'ip link set lo up && exec "$0" "$@"')
else
  echo "fuzz: no network namespace here; the targets' own guard keeps traffic on loopback" >&2
fi

dict_for() {
  case "$1" in
    filter_*) echo "$here/dict/filter.dict" ;;
    document_html) echo "$here/dict/html.dict" ;;
    server_rest | milvus_rest | json | json_repair | function_grammar | document_json | document_jsonl | prompt_wrapper)
      echo "$here/dict/json.dict" ;;
    *) echo "" ;;
  esac
}
# Nesting bombs need room: the targets that parse trees get longer inputs.
max_len_for() {
  case "$1" in
    filter_* | document_* | json | json_repair) echo 16384 ;;
    *) echo 4096 ;;
  esac
}
budget_for() {
  if ((smoke)); then echo "$smoke_seconds"; return; fi
  case "$1" in
    filter_* | document_*) echo $((seconds * 2)) ;;
    *) echo "$seconds" ;;
  esac
}

printf '%-24s %6s %10s %8s %7s %7s %6s %7s  %s\n' target secs execs exec/s cov ft corpus crashes result
failed=0
passed=0
rows=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz: $bin is missing" >&2
    failed=$((failed + 1))
    continue
  fi
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  seeds="$here/corpus/$t"
  budget="$(budget_for "$t")"
  args=(-timeout=25 -rss_limit_mb=2048 -max_len="$(max_len_for "$t")"
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1)
  dict="$(dict_for "$t")"
  [[ -n "$dict" && -f "$dict" ]] && args+=(-dict="$dict")
  ((smoke)) && args+=(-seed=1)
  corpora=("$dir/corpus")
  [[ -d "$seeds" ]] && corpora+=("$seeds")
  before=$(find "$dir/artifacts" -type f | wc -l)
  start=$(date +%s)
  : >"$dir/log"
  runs=0
  rc=0
  execs=0
  while :; do
    left=$((budget - ($(date +%s) - start)))
    ((left < 1)) && break
    runs=$((runs + 1))
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$here/lsan.supp:print_suppressions=0}" \
      "${sandbox[@]}" "$bin" "${args[@]}" -max_total_time="$left" "${corpora[@]}" >"$dir/run.log" 2>&1
    rc=$?
    cat "$dir/run.log" >>"$dir/log"
    # Executions of this run: the final stats, or the last progress line when it crashed.
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$dir/run.log" | tail -1 | awk '{print $2}')
    [[ -z "$n" ]] && n=$(grep -oE '^#[0-9]+' "$dir/run.log" | tail -1 | tr -d '#')
    execs=$((execs + ${n:-0}))
    # A smoke run stops at the first crash; a campaign goes on (at most 50 starts).
    ((rc == 0 || smoke || runs >= 50)) && break
  done
  elapsed=$(($(date +%s) - start))
  crashes=$(($(find "$dir/artifacts" -type f | wc -l) - before))
  cov=$(grep -oE 'cov: [0-9]+' "$dir/run.log" | tail -1 | awk '{print $2}')
  ft=$(grep -oE 'ft: [0-9]+' "$dir/run.log" | tail -1 | awk '{print $2}')
  corpus=$(find "$dir/corpus" -type f | wc -l)
  rate=$((elapsed > 0 ? execs / elapsed : execs))
  result=ok
  if ((rc != 0 || crashes > 0)); then
    result="FAILED (see $dir/log)"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
  printf '%-24s %6s %10s %8s %7s %7s %6s %7s  %s\n' "$t" "$elapsed" "$execs" "$rate" "${cov:--}" "${ft:--}" "$corpus" "$crashes" "$result"
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
