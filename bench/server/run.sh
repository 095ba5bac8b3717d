#!/usr/bin/env bash
# memgpt server under load (loopback, scripted LLM): throughput and latency. One client per agent
# shows a step's own cost; 50 clients over 10 agents shows queueing behind per-agent locks.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${BUILD_DIR:-$here/build/release}/bench/server/bench_server"
"$bin" --clients 10 --messages 20 --agents 10
"$bin" --clients 50 --messages 20 --agents 10
