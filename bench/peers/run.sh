#!/usr/bin/env bash
# bench/peers: the seed's workflow (configure -> load directory -> run --persona memgpt_doc ->
# /attach -> five questions) on the original MemGPT (pymemgpt 0.3.25 with Milvus Lite, from
# build/venv-pymemgpt) and on memgpt, both against the same scripted OpenAI-compatible server
# (chat and /v1/embeddings: identical vectors). Writes build/bench-peers/report.md; RESULTS.md
# holds the figures of a recorded run. Needs scripts/setup.sh (the venvs) and the Release build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-build/release}"
[[ "$build" = /* ]] || build="$here/$build"
exec python3 "$here/bench/peers/peers.py" --root "$here" --build "$build" "$@"
