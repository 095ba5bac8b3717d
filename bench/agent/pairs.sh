#!/usr/bin/env bash
# Pair by pair against another commit's build: bench/agent/pairs.sh A_BENCH_DIR B_BENCH_DIR [N]
# (each a build's `bench` folder, e.g. build/release/bench and a worktree's). Runs bench_agent
# and bench_server on side A then side B, N times (default 5), printing the load before each.
set -euo pipefail
A=${1:?A bench dir}; B=${2:?B bench dir}; N=${3:-5}
for i in $(seq 1 "$N"); do
  for side in A B; do
    dir=$A; [[ $side == B ]] && dir=$B
    echo "== $(date +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) side $side: bench_agent --recall 2000 --archival 5000 --steps 50"
    "$dir/agent/bench_agent" --recall 2000 --archival 5000 --steps 50 | grep "step,"
    echo "== side $side: bench_server --clients 50 --messages 20 --agents 10"
    "$dir/server/bench_server" --clients 50 --messages 20 --agents 10 | grep -E "requests in|p50"
  done
done
