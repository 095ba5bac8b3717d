"""Milvus Lite (pymilvus MilvusClient on a local file) against memgpt's embedded engine (served by
`memgpt milvus serve` over REST v2 on 127.0.0.1, since pymilvus speaks gRPC only) on the same
rows: insert rows/s, search QPS, recall@10 against exact numpy search, and the rows each
returns for a set of filter expressions (they must be the same ids).
Run with build/venv-peers/bin/python: lite_vs_embedded.py --memgpt build/release/memgpt [--rows N]
[--data synthetic|glove|nq] [--glove build/release/data/glove-100d.bin] [--nq FILE] [--queries N]
[--out FILE]
--data glove: GloVe 6B 100-d word vectors (the table bench/vector uses, built with memgpt),
L2-normalised; --queries vectors held out (seeded permutation), the base is the next --rows of
them (--rows 0: all the rest, 331,479 with --queries 10000).
--data nq: the NaturalQuestions-Open gold passages (--nq, ../shared/data/nq-open-oracle.jsonl.gz)
as rows and their questions as queries, each text the L2-normalised mean of the same GloVe
table's vectors of its lower-case alphanumeric words (a bag-of-words embedding: the same vectors
on both sides, with the neighbourhood structure of real text).
Our figures include HTTP and JSON on loopback; Lite's include its gRPC to a local process.

--data fvecs (bench/scale, the realistic 1M corpus): --base F.fvecs (first --rows vectors),
--query-file F.fvecs (first --queries), --gt F.ivecs (exact top 10, as bench_vector writes it;
computed by numpy when absent). Milvus Lite alone (our engine searches the same files in
bench_vector): insert rate, index build (flush), search QPS and recall@10 per index and search
width (--lite-index AUTOINDEX and IVF_FLAT with an nprobe sweep), reopen (close, open, first
search) and the Lite server's resident memory. No --memgpt needed."""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.request

import numpy as np
from pymilvus import DataType, MilvusClient

FILTERS = [
    'n > 500', 'n >= 10 and n < 20', 'n != 3', 'id in [1, 2, 3, 99999]', 'cat in ["red", "blue"]',
    'cat not in ["red"]', 'cat like "gr%"', 'cat like "%ue"', 'cat like "%ee%"', 'not (n > 100)',
    'cat == "red" or n < 5', '(n > 10 and n < 50) or not (cat == "blue")', 'meta["k"] == 3',
    'meta["k"] in [1, 2]', 'meta["k"] > 7', 'meta["s"] like "x%"', 'meta["missing"] == 1',
    'array_contains(tags, "t1")', 'array_contains_any(tags, ["t1", "t2"])',
    'array_contains_all(tags, ["t1", "t2"])', 'array_length(tags) == 2', 'tags[0] == "t3"',
    'dyn == 4', 'n in []', 'cat == "red" and meta["k"] <= 2 and array_length(tags) > 0',
    # Array fields (tags: VarChar, nums: Int64), JSON lists, a dynamic list, json_contains*.
    'ARRAY_CONTAINS(tags, "t0")', 'json_contains(tags, "t4")', 'array_length(tags) != 0',
    'array_length(tags) == 0', 'tags[1] != "t2"', 'tags[2] == "t0"', 'tags[0] like "t%"',
    'array_contains(tags, "t1") and n < 500', 'array_contains(tags, "t1") or cat == "red"',
    'array_contains_any(tags, ["t4", "t4"])', 'array_contains_all(tags, ["t3"])',
    'array_contains(nums, 5)', 'array_contains_any(nums, [0, 10])', 'array_contains_all(nums, [1, 3])',
    'nums[0] > 3', 'nums[1] in [1, 2, 3]', 'array_length(nums) == 1 and nums[0] == 5',
    'json_contains(meta["l"], 2)', 'json_contains(meta["l"], "a")', 'json_contains(meta["l"], 2.0)',
    'json_contains_any(meta["l"], [1, "b"])', 'json_contains_all(meta["l"], [1, 2])',
    'array_length(meta["l"]) == 2', 'meta["l"][0] == 1', 'meta["l"][1] == "a"',
    'array_contains(dl, 3)', 'array_length(dl) == 1', 'dl[0] == 2',
    # Known to differ (docs/storage.md): Lite refuses <, >, ... on array_length and answers the
    # swapped form wrongly; memgpt refuses an index past max_capacity (8).
    'array_length(tags) > 1', '2 == array_length(tags)', 'tags[8] == "t1"',
    # Both refuse: an element of the wrong type, an empty list, a whole array compared.
    'array_contains(tags, 1)', 'array_contains_any(tags, [])', 'tags == ["t1"]',
]
CATS = ["red", "green", "blue", "grey"]


def glove_vectors(path):
    """The built-in embedder's GloVe table (int8 with a scale per word), dequantised and
    L2-normalised, as bench/vector's load_glove() reads it."""
    buf = open(path, "rb").read()
    n, d = np.frombuffer(buf, dtype="<u4", count=2, offset=8)
    off = 20 + 4 * (int(n) + 1)
    scales = np.frombuffer(buf, dtype="<f4", count=int(n), offset=off)
    q = np.frombuffer(buf, dtype=np.int8, count=int(n) * int(d), offset=off + 4 * int(n)).reshape(int(n), int(d))
    vecs = q.astype(np.float32) * scales[:, None]
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return vecs / norms


def glove_words(path):
    """The words of the GloVe table, in row order (after the vectors: a hash table of the
    header's third field's size, then the words' bytes, cut by the offsets after the header)."""
    buf = open(path, "rb").read()
    n, d, buckets = (int(x) for x in np.frombuffer(buf, dtype="<u4", count=3, offset=8))
    offs = np.frombuffer(buf, dtype="<u4", count=n + 1, offset=20)
    blob = 20 + 4 * (n + 1) + 4 * n + n * d + 4 * buckets
    return [buf[blob + offs[i]:blob + offs[i + 1]].decode("utf-8", "replace") for i in range(n)]


def nq_vectors(nq_path, glove_path, max_rows, max_queries):
    import gzip
    table = glove_vectors(glove_path)
    index = {w: i for i, w in enumerate(glove_words(glove_path))}

    def embed(texts):
        out = np.zeros((len(texts), table.shape[1]), dtype=np.float32)
        for k, text in enumerate(texts):
            ids = [index[w] for w in re.findall(r"[a-z0-9]+", text.lower()) if w in index]
            if ids:
                out[k] = table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms

    passages, questions = [], []
    with gzip.open(nq_path, "rt") as f:
        for line in f:
            rec = json.loads(line)
            questions.append(rec["question"])
            passages.extend(c["title"] + " " + c["text"] for c in rec.get("ctxs", []))
    passages = passages if max_rows <= 0 else passages[:max_rows]
    return embed(passages), embed(questions[:max_queries])


def read_fvecs(path, limit):
    raw = np.memmap(path, dtype="<i4", mode="r")
    dim = int(raw[0])
    rows = raw.reshape(-1, dim + 1)[:limit if limit > 0 else None]
    return np.ascontiguousarray(rows[:, 1:]).view(np.float32)


def read_ivecs(path, nq):
    if not path or not os.path.exists(path):
        return None
    raw = np.fromfile(path, dtype="<i4")
    k = int(raw[0])
    return raw.reshape(-1, k + 1)[:nq, 1:]


def process_tree_rss_mb(root_pid):
    """Resident memory of root_pid's descendants (the Lite server process), MB."""
    children, total = {}, 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except OSError:
                pass
    todo = list(children.get(root_pid, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in open(f"/proc/{pid}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) // 1024
        except OSError:
            pass
    return total


def lite_fvecs(args):
    """Milvus Lite on bench/scale's vectors: one collection per index type, timed stages."""
    vecs = read_fvecs(args.base, args.rows)
    queries = read_fvecs(args.query_file, args.queries)
    truth = read_ivecs(args.gt, len(queries))
    if truth is None or len(truth) < len(queries):
        t = time.monotonic()
        truth = exact_top10(queries, vecs)
        print(f"exact ground truth (numpy): {time.monotonic() - t:.1f} s", flush=True)
    results = {"data": "fvecs", "base": args.base, "rows": len(vecs), "dim": vecs.shape[1], "queries": len(queries),
               "load_average_before": open("/proc/loadavg").read().split()[:3], "indexes": []}
    work = tempfile.mkdtemp(prefix="peers-lite-fvecs-")
    uri = os.path.join(work, "lite.db")
    lite = MilvusClient(uri=uri)
    for index_type in args.lite_index.split(","):
        name = "t_" + index_type.lower()
        schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vec", DataType.FLOAT_VECTOR, dim=vecs.shape[1])
        index = lite.prepare_index_params()
        params = {"nlist": args.nlist} if index_type == "IVF_FLAT" else {}
        index.add_index(field_name="vec", index_type=index_type, metric_type="IP", params=params)
        lite.create_collection(name, schema=schema, index_params=index)
        t = time.monotonic()
        for i in range(0, len(vecs), 1000):
            lite.insert(name, [{"id": i + j, "vec": v.tolist()} for j, v in enumerate(vecs[i:i + 1000])])
        insert_s = time.monotonic() - t
        t = time.monotonic()
        lite.flush(name)
        flush_s = time.monotonic() - t
        t = time.monotonic()
        lite.search(name, data=[queries[0].tolist()], limit=10, anns_field="vec")
        first_s = time.monotonic() - t
        row = {"index": index_type, "params": lite.describe_index(name, "vec"), "insert_rows_s": len(vecs) / insert_s,
               "flush_s": flush_s, "first_search_s": first_s, "rss_mb": process_tree_rss_mb(os.getpid()), "sweep": []}
        print(f"lite {index_type}: insert {row['insert_rows_s']:.0f} rows/s, flush {flush_s:.1f} s, "
              f"first search {first_s:.2f} s, server RSS {row['rss_mb']} MB", flush=True)
        widths = [None] if index_type != "IVF_FLAT" else [int(x) for x in args.nprobe.split(",")]
        for width in widths:
            sp = {"params": {"nprobe": width}} if width else {}
            for q in queries[:50]:  # warm
                lite.search(name, data=[q.tolist()], limit=10, anns_field="vec", search_params=sp)
            t = time.monotonic()
            cpu = time.process_time()
            hits = [[h["id"] for h in lite.search(name, data=[q.tolist()], limit=10, anns_field="vec",
                                                  search_params=sp)[0]] for q in queries]
            wall = time.monotonic() - t
            rec = float(np.mean([len(set(h) & set(tr.tolist())) / 10 for h, tr in zip(hits, truth)]))
            entry = {"nprobe": width, "recall10": rec, "qps": len(queries) / wall,
                     "client_cpu_s": time.process_time() - cpu}
            row["sweep"].append(entry)
            print(f"lite {index_type} nprobe {width}: recall@10 {rec:.3f}, {entry['qps']:.1f} queries/s", flush=True)
        results["indexes"].append(row)
    lite.close()
    t = time.monotonic()
    lite = MilvusClient(uri=uri)
    name = "t_" + args.lite_index.split(",")[0].lower()
    lite.load_collection(name)
    lite.search(name, data=[queries[0].tolist()], limit=10, anns_field="vec")
    results["reopen_first_search_s"] = time.monotonic() - t
    results["rss_after_reopen_mb"] = process_tree_rss_mb(os.getpid())
    print(f"lite reopen + first search ({name}): {results['reopen_first_search_s']:.2f} s, "
          f"server RSS {results['rss_after_reopen_mb']} MB", flush=True)
    lite.close()
    results["load_average_after"] = open("/proc/loadavg").read().split()[:3]
    print(json.dumps(results, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


def exact_top10(queries, vecs):
    out = []
    for i in range(0, len(queries), 64):  # bounded memory: 64 x rows scores at a time
        s = queries[i:i + 64] @ vecs.T
        top = np.argpartition(-s, 10, axis=1)[:, :10]
        order = np.argsort(-np.take_along_axis(s, top, axis=1), axis=1)
        out.append(np.take_along_axis(top, order, axis=1))
    return np.concatenate(out)


def rows_for(vecs):
    rows = []
    for i in range(len(vecs)):
        tags = [f"t{(i + j) % 5}" for j in range(i % 4)]
        nums = [(i + 3 * j) % 11 for j in range(i % 3)]
        meta = {"k": i % 10, "s": ("x" if i % 3 == 0 else "y") + str(i)}
        if i % 4:
            meta["l"] = [i % 3, "a" if i % 2 else "b"][: i % 4]
        row = {"id": i, "vec": vecs[i].tolist(), "cat": CATS[i % 4], "n": i % 1000, "meta": meta, "tags": tags,
               "nums": nums, "dyn": i % 7}
        if i % 5:
            row["dl"] = [i % 4 + j for j in range(i % 5 - 1)]
        rows.append(row)
    return rows


class Rest:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, path, body):
        req = urllib.request.Request(self.base + "/v2/vectordb/" + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with self.opener.open(req) as r:
            return json.load(r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgpt", default=None, help="the memgpt binary (all --data but fvecs)")
    ap.add_argument("--base", default=None, help="--data fvecs: base vectors")
    ap.add_argument("--query-file", default=None, help="--data fvecs: query vectors")
    ap.add_argument("--gt", default=None, help="--data fvecs: exact top 10 (ivecs)")
    ap.add_argument("--lite-index", default="AUTOINDEX,IVF_FLAT", help="--data fvecs: Lite index types")
    ap.add_argument("--nlist", type=int, default=1024, help="--data fvecs, IVF_FLAT")
    ap.add_argument("--nprobe", default="8,16,32,64,128", help="--data fvecs, IVF_FLAT search widths")
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--dim", type=int, default=64, help="synthetic vectors only")
    ap.add_argument("--data", choices=["synthetic", "glove", "nq", "fvecs"], default="synthetic")
    ap.add_argument("--nq", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                                 "shared", "data", "nq-open-oracle.jsonl.gz"))
    ap.add_argument("--glove", default=None, help="glove-100d.bin (default: beside --memgpt in data/)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--out", default=None, help="also write the JSON here (Milvus Lite logs to stdout)")
    args = ap.parse_args()
    if args.data == "fvecs":
        lite_fvecs(args)
        return
    if not args.memgpt:
        ap.error("--memgpt is required")
    glove_path = args.glove or os.path.join(os.path.dirname(os.path.abspath(args.memgpt)), "data", "glove-100d.bin")
    if args.data == "nq":
        vecs, queries = nq_vectors(args.nq, glove_path, args.rows, args.queries)
    elif args.data == "glove":
        allv = glove_vectors(args.glove or os.path.join(os.path.dirname(os.path.abspath(args.memgpt)), "data",
                                                        "glove-100d.bin"))
        order = np.random.default_rng(42).permutation(len(allv))
        queries = allv[order[:args.queries]]
        base = order[args.queries:]
        vecs = allv[base if args.rows <= 0 else base[:args.rows]]
        del allv
    else:
        rng = np.random.default_rng(7)
        vecs = rng.standard_normal((args.rows, args.dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        queries = vecs[np.random.default_rng(11).choice(len(vecs), args.queries, replace=False)] + \
            np.random.default_rng(12).standard_normal((args.queries, args.dim)).astype(np.float32) * 0.05
    args.rows, args.dim = len(vecs), vecs.shape[1]
    rows = rows_for(vecs)
    t = time.monotonic()
    truth = exact_top10(queries, vecs)
    print(f"exact ground truth: {time.monotonic() - t:.1f} s", flush=True)
    work = tempfile.mkdtemp(prefix="peers-lite-")
    results = {"data": args.data, "rows": args.rows, "dim": args.dim, "queries": len(queries),
               "load_average": open("/proc/loadavg").read().split()[:3]}

    # Milvus Lite.
    lite = MilvusClient(uri=os.path.join(work, "lite.db"))
    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=True)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("vec", DataType.FLOAT_VECTOR, dim=args.dim)
    schema.add_field("cat", DataType.VARCHAR, max_length=64)
    schema.add_field("n", DataType.INT64)
    schema.add_field("meta", DataType.JSON)
    schema.add_field("tags", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=8, max_length=32)
    schema.add_field("nums", DataType.ARRAY, element_type=DataType.INT64, max_capacity=8)
    index = lite.prepare_index_params()
    index.add_index(field_name="vec", index_type="AUTOINDEX", metric_type="IP")
    lite.create_collection("t", schema=schema, index_params=index)
    t = time.monotonic()
    for i in range(0, len(rows), 1000):
        lite.insert("t", rows[i:i + 1000])
    results["lite_insert_rows_s"] = len(rows) / (time.monotonic() - t)
    t = time.monotonic()
    lite_hits = [[h["id"] for h in lite.search("t", data=[q.tolist()], limit=10, anns_field="vec")[0]]
                 for q in queries]
    results["lite_qps"] = len(queries) / (time.monotonic() - t)
    print(f"lite: insert {results['lite_insert_rows_s']:.0f} rows/s, {results['lite_qps']:.1f} queries/s", flush=True)

    # memgpt milvus serve.
    server = subprocess.Popen([args.memgpt, "milvus", "serve", "--uri", os.path.join(work, "memgpt.db"),
                               "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r"http://[^:]+:(\d+)", server.stdout.readline()).group(1))
        rest = Rest(f"http://127.0.0.1:{port}")
        created = rest.call("collections/create", {
            "collectionName": "t",
            "schema": {"autoId": False, "enableDynamicField": True, "fields": [
                {"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                {"fieldName": "vec", "dataType": "FloatVector", "elementTypeParams": {"dim": str(args.dim)}},
                {"fieldName": "cat", "dataType": "VarChar", "elementTypeParams": {"max_length": "64"}},
                {"fieldName": "n", "dataType": "Int64"},
                {"fieldName": "meta", "dataType": "JSON"},
                {"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar",
                 "elementTypeParams": {"max_capacity": "8", "max_length": "32"}},
                {"fieldName": "nums", "dataType": "Array", "elementDataType": "Int64",
                 "elementTypeParams": {"max_capacity": "8"}}]},
            "indexParams": [{"fieldName": "vec", "indexName": "vec", "metricType": "IP"}]})
        if created.get("code") not in (0, 200):
            raise SystemExit(f"memgpt create failed: {created}")
        t = time.monotonic()
        for i in range(0, len(rows), 1000):
            r = rest.call("entities/insert", {"collectionName": "t", "data": rows[i:i + 1000]})
            if r.get("code") not in (0, 200):
                raise SystemExit(f"memgpt insert failed: {r}")
        results["memgpt_insert_rows_s"] = len(rows) / (time.monotonic() - t)
        t = time.monotonic()
        ours_hits = []
        for q in queries:
            r = rest.call("entities/search", {"collectionName": "t", "data": [q.tolist()], "limit": 10,
                                              "annsField": "vec", "outputFields": ["id"]})
            ours_hits.append([int(h["id"]) for h in r["data"]])
        results["memgpt_qps"] = len(queries) / (time.monotonic() - t)

        def recall(hits):
            return float(np.mean([len(set(h) & set(t.tolist())) / 10 for h, t in zip(hits, truth)]))

        results["lite_recall10"] = recall(lite_hits)
        results["memgpt_recall10"] = recall(ours_hits)

        filters = []
        for expr in FILTERS:
            try:
                a = sorted(int(x["id"]) for x in lite.query("t", filter=expr, output_fields=["id"], limit=16384))
                lite_out = a
            except Exception as e:  # noqa: BLE001 - the engine's refusal is a result here
                lite_out = "error: " + str(e).split("\n")[0][:160]
            r = rest.call("entities/query", {"collectionName": "t", "filter": expr, "outputFields": ["id"],
                                             "limit": 16384})
            ours_out = sorted(int(x["id"]) for x in r["data"]) if r.get("code") in (0, 200) else \
                "error: " + str(r.get("message", r))[:160]
            # Both refusing counts as the same answer (the messages differ).
            same = lite_out == ours_out or (isinstance(lite_out, str) and isinstance(ours_out, str))
            filters.append({"filter": expr, "same": same,
                            "lite": len(lite_out) if isinstance(lite_out, list) else lite_out,
                            "memgpt": len(ours_out) if isinstance(ours_out, list) else ours_out})
        results["filters"] = filters
    finally:
        server.terminate()
        server.wait(10)
    print(json.dumps(results, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
