#!/usr/bin/env bash
# The realistic 1M-passage benchmark (bench/vector/SCALE_RESULTS.md): real text (man pages,
# /usr/share/doc, NQ gold passages) cut into 40-word windows every 20 words, embedded with the
# built-in embedder, searched at 100k and 1M by our engine, raw hnswlib, brute force and Milvus
# Lite on the same vectors, and the archival_memory_search step (hybrid and vector only).
# Outside CI. Every stage writes into $SCALE_DIR (default /tmp/memgpt-scale) and is skipped
# when its output is already there, so a stopped run resumes; delete a file to redo its stage.
#   bench/scale/run.sh [corpus|embed|vector100k|lite100k|keyword100k|keyword1m|vector1m|lite1m|sq1m|all]...
# Each stage's output goes to $SCALE_DIR/<stage>.log as well as the terminal.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BUILD_DIR:-$here/build/release}/bench/vector"
py="$here/build/venv-peers/bin/python"
dir="${SCALE_DIR:-/tmp/memgpt-scale}"
mkdir -p "$dir"
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) commit $(git -C "$here" rev-parse --short HEAD): $*"; }
run() {  # run STAGE COMMAND...: logs the command, its output and the load average
  local stage="$1"; shift
  { stamp "$*"; nice "$@"; stamp "done"; } 2>&1 | tee -a "$dir/$stage.log"
}
stage_corpus() {
  [[ -s "$dir/passages.txt" ]] || run corpus python3 "$here/bench/scale/make_passages.py" "$dir" --n 1000000 --window 40 --stride 20
}
stage_embed() {
  for f in passages queries tune_queries; do
    run embed "$bin/bench_embed_corpus" "$dir/$f.txt" "$dir/$f.fvecs" --threads 2
  done
}
vector_args=(--data fvecs --base "$dir/passages.fvecs" --query-file "$dir/queries.fvecs" --queries 1000 --faiss 0)
stage_vector100k() {
  run vector100k "$bin/bench_vector" "${vector_args[@]}" --n 100000 --gt "$dir/gt_100k.ivecs" --filtered 0 --repeat 3
}
stage_lite100k() {
  run lite100k "$py" "$here/bench/peers/lite_vs_embedded.py" --data fvecs --base "$dir/passages.fvecs" \
    --query-file "$dir/queries.fvecs" --gt "$dir/gt_100k.ivecs" --rows 100000 --queries 1000 --nlist 1024 \
    --out "$dir/lite_100k.json"
}
keyword_args=(--passages "$dir/passages.txt" --questions "$dir/queries.txt" --vectors "$dir/passages.fvecs" --queries 1000)
stage_keyword100k() {
  mkdir -p "$dir/store_100k"
  run keyword100k "$bin/bench_keyword" "${keyword_args[@]}" --n 100000 --store "$dir/store_100k/milvus.db"
}
stage_keyword1m() {
  mkdir -p "$dir/store_1m"
  run keyword1m "$bin/bench_keyword" "${keyword_args[@]}" --n 1000000 --store "$dir/store_1m/milvus.db" \
    --compare "${SCALE_COMPARE_1M:-100}"
}
# Vector search at 1M on the archival collection bench_keyword filled (the same vectors, in
# order); raw hnswlib's own 1M build only with SCALE_HNSWLIB_1M=1 (about 20 min on 2 cores).
# SCALE_N_1M: the rows the 1M store holds when its fill was stopped early ($SCALE_DIR/store_1m/milvus.db.stop).
stage_vector1m() {
  local n="${SCALE_N_1M:-1000000}"
  run vector1m "$bin/bench_vector" "${vector_args[@]}" --n "$n" --gt "$dir/gt_$n.ivecs" --filtered 0 --repeat 3 --efs "${SCALE_EFS:-16,32,64,128,256,512,1024}" \
    --store "$dir/store_1m/milvus.db" --collection memgpt_archival_384 --hnswlib "${SCALE_HNSWLIB_1M:-0}"
}
# The SQ8 graph at 1M: an HNSW_SQ copy of the same vectors bulk-loaded into the 1M store (no graph
# while loading), its graph built behind on 2 threads, then swept beside the float graph.
stage_sq1m() {
  local n="${SCALE_N_1M:-1000000}"
  run sq1m "$bin/bench_vector" "${vector_args[@]}" --n "$n" --gt "$dir/gt_$n.ivecs" --filtered 0 --repeat 3 \
    --efs "${SCALE_EFS:-64,128,256,512,768,1024}" --store "$dir/store_1m/milvus.db" --collection memgpt_archival_384 \
    --hnswlib 0 --sq 1
}
stage_lite1m() {
  run lite1m "$py" "$here/bench/peers/lite_vs_embedded.py" --data fvecs --base "$dir/passages.fvecs" \
    --query-file "$dir/queries.fvecs" --gt "$dir/gt_1m.ivecs" --rows 1000000 --queries 1000 --nlist 4096 \
    --lite-index IVF_FLAT --nprobe 16,32,64,128 --out "$dir/lite_1m.json"
}
stages=("$@")
[[ ${#stages[@]} -eq 0 || "${stages[0]}" == all ]] &&
  stages=(corpus embed vector100k lite100k keyword100k keyword1m vector1m)
for s in "${stages[@]}"; do "stage_$s"; done
