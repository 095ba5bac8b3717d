"""Archival search latency, memgpt against pymemgpt 0.3.25 with Milvus Lite, at several sizes.

Run with build/venv-pymemgpt/bin/python (pymemgpt, its pymilvus and Milvus Lite):
  archival_latency.py --memgpt build/release/memgpt [--sizes 10000,100000] [--queries 200] [--dim 384]
                      [--out FILE]

Both sides hold the same passages with the same vectors: synthetic text (seeded) with a
deterministic vector per text (seeded by its SHA-256, unit length), computed here for the
passages and served for the queries by an OpenAI-compatible `/v1/embeddings` endpoint on
127.0.0.1 in this process (float lists or base64, as the OpenAI client asks), which both systems
call at search time, as an agent's archival_memory_search does.
- pymemgpt: its own archival storage connector (MilvusStorageConnector, Milvus Lite on a local
  file, vectors zero-padded to 4096 as pymemgpt stores them), passages inserted with insert_many;
  a search is what EmbeddingArchivalMemory.search does for a query it has not cached:
  query_embedding() (the embedding request, padded) + storage.query(top_k=10) (a Lite search
  filtered on user_id and agent_id, rows turned into Passages), in this process.
- memgpt: `memgpt server` with an agent; the passages are written into the agent's archival
  collection through `memgpt milvus serve` on the same file (what /v1/agents/{id}/archival-memory
  would write, without embedding each one again); a search is GET
  /v1/agents/{id}/archival-memory/search?query=..&top_k=10 over loopback HTTP (embedding request,
  hybrid vector + BM25 search, JSON reply).
Each search is timed alone (one at a time) after 5 warm-up queries; p50 and p99 per size."""
import argparse
import base64
import hashlib
import http.server as http_server
import json
import threading
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402  (stdlib helpers: environment, tiktoken seed)

PASSWORD = "bench-password"
EMBED_MODEL = "text-embedding-ada-002"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def words(rng, n):
    syll = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "da", "gri", "mon", "sel", "tor", "an"]
    return [rng.choice(syll) + rng.choice(syll) + rng.choice(syll) for _ in range(n)]


def texts(seed, count, vocabulary, prefix=True):
    """30 words each; with `prefix`, each starts "passage <seed>-<i>:" (a word in every text)."""
    rng = random.Random(seed)
    head = (lambda i: f"passage {seed}-{i}: ") if prefix else (lambda i: "")
    return [head(i) + " ".join(rng.choice(vocabulary) for _ in range(30)) for i in range(count)]


def http(method, url, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with OPENER.open(req, timeout=600) as r:
        return json.load(r)


def vector_of(text, dim):
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def embeddings_server(dim):
    """OpenAI-compatible POST /v1/embeddings on 127.0.0.1 (a free port), in a thread."""
    class Handler(http_server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (the handler's interface)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            items = body["input"] if isinstance(body["input"], list) else [body["input"]]
            b64 = body.get("encoding_format") == "base64"
            data = []
            for i, text in enumerate(items):
                v = vector_of(text if isinstance(text, str) else json.dumps(text), dim)
                data.append({"object": "embedding", "index": i,
                             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if b64 else v.tolist()})
            out = json.dumps({"object": "list", "data": data, "model": body.get("model", EMBED_MODEL),
                              "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = http_server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Proc:
    def __init__(self, cmd, ready, env):
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port, self.lines = None, []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(ready, line)
            if m:
                self.port = int(m.group(1))
                break
        if self.port is None:
            raise SystemExit(f"{cmd[0]} did not start: {''.join(self.lines)[-2000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(120)


def percentiles(seconds):
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean()), "n": len(ms)}


def timed_searches(search, queries):
    """5 warm-up searches, then each other query timed alone: (times in s, top-10 lists)."""
    for q in queries[:5]:
        search(q)
    times, hits = [], []
    for q in queries[5:]:
        t = time.monotonic()
        hits.append(search(q))
        times.append(time.monotonic() - t)
    return times, hits


def pymemgpt_side(size, passages, vectors, queries, embed_port, work, home):
    from memgpt.agent_store.milvus import MilvusStorageConnector
    from memgpt.agent_store.storage import TableType
    from memgpt.config import MemGPTConfig
    from memgpt.data_types import EmbeddingConfig, Passage
    from memgpt.embeddings import embedding_model, query_embedding

    config = MemGPTConfig(config_path=os.path.join(home, ".memgpt", "config"), archival_storage_type="milvus",
                          archival_storage_uri=os.path.join(work, f"lite-{size}.db"))
    user_id, agent_id = uuid.uuid4(), uuid.uuid4()
    storage = MilvusStorageConnector(TableType.ARCHIVAL_MEMORY, config, user_id, agent_id)
    t = time.monotonic()
    for i in range(0, size, 500):
        batch = [Passage(text=passages[k], user_id=user_id, agent_id=agent_id, embedding=vectors[k],
                         embedding_dim=vectors.shape[1], embedding_model=EMBED_MODEL, id=uuid.uuid4())
                 for k in range(i, min(size, i + 500))]
        storage.insert_many(batch)
    insert_s = time.monotonic() - t
    model = embedding_model(EmbeddingConfig(embedding_endpoint_type="openai",
                                            embedding_endpoint=f"http://127.0.0.1:{embed_port}/v1",
                                            embedding_model=EMBED_MODEL, embedding_dim=vectors.shape[1]))

    def search(q):
        vec = query_embedding(model, q)
        return [p.text for p in storage.query(q, vec, top_k=10)]

    times, hits = timed_searches(search, queries)
    assert storage.size() == size, storage.size()
    return {"insert_s": insert_s, **percentiles(times)}, hits


def memgpt_side(size, passages, vectors, queries, args, env, llm_port, embed_port, work):
    home = os.path.join(work, f"memgpt-home-{size}")
    os.makedirs(home, exist_ok=True)
    env = dict(env, MEMGPT_HOME=home, MEMGPT_SERVER_PASS=PASSWORD)
    db = os.path.join(work, f"memgpt-{size}.db")
    subprocess.run(
        [args.memgpt, "configure", "--llm-provider", "openai", "--model", "gpt-4", "--model-endpoint",
         f"http://127.0.0.1:{llm_port}/v1", "--openai-key", "sk-bench", "--embedding-provider", "openai",
         "--embedding-endpoint", f"http://127.0.0.1:{embed_port}/v1", "--embedding-model", EMBED_MODEL,
         "--embedding-dim", str(vectors.shape[1]), "--archival-storage", "milvus", "--archival-uri", db],
        env=env, check=True, stdout=subprocess.DEVNULL)
    auth = {"Authorization": f"Bearer {PASSWORD}"}
    server = Proc([args.memgpt, "server", "--port", "0", "--quiet"], r"running at https?://[^:]+:(\d+)", env)
    base = f"http://127.0.0.1:{server.port}"
    try:
        agent = http("POST", f"{base}/v1/agents", {"name": "bench"}, auth)
        # The first passage through the API: memgpt creates the collection with its own schema.
        http("POST", f"{base}/v1/agents/{agent['id']}/archival-memory", {"text": passages[0]}, auth)
    finally:
        server.stop()
    serve = Proc([args.memgpt, "milvus", "serve", "--uri", db, "--port", "0"], r"http://[^:]+:(\d+)", env)
    t = time.monotonic()
    try:
        rest = f"http://127.0.0.1:{serve.port}/v2/vectordb/"
        name = next(c for c in http("POST", rest + "collections/list", {})["data"] if c.startswith("memgpt_archival_"))
        template = http("POST", rest + "entities/query", {"collectionName": name, "filter": "", "outputFields": ["*"],
                                                          "limit": 1})["data"][0]
        # The API's own row keeps passages[0]; the others are written with its fields.
        for i in range(1, size, 1000):
            rows = []
            for k in range(i, min(size, i + 1000)):
                row = dict(template, id=str(uuid.uuid4()), text=passages[k], embedding=vectors[k].tolist(),
                           created_at=int(time.time() * 1000))
                rows.append(row)
            r = http("POST", rest + "entities/insert", {"collectionName": name, "data": rows})
            if r.get("code") not in (0, 200):
                raise SystemExit(f"memgpt insert failed: {str(r)[:300]}")
    finally:
        serve.stop()  # saves the graph beside the file
    insert_s = time.monotonic() - t
    server = Proc([args.memgpt, "server", "--port", "0", "--quiet"], r"running at https?://[^:]+:(\d+)", env)
    base = f"http://127.0.0.1:{server.port}"
    try:
        def search(q):
            url = f"{base}/v1/agents/{agent['id']}/archival-memory/search?" + urllib.parse.urlencode(
                {"query": q, "top_k": 10})
            return [r["content"] for r in http("GET", url, headers=auth)["results"]]

        times, hits = timed_searches(search, queries)
        count = http("GET", f"{base}/v1/agents/{agent['id']}/archival-memory?limit=1", headers=auth)
        assert isinstance(count, list)
    finally:
        server.stop()
    return {"insert_s": insert_s, **percentiles(times)}, hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memgpt", required=True)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--no-common-word", action="store_true",
                    help="texts without the 'passage N-i:' prefix (no word common to every text)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    work = tempfile.mkdtemp(prefix="peers-archival-")
    home = os.path.join(work, "pymemgpt-home")
    os.makedirs(os.path.join(home, ".memgpt"), exist_ok=True)
    with open(os.path.join(home, ".memgpt", "credentials"), "w") as f:
        f.write("[openai]\nkey = sk-bench\n")
    env = peers.env_for(home, {"TIKTOKEN_CACHE_DIR": os.path.join(work, "tiktoken")})
    peers.seed_tiktoken(root, env["TIKTOKEN_CACHE_DIR"])
    os.environ.update(env)  # pymemgpt runs in this process: its home, the dead proxy, tiktoken
    embedder = embeddings_server(args.dim)
    llm_port = embed_port = embedder.server_address[1]  # no chat request is made
    results = {"dim": args.dim, "queries": args.queries, "load_average_start": open("/proc/loadavg").read().split()[:3],
               "sizes": {}}
    try:
        vocabulary = words(random.Random(1), 5000)
        sizes = [int(s) for s in args.sizes.split(",")]
        passages = texts(2, max(sizes), vocabulary, not args.no_common_word)
        queries = texts(3, args.queries + 5, vocabulary, not args.no_common_word)
        vectors = np.stack([vector_of(p, args.dim) for p in passages])
        for size in sizes:
            ours, ours_hits = memgpt_side(size, passages, vectors, queries, args, env, llm_port, embed_port, work)
            print(f"{size}: memgpt {ours}", flush=True)
            theirs, their_hits = pymemgpt_side(size, passages, vectors, queries, embed_port, work, home)
            print(f"{size}: pymemgpt {theirs}", flush=True)
            overlap = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ours_hits, their_hits)]))
            results["sizes"][str(size)] = {
                "memgpt": ours, "pymemgpt": theirs, "top10_overlap": overlap,
                "ratio_p50": theirs["p50_ms"] / ours["p50_ms"], "ratio_p99": theirs["p99_ms"] / ours["p99_ms"],
                "load_average": open("/proc/loadavg").read().split()[:3]}
    finally:
        embedder.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=1))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
