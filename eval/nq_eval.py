#!/usr/bin/env python3
"""Retrieval quality of memgpt on NaturalQuestions-Open gold passages.

Loads every distinct gold passage of ../shared/data/nq-open-oracle.jsonl.gz as one memgpt
source (through `memgpt load directory`, as a user would), then asks each question with
`memgpt search --queries-file` in each mode and reports recall@1/5/10 of the question's gold
passage. Standard library only.

Usage: eval/nq_eval.py [--memgpt build/release/memgpt] [--data ../shared/data/nq-open-oracle.jsonl.gz]
                       [--limit N] [--modes hybrid,vector,text]
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgpt", default=os.path.join(root, "build/release/memgpt"))
    ap.add_argument("--data", default=os.path.join(root, "..", "shared/data/nq-open-oracle.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--modes", default="hybrid,vector,text")
    args = ap.parse_args()

    questions, passages, index = [], [], {}
    with gzip.open(args.data, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            gold = [c for c in row["ctxs"] if c.get("isgold")] or row["ctxs"][:1]
            keys = []
            for c in gold:
                key = (c["title"], c["text"])
                if key not in index:
                    index[key] = len(passages)
                    passages.append({"text": c["title"] + "\n" + c["text"]})
                keys.append(index[key])
            questions.append((row["question"], set(keys)))
    if args.limit:
        questions = questions[: args.limit]
    print(f"{len(questions)} questions, {len(passages)} distinct gold passages")

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, MEMGPT_HOME=os.path.join(tmp, "home"), NO_PROGRESS="1")
        data = os.path.join(tmp, "nq_passages.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for p in passages:
                f.write(json.dumps(p) + "\n")
        t = time.time()
        out = subprocess.run([args.memgpt, "load", "directory", "--name", "nq", "--input-files", data],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("load failed: " + out.stderr)
        print(out.stdout.strip(), f"({time.time() - t:.1f} s)")
        qfile = os.path.join(tmp, "questions.txt")
        with open(qfile, "w", encoding="utf-8") as f:
            for q, _ in questions:
                f.write(q.replace("\n", " ") + "\n")
        print(f"{'mode':<8} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'q/s':>8}")
        for mode in args.modes.split(","):
            t = time.time()
            out = subprocess.run([args.memgpt, "search", "--source", "nq", "--mode", mode, "--top-k", "10",
                                  "--queries-file", qfile], env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"search ({mode}) failed: " + out.stderr)
            elapsed = time.time() - t
            hits = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
            assert len(hits) == len(questions), (len(hits), len(questions))
            recall = {1: 0, 5: 0, 10: 0}
            for (q, gold), h in zip(questions, hits):
                # The document id of line N of the file is "nq_passages.jsonl" (N=0) or "...#part=N".
                ranks = []
                for item in h["hits"]:
                    d = item["doc_id"]
                    ranks.append(int(d.split("#part=")[1]) if "#part=" in d else 0)
                for k in recall:
                    if any(r in gold for r in ranks[:k]):
                        recall[k] += 1
            n = len(questions)
            print(f"{mode:<8} {recall[1]/n:7.3f} {recall[5]/n:7.3f} {recall[10]/n:7.3f} {n/elapsed:8.1f}")


if __name__ == "__main__":
    main()
