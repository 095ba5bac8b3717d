#!/usr/bin/env python3
"""Writes the realistic 1M-passage corpus of bench/scale: real text cut into overlapping word
windows, one passage a line, and held-out queries.

Sources, read in place (nothing is copied into the repository):
  - the installed manual pages (/usr/share/man, every section and language), troff stripped as
    bench/sources/make_corpus.py does;
  - Debian's documentation (/usr/share/doc: changelogs, READMEs, copyright files, .gz
    decompressed; binary, PostScript and PDF files skipped);
  - the NaturalQuestions-Open gold passages (--nq).
Repeated text is dropped before cutting: identical files, then any paragraph already seen (the
same licence text sits in hundreds of copyright files). Each document's words are cut into
windows of --window words every --stride words (the last window ends at the document's end);
exact duplicate windows are dropped. The windows are shuffled (seed 42) and the first --n kept,
so the first 100,000 lines are a sample of the same text as the whole file.

Queries: the NQ questions, shuffled (seed 7): the first 1,000 are the report split
(queries.txt), the next 1,000 the tuning split (tune_queries.txt).

    make_passages.py OUT_DIR [--n 1000000] [--window 40] [--stride 20]
Writes OUT_DIR/passages.txt, queries.txt, tune_queries.txt and stats.json.
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sources"))
from make_corpus import page_text  # noqa: E402  (the same troff stripping as the load bench)

SKIP_SUFFIX = (".ps", ".eps", ".dvi", ".png", ".jpg", ".gif", ".svg", ".pdf", ".ico", ".woff", ".ttf", ".js", ".css", ".pyc", ".bz2",
               ".xz", ".zip", ".jar", ".tar", ".deb", ".db", ".so", ".py", ".pl", ".c", ".h", ".sh", ".json",
               ".xml", ".map")


def read_text(path):
    try:
        if path.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                raw = f.read(20_000_000)
        else:
            with open(path, "rb") as f:
                raw = f.read(20_000_000)
    except (OSError, EOFError):
        return None
    if b"\0" in raw[:4096] or raw.startswith((b"%!PS", b"%PDF")):
        return None
    return raw.decode("utf-8", "replace")


def man_docs(root):
    paths = []
    for d, _dirs, files in os.walk(root):
        paths += [os.path.join(d, f) for f in files if f.endswith(".gz")]
    for p in sorted(paths):
        t = read_text(p)
        if t:
            yield "man", page_text(t)


def doc_docs(root):
    paths = []
    for d, _dirs, files in os.walk(root):
        paths += [os.path.join(d, f) for f in files]
    for p in sorted(paths):
        name = p[:-3] if p.endswith(".gz") else p
        if name.lower().endswith(SKIP_SUFFIX) or os.path.islink(p) or "/examples/" in p:
            continue
        if name.endswith(".html") or name.endswith(".htm"):
            t = read_text(p)
            if t:
                yield "doc", re.sub(r"<[^>]+>", " ", t)
            continue
        t = read_text(p)
        if t:
            yield "doc", t


def nq_docs(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for c in rec.get("ctxs", []):
                yield "nq", c.get("title", "") + "\n\n" + c.get("text", "")
            gold = (rec.get("nq_annotated_gold") or {}).get("long_answer", "")
            if gold:
                yield "nq", gold


def nq_questions(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--window", type=int, default=40)
    ap.add_argument("--stride", type=int, default=20)
    ap.add_argument("--man", default="/usr/share/man")
    ap.add_argument("--doc", default="/usr/share/doc")
    ap.add_argument("--nq", default="/work/shared/data/nq-open-oracle.jsonl.gz")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    seen_files, seen_paras, seen_windows = set(), set(), set()
    windows = []
    stats = {"window": args.window, "stride": args.stride, "docs": {}, "words": {}, "windows": {},
             "duplicate_files": 0, "duplicate_paragraphs": 0, "duplicate_windows": 0}
    word_re = re.compile(r"\S+")
    sources = [man_docs(args.man), doc_docs(args.doc), nq_docs(args.nq)]
    for gen in sources:
        for kind, text in gen:
            h = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest()
            if h in seen_files:
                stats["duplicate_files"] += 1
                continue
            seen_files.add(h)
            words = []
            for para in re.split(r"\n\s*\n", text):
                pw = word_re.findall(para)
                if not pw:
                    continue
                ph = hashlib.blake2b(" ".join(pw).encode("utf-8", "replace"), digest_size=16).digest()
                if len(pw) >= 8 and ph in seen_paras:
                    stats["duplicate_paragraphs"] += 1
                    continue
                seen_paras.add(ph)
                words += pw
            if len(words) < 8:
                continue
            stats["docs"][kind] = stats["docs"].get(kind, 0) + 1
            stats["words"][kind] = stats["words"].get(kind, 0) + len(words)
            at = 0
            while True:
                w = " ".join(words[at:at + args.window])
                wh = hashlib.blake2b(w.encode("utf-8", "replace"), digest_size=16).digest()
                if wh in seen_windows:
                    stats["duplicate_windows"] += 1
                else:
                    seen_windows.add(wh)
                    windows.append(w)
                    stats["windows"][kind] = stats["windows"].get(kind, 0) + 1
                if at + args.window >= len(words):
                    break
                at += args.stride
        print(f"{len(windows)} windows so far", file=sys.stderr, flush=True)
    stats["distinct_windows"] = len(windows)
    random.Random(42).shuffle(windows)
    kept = windows[:args.n]
    stats["kept"] = len(kept)
    with open(os.path.join(args.out_dir, "passages.txt"), "w", encoding="utf-8") as f:
        for w in kept:
            f.write(w.replace("\n", " ") + "\n")
    qs = [q for q in nq_questions(args.nq) if q.strip()]
    random.Random(7).shuffle(qs)
    with open(os.path.join(args.out_dir, "queries.txt"), "w", encoding="utf-8") as f:
        f.writelines(q.replace("\n", " ") + "\n" for q in qs[:1000])
    with open(os.path.join(args.out_dir, "tune_queries.txt"), "w", encoding="utf-8") as f:
        f.writelines(q.replace("\n", " ") + "\n" for q in qs[1000:2000])
    with open(os.path.join(args.out_dir, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats, indent=1), file=sys.stderr)
    return 0 if len(kept) >= args.n else 1


if __name__ == "__main__":
    sys.exit(main())
