#!/usr/bin/env bash
# Ingest throughput of `memgpt load` (extract, chunk, embed with the built-in embedder, index
# in the embedded Milvus store) against pdftotext alone, on the same 100+ page PDF.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${BUILD_DIR:-$here/build/release}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
spec=/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf
# A real 119-page PDF: the specification seven times over (qpdf joins the pages).
qpdf --empty --pages "$spec" "$spec" "$spec" "$spec" "$spec" "$spec" "$spec" -- "$tmp/big.pdf"
pages=$(pdfinfo "$tmp/big.pdf" | awk '/^Pages:/ {print $2}')
t0=$(date +%s.%N)
pdftotext -q "$tmp/big.pdf" "$tmp/big.txt"
t1=$(date +%s.%N)
MEMGPT_HOME="$tmp/home" NO_PROGRESS=1 "$build/memgpt" load directory --name big --input-files "$tmp/big.pdf" 2>/dev/null
t2=$(date +%s.%N)
awk -v p="$pages" -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
  pt = p / (b - a); mg = p / (c - b);
  printf "pages: %d\npdftotext:   %.2f s = %.0f pages/s\nmemgpt load: %.2f s = %.0f pages/s (extract + chunk + embed + index)\nratio: %.2fx of pdftotext\n", p, b - a, pt, c - b, mg, mg / pt }'
