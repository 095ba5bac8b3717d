#!/usr/bin/env python3
"""Writes the installed manual pages as plain-text files, one per page, for the load benchmark.

Real text (English and the installed translations) in many files of many sizes, the shape a
`memgpt load --input-dir` meets. The troff markup is stripped crudely: control lines become
their arguments, font and escape sequences are dropped. Deterministic for one machine: pages in
sorted order until --bytes of text are written.

    bench/sources/make_corpus.py OUT_DIR --bytes 130000000
"""
import argparse
import gzip
import os
import re
import sys

CONTROL = re.compile(r"^\.\s*[A-Za-z]{1,3}\b\s?")
ESCAPES = re.compile(r"\\f[BIRP1-4]|\\f\(..|\\\(..|\\\[[^\]]*\]|\\[-e&|^%]|\\s[-+]?\d")


def page_text(raw: str) -> str:
    out = []
    for line in raw.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith("."):
            line = CONTROL.sub("", line)
            if line.startswith("."):
                continue
        line = ESCAPES.sub("", line).replace('"', "")
        out.append(line)
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--bytes", type=int, default=130_000_000)
    ap.add_argument("--man", default="/usr/share/man")
    args = ap.parse_args()
    pages = []
    for root, _dirs, files in os.walk(args.man):
        pages += [os.path.join(root, f) for f in files if f.endswith(".gz")]
    pages.sort()
    os.makedirs(args.out_dir, exist_ok=True)
    written = files = 0
    rounds = 0
    while written < args.bytes and pages:
        # More text than the installed pages hold: another round, in other files.
        for path in pages:
            if written >= args.bytes:
                break
            try:
                with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                    text = page_text(f.read())
            except (OSError, EOFError):
                continue
            if len(text) < 200:
                continue
            rel = os.path.relpath(path, args.man).replace(os.sep, "_")[: -len(".gz")]
            name = f"{rounds:02d}_{rel}.txt"
            with open(os.path.join(args.out_dir, name), "w", encoding="utf-8") as out:
                out.write(text)
            written += len(text.encode("utf-8"))
            files += 1
        rounds += 1
    print(f"{files} files, {written} bytes in {args.out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
