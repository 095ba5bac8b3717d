#!/usr/bin/env python3
"""Tunes memgpt's hybrid fusion (the vector ranking's weight and the RRF k) on one half of
NaturalQuestions-Open and reports it on the other half.

The split is by gold passage (eval/nq_eval.py: a fixed hash of each passage's text puts it in
'tune' or 'test'; a question goes with its first gold passage), so no question of the reported
half, nor its passage's label, is seen while tuning. The index holds every passage, as in
nq_eval.py, so both halves search the same collection.

How: `memgpt search --mode vector` and `--mode text` give each question's two rankings at the
depth the hybrid search fuses (50 for a top-10 search: max(4 x 10, 50), src/vector/
embedded_store.cpp); the fusion score(passage) = w_v / (k + rank_v) + w_t / (k + rank_t), ties
by row order, is then computed here for every (w_v, k) of the grid. The script first checks that
this reproduces `memgpt search --mode hybrid` at the shipped defaults, question by question.
Then it picks the best recall@5 on the tune half (ties: recall@10, then recall@1, then the
defaults) and reports the test half for both the defaults and the pick.

Usage: eval/nq_tune.py [--memgpt build/release/memgpt] [--data ../shared/data/nq-open-oracle.jsonl.gz]
"""
import argparse
import os

from nq_eval import ROOT, MemgptSource, read_nq, recall, split_questions

# memgpt's archival search (src/sources/passage_store.cpp), (vector weight, k); text weight 1.
SHIPPED = {"memgpt-builtin-384": (0.5, 10), "model": (2.0, 2)}
FUSION_DEPTH = 50  # what a top-10 hybrid search fuses from each ranking
VECTOR_WEIGHTS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0]
RRF_KS = [0, 1, 2, 5, 10, 20, 30, 60]


def fuse(vector_ranks, text_ranks, vector_weight, rrf_k, top=10):
    """Rows (passage number, passage id) fused as the engine does (src/vector/hybrid_search.cpp)."""
    score = {}
    for i, row in enumerate(vector_ranks):
        score[row] = score.get(row, 0.0) + vector_weight / (rrf_k + i + 1)
    for i, row in enumerate(text_ranks):
        score[row] = score.get(row, 0.0) + 1.0 / (rrf_k + i + 1)
    # Equal scores go by row order; passages are loaded in file order, so that is the passage
    # number (the chunks of one long passage: by id, which may differ from the engine's order).
    return sorted(score, key=lambda row: (-score[row], row))[:top]


def fused_recall(questions, rankings, vector_weight, rrf_k):
    vec, text = rankings
    return recall(questions, [fuse(v, t, vector_weight, rrf_k) for v, t in zip(vec, text)])


def line(name, r):
    return f"{name:<34} {r[1]:7.3f} {r[5]:7.3f} {r[10]:7.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgpt", default=os.path.join(ROOT, "build/release/memgpt"))
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared/data/nq-open-oracle.jsonl.gz"))
    ap.add_argument("--embedding-model", default="",
                    help="all-minilm-l6-v2 or memgpt-builtin-384 (default: what `memgpt configure` picks)")
    args = ap.parse_args()

    questions, passages = read_nq(args.data)
    halves = split_questions(questions, passages)
    print(f"{len(questions)} questions, {len(passages)} distinct gold passages; split by passage: "
          f"tune {len(halves['tune'])} questions, test {len(halves['test'])} questions")

    source = MemgptSource(args.memgpt, passages, args.embedding_model)
    defaults = SHIPPED.get(source.embedding, SHIPPED["model"])
    try:
        print(source.load_report)
        ranked = {}
        for name, qs in halves.items():
            vec, _ = source.search(qs, "vector", FUSION_DEPTH)
            text, _ = source.search(qs, "text", FUSION_DEPTH)
            hybrid, _ = source.search(qs, "hybrid", 10)
            ranked[name] = (vec, text, hybrid)
            ours = [fuse(v, t, *defaults) for v, t in zip(vec, text)]
            same = sum(a == b for a, b in zip(ours, hybrid))
            print(f"{name}: this script's fusion at the defaults equals `memgpt search --mode hybrid` "
                  f"on {same} of {len(qs)} questions")
            if same != len(qs):
                raise SystemExit("the fusion here does not reproduce memgpt's: fix the script first")

        tune_qs, (tv, tt, _) = halves["tune"], ranked["tune"]
        grid = []
        for w in VECTOR_WEIGHTS:
            for k in RRF_KS:
                r = fused_recall(tune_qs, (tv, tt), w, k)
                is_default = (w, k) == defaults
                grid.append(((r[5], r[10], r[1], is_default), w, k, r))
        grid.sort(key=lambda g: g[0], reverse=True)
        print("\ntune half, best 10 of the grid (vector weight, rrf k):")
        print(f"{'':<34} {'R@1':>7} {'R@5':>7} {'R@10':>7}")
        for _, w, k, r in grid[:10]:
            print(line(f"w_v={w} k={k}", r))
        _, best_w, best_k, _ = grid[0]

        test_qs, (sv, st, sh) = halves["test"], ranked["test"]
        print(f"\ntest half ({len(test_qs)} questions, not used for tuning):")
        print(f"{'':<34} {'R@1':>7} {'R@5':>7} {'R@10':>7}")
        print(line(f"hybrid defaults w_v={defaults[0]} k={defaults[1]}", recall(test_qs, sh)))
        print(line(f"hybrid tuned w_v={best_w} k={best_k}", fused_recall(test_qs, (sv, st), best_w, best_k)))
        print(line(f"vector ({source.embedding})", recall(test_qs, [v[:10] for v in sv])))
        print(line("text (BM25)", recall(test_qs, [t[:10] for t in st])))
        print(f"\ntune half ({len(tune_qs)} questions):")
        print(line(f"hybrid defaults w_v={defaults[0]} k={defaults[1]}", recall(tune_qs, ranked["tune"][2])))
        print(line(f"hybrid tuned w_v={best_w} k={best_k}", fused_recall(tune_qs, (tv, tt), best_w, best_k)))
    finally:
        source.close()


if __name__ == "__main__":
    main()
