#!/usr/bin/env python3
"""Retrieval quality of memgpt on NaturalQuestions-Open gold passages.

Loads every distinct gold passage of ../shared/data/nq-open-oracle.jsonl.gz as one memgpt
source (through `memgpt load directory`, as a user would), then asks each question with
`memgpt search --queries-file` in each mode and reports recall@1/5/10 of the question's gold
passage. Standard library only.

--half tune|test reports only the questions of one half of the deterministic split that
eval/nq_tune.py tunes the hybrid fusion on (tune) and reports it on (test); the index always
holds every passage.

The home is made by `memgpt configure` (its default embedder: all-minilm-l6-v2 when installed),
or with --embedding-model NAME.

Usage: eval/nq_eval.py [--memgpt build/release/memgpt] [--data ../shared/data/nq-open-oracle.jsonl.gz]
                       [--limit N] [--modes hybrid,vector,text] [--half all|tune|test]
                       [--embedding-model all-minilm-l6-v2|memgpt-builtin-384] [--archival-index-type HNSW|HNSW_SQ]
"""
import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def read_nq(path):
    """Questions [(question, {gold passage numbers})] and distinct gold passages [(title, text)]."""
    questions, passages, index = [], [], {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            gold = [c for c in row["ctxs"] if c.get("isgold")] or row["ctxs"][:1]
            keys = []
            for c in gold:
                key = (c["title"], c["text"])
                if key not in index:
                    index[key] = len(passages)
                    passages.append(key)
                keys.append(index[key])
            questions.append((row["question"], keys))
    return questions, passages


def half_of_passage(title, text):
    """'tune' or 'test': a fixed hash of the passage, so the split never depends on file order."""
    digest = hashlib.sha256((title + "\n" + text).encode("utf-8")).digest()
    return "tune" if digest[0] % 2 == 0 else "test"


def split_questions(questions, passages):
    """The questions of each half: a question belongs to the half of its first gold passage."""
    halves = {"tune": [], "test": []}
    for q, gold in questions:
        halves[half_of_passage(*passages[gold[0]])].append((q, gold))
    return halves


class MemgptSource:
    """A temporary MEMGPT_HOME with every passage loaded as the source 'nq'."""

    def __init__(self, memgpt, passages, embedding_model="", index_type=""):
        self.memgpt = memgpt
        self.tmp = tempfile.TemporaryDirectory()
        self.env = dict(os.environ, MEMGPT_HOME=os.path.join(self.tmp.name, "home"), NO_PROGRESS="1")
        # A new home as `memgpt configure` makes it: its default embedder unless one is named.
        flags = ["--embedding-provider", "local", "--embedding-model", embedding_model] if embedding_model else []
        if index_type:
            flags += ["--archival-index-type", index_type]
        out = subprocess.run([memgpt, "configure", *flags], env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("configure failed: " + out.stderr)
        config = json.loads(subprocess.run([memgpt, "configure", "--show", "--json"], env=self.env,
                                           capture_output=True, text=True).stdout)
        self.embedding = config["embedding"]["embedding_model"]
        data = os.path.join(self.tmp.name, "nq_passages.jsonl")
        with open(data, "w", encoding="utf-8") as f:
            for title, text in passages:
                f.write(json.dumps({"text": title + "\n" + text}) + "\n")
        t = time.time()
        out = subprocess.run([memgpt, "load", "directory", "--name", "nq", "--input-files", data],
                             env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("load failed: " + out.stderr)
        self.load_report = f"{out.stdout.strip()} ({time.time() - t:.1f} s, embeddings: {self.embedding})"

    def close(self):
        self.tmp.cleanup()

    def search(self, questions, mode, top_k):
        """Ranked rows per question (best first) as (passage number, passage id), and the queries
        per second. A long passage is stored as several rows (chunks) with the same number."""
        qfile = os.path.join(self.tmp.name, "questions.txt")
        with open(qfile, "w", encoding="utf-8") as f:
            for q, _ in questions:
                f.write(q.replace("\n", " ") + "\n")
        t = time.time()
        out = subprocess.run([self.memgpt, "search", "--source", "nq", "--mode", mode, "--top-k", str(top_k),
                              "--queries-file", qfile], env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"search ({mode}) failed: " + out.stderr)
        elapsed = time.time() - t
        hits = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        assert len(hits) == len(questions), (len(hits), len(questions))
        # The document id of line N of the file is "nq_passages.jsonl" (N=0) or "...#part=N".
        number = lambda d: int(d.split("#part=")[1]) if "#part=" in d else 0
        rankings = [[(number(i["doc_id"]), i["id"]) for i in h["hits"]] for h in hits]
        return rankings, len(questions) / elapsed


def recall(questions, rankings, ks=(1, 5, 10)):
    """recall@k: the share of questions with a gold passage among the first k."""
    found = {k: 0 for k in ks}
    for (_, gold), ranks in zip(questions, rankings):
        for k in ks:
            if any(number in gold for number, _ in ranks[:k]):
                found[k] += 1
    return {k: found[k] / max(1, len(questions)) for k in ks}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgpt", default=os.path.join(ROOT, "build/release/memgpt"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared/data/nq-open-oracle.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ap.add_argument("--modes", default="hybrid,vector,text")
    ap.add_argument("--half", default="all", choices=["all", "tune", "test"])
    ap.add_argument("--embedding-model", default="",
                    help="all-minilm-l6-v2 or memgpt-builtin-384 (default: what `memgpt configure` picks)")
    ap.add_argument("--archival-index-type", default="", help="HNSW or HNSW_SQ (default: the configured default, HNSW)")
    args = ap.parse_args()

    questions, passages = read_nq(args.data)
    if args.half != "all":
        questions = split_questions(questions, passages)[args.half]
    if args.limit:
        questions = questions[: args.limit]
    print(f"{len(questions)} questions ({args.half}), {len(passages)} distinct gold passages")

    source = MemgptSource(args.memgpt, passages, args.embedding_model, args.archival_index_type)
    try:
        print(source.load_report)
        print(f"{'mode':<8} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'q/s':>8}")
        for mode in args.modes.split(","):
            rankings, qps = source.search(questions, mode, 10)
            r = recall(questions, rankings)
            print(f"{mode:<8} {r[1]:7.3f} {r[5]:7.3f} {r[10]:7.3f} {qps:8.1f}")
    finally:
        source.close()


if __name__ == "__main__":
    main()
