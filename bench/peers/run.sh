#!/usr/bin/env bash
# bench/peers: the seed's workflow (configure -> load directory -> run --persona memgpt_doc ->
# /attach -> five questions) on the original MemGPT (pymemgpt 0.3.25 with Milvus Lite, from
# build/venv-pymemgpt) and on memgpt, both against the same scripted OpenAI-compatible server
# (chat and /v1/embeddings: identical vectors). Writes build/bench-peers/report.json; RESULTS.md
# holds the figures of a recorded run. Then lite_vs_embedded.py: Milvus Lite against memgpt's
# embedded engine. Needs scripts/setup.sh (the venvs) and the Release build.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-build/release}"
[[ "$build" = /* ]] || build="$here/$build"
python3 "$here/bench/peers/peers.py" --root "$here" --build "$build" "$@"
# Milvus Lite directly against the embedded engine (RESULTS.md, second part).
echo "== Milvus Lite vs the embedded engine (build/bench-peers/lite_vs_embedded.json)"
"$here/build/venv-peers/bin/python" "$here/bench/peers/lite_vs_embedded.py" --memgpt "$build/memgpt" \
  --rows "${PEERS_LITE_ROWS:-10000}" --out "$here/build/bench-peers/lite_vs_embedded.json" >/dev/null 2>&1
python3 - "$here/build/bench-peers/lite_vs_embedded.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"rows {r['rows']} dim {r['dim']} load average {' '.join(r['load_average'])}")
for k in ("insert_rows_s", "qps", "recall10"):
    print(f"{k:14} lite {r['lite_' + k]:10.3f}  memgpt {r['memgpt_' + k]:10.3f}")
same = sum(f["same"] for f in r["filters"])
print(f"filters with the same rows: {same} of {len(r['filters'])}")
for f in r["filters"]:
    if not f["same"]:
        print(f"  differs: {f['filter']}  lite: {str(f['lite'])[:70]}  memgpt: {str(f['memgpt'])[:70]}")
PY
# Archival search latency: memgpt's server against pymemgpt's Milvus Lite connector (RESULTS.md).
echo "== archival search latency (build/bench-peers/archival_latency.json)"
"$here/build/venv-pymemgpt/bin/python" "$here/bench/peers/archival_latency.py" --memgpt "$build/memgpt" \
  --sizes "${PEERS_ARCHIVAL_SIZES:-10000}" --queries 100 --out "$here/build/bench-peers/archival_latency.json" \
  >/dev/null 2>&1
python3 - "$here/build/bench-peers/archival_latency.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for size, x in r["sizes"].items():
    print(f"{size:>7} passages  p50 pymemgpt {x['pymemgpt']['p50_ms']:8.1f} ms  memgpt {x['memgpt']['p50_ms']:7.1f} ms"
          f"  ({x['ratio_p50']:.1f}x)   p99 {x['pymemgpt']['p99_ms']:8.1f} / {x['memgpt']['p99_ms']:7.1f} ms"
          f"  ({x['ratio_p99']:.1f}x)   load {' '.join(x['load_average'])}")
PY
