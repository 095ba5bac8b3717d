#!/usr/bin/env bash
# Tokenizer, chunker and built-in embedder throughput, with tiktoken (Node) on the same text.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$here/build/release}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pdf=/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf
# About 2 MB of real English technical text (a PDF specification, 60 times) plus code and markdown.
pdftotext -q "$pdf" "$tmp/one.txt"
for i in $(seq 1 60); do cat "$tmp/one.txt"; done > "$tmp/corpus.txt"
cat "$here/src/vector/embedded_store.cpp" "$here/docs/examples/memgpt_primer.md" >> "$tmp/corpus.txt"
echo "corpus: $(wc -c < "$tmp/corpus.txt") bytes"
"$build/bench/tokenizer/bench_text" "$tmp/corpus.txt"
node "$here/bench/tokenizer/tiktoken_bench.cjs" "$here/build/deps/npm/tiktoken/package" "$tmp/corpus.txt"
