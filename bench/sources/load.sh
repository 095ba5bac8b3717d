#!/usr/bin/env bash
# `memgpt load` end to end: one thread (--threads 1, the sequential path) against the pipeline
# (--threads 0: reading, chunking + embedding on every core, storing at once), in the same run.
#   1. the built-in embedder on ~100k passages of manual pages (one text file per page);
#   2. the in-process model all-minilm-l6-v2 on a short text, against the embedder alone on the
#      same text (bench_embed), when the model is installed: loading should run at its speed.
# usage: bench/sources/load.sh [builtin|model|all]   (build dir: $BUILD_DIR or build/release)
# The corpus is written once to $CORPUS (default /tmp/memgpt-load-corpus) and reused.
# BASELINE=/path/to/an/older/memgpt: `builtin` also loads with it (--threads 0), right before
# this build, and prints the ratio. Each load prints its CPU time (user + sys) and CPU / wall.
# After the loads: the first search in a new process (the graph not built yet) and the time
# `memgpt milvus index` takes to build the graph the load left to the next process.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$here/build/release}"
what="${1:-all}"
corpus="${CORPUS:-/tmp/memgpt-load-corpus}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -d "$corpus" ] || python3 "$here/bench/sources/make_corpus.py" "$corpus" --bytes 86000000

# time_load HOME THREADS ARGS...: prints "<passages> <seconds>" ($bin: the binary, default this build's);
# the CPU time goes to stderr.
time_load() {
  local home="$1" threads="$2"
  shift 2
  local t0 t1 out
  t0=$(date +%s.%N)
  out=$(MEMGPT_HOME="$home" NO_PROGRESS=1 /usr/bin/time -f "%U %S" -o "$tmp/cpu" "${bin:-$build/memgpt}" load directory \
        --name bench --threads "$threads" "$@" 2>/dev/null)
  t1=$(date +%s.%N)
  echo "$out" >&2
  awk -v a="$t0" -v b="$t1" '{ printf "cpu: user %.2f s + sys %.2f s = %.2f s, %.2f cores busy on average\n", $1, $2, $1 + $2, ($1 + $2) / (b - a) }' "$tmp/cpu" >&2
  awk -v o="$out" -v a="$t0" -v b="$t1" 'BEGIN { split(o, w, " "); printf "%d %.2f\n", w[2], b - a }'
}

fresh_home() {  # fresh_home DIR EMBEDDING_MODEL
  rm -rf "$1" && mkdir -p "$1"
  MEMGPT_HOME="$1" "${bin:-$build/memgpt}" configure --embedding-provider local --embedding-model "$2" >/dev/null
}

if [ "$what" = builtin ] || [ "$what" = all ]; then
  files=$(ls "$corpus" | wc -l)
  echo "== built-in embedder: $files files, $(du -sb "$corpus" | cut -f1) bytes of text"
  declare -A rate
  if [ -n "${BASELINE:-}" ]; then
    bin="$BASELINE"
    fresh_home "$tmp/home" memgpt-builtin-384
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r n s < <(time_load "$tmp/home" 0 --input-dir "$corpus")
    rate[base]=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
    echo "baseline $BASELINE --threads 0: $n passages in $s s = ${rate[base]} passages/s"
    unset bin
  fi
  for threads in ${LOAD_THREADS:-1 0}; do
    fresh_home "$tmp/home" memgpt-builtin-384
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r n s < <(time_load "$tmp/home" "$threads" --input-dir "$corpus")
    rate[$threads]=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
    echo "--threads $threads: $n passages in $s s = ${rate[$threads]} passages/s"
  done
  # What the load leaves behind (the last load's store): the passages are searchable at once,
  # scored exactly, and the HNSW graph is built by the next process, here `memgpt milvus index`.
  t0=$(date +%s.%N)
  MEMGPT_HOME="$tmp/home" NO_PROGRESS=1 "$build/memgpt" search --source bench --mode vector --top-k 5 --json \
    "how do I list the files in a directory" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "first vector search after the load, a new process, graph not built yet: %.2f s\n", b - a }'
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  NO_PROGRESS=1 /usr/bin/time -f "%U %S %e" -o "$tmp/cpu" "$build/memgpt" milvus index --uri "$tmp/home/milvus.db" --json >"$tmp/index.json"
  read -r iu is ie <"$tmp/cpu"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("graph built behind by memgpt milvus index: %d rows in %.2f s wall (%s CPU-s)" % (sum(c["built_now"] for c in d["collections"].values()), float(sys.argv[2]), sys.argv[3]))' \
    "$tmp/index.json" "$ie" "$(awk -v u="$iu" -v s="$is" 'BEGIN { printf "%.2f", u + s }')"
  [ -z "${rate[1]:-}" ] || awk -v a="${rate[1]}" -v b="${rate[0]}" 'BEGIN { printf "pipeline / one thread: %.2fx\n", b / a }'
  [ -z "${rate[base]:-}" ] || awk -v a="${rate[base]}" -v b="${rate[0]}" 'BEGIN { printf "this build / baseline: %.2fx\n", b / a }'
fi

if [ "$what" = model ] || [ "$what" = all ]; then
  if [ ! -x "$build/bench/embed/bench_embed" ]; then
    echo "== model: skipped (no bench_embed: a build without llama.cpp)"
    exit 0
  fi
  # English manual pages of section 1, about 48 KB: one document (under the 1 MB piece size).
  text="$tmp/model.txt"
  for f in "$corpus"/00_man1_*.txt; do
    cat "$f" >>"$text"
    [ "$(stat -c %s "$text")" -lt 48000 ] || break
  done
  export MEMGPT_EMBED_THREADS="${MEMGPT_EMBED_THREADS:-1}"
  echo "== all-minilm-l6-v2, $MEMGPT_EMBED_THREADS llama.cpp thread(s), $(stat -c %s "$text") bytes of text"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/embed/bench_embed" "$text" "$tmp/chunks.jsonl" 200 100000 | tee "$tmp/embed.out"
  own=$(sed -n 's/.* = \([0-9.]*\) passages\/s.*/\1/p' "$tmp/embed.out")
  declare -A mrate
  for threads in 1 0; do
    fresh_home "$tmp/mhome" all-minilm-l6-v2
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r n s < <(time_load "$tmp/mhome" "$threads" --input-files "$text")
    mrate[$threads]=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.2f", n / s }')
    echo "--threads $threads: $n passages in $s s = ${mrate[$threads]} passages/s"
  done
  awk -v e="$own" -v a="${mrate[1]}" -v b="${mrate[0]}" 'BEGIN {
    printf "embedder alone: %s passages/s; load / embedder: one thread %.2fx, pipeline %.2fx\n", e, a / e, b / e }'
fi
