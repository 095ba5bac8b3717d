#!/usr/bin/env python3
"""The reference for bench/embed: all-MiniLM-L6-v2 as sentence-transformers runs it (HF
tokenizers with the model's tokenizer.json, inputs sorted by length, batches of 32 padded to the
longest with an attention mask, BERT forward pass, mean pooling over the mask, L2 norm), written
in numpy float32 on OpenBLAS because torch cannot be installed here. GELU is the tanh form (numpy
has no vectorised erf; ggml uses the same form). Prints passages/s, and the cosine against the
vectors memgpt wrote when --compare is given.

usage: reference_bench.py MODEL_DIR CHUNKS.jsonl [--compare VECTORS.jsonl]
"""
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


class Bert:
    def __init__(self, model_dir):
        self.cfg = json.loads((model_dir / "config.json").read_text())
        self.t = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        # Linear weights transposed once, as a framework keeps them ready for x @ W.
        for k in list(self.t):
            if k.endswith(".weight") and self.t[k].ndim == 2 and k.startswith("encoder."):
                self.t[k] = np.ascontiguousarray(self.t[k].T)

    def forward(self, ids, mask):
        t, cfg = self.t, self.cfg
        eps = cfg["layer_norm_eps"]
        b, n = ids.shape
        h = t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:n] \
            + t["embeddings.token_type_embeddings.weight"][0]
        h = layer_norm(h, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
        heads = cfg["num_attention_heads"]
        d = cfg["hidden_size"] // heads
        bias = ((1.0 - mask) * -1e9).astype(np.float32)[:, None, None, :]
        for i in range(cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            lin = lambda x, name: x @ t[p + name + ".weight"] + t[p + name + ".bias"]
            q = lin(h, "attention.self.query").reshape(b, n, heads, d).transpose(0, 2, 1, 3)
            k = lin(h, "attention.self.key").reshape(b, n, heads, d).transpose(0, 2, 3, 1)
            v = lin(h, "attention.self.value").reshape(b, n, heads, d).transpose(0, 2, 1, 3)
            s = (q @ k) * np.float32(1.0 / math.sqrt(d)) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(b, n, heads * d)
            h = layer_norm(h + lin(a, "attention.output.dense"), t[p + "attention.output.LayerNorm.weight"],
                           t[p + "attention.output.LayerNorm.bias"], eps)
            m = lin(gelu(lin(h, "intermediate.dense")), "output.dense")
            h = layer_norm(h + m, t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"], eps)
        pooled = (h * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def main():
    model_dir, chunks_path = Path(sys.argv[1]), sys.argv[2]
    compare = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--compare" else None
    texts = [json.loads(l) for l in open(chunks_path, encoding="utf-8") if l.strip()]
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    model = Bert(model_dir)
    start = time.time()
    enc = [tok.encode(x).ids for x in texts]
    order = sorted(range(len(texts)), key=lambda i: -len(enc[i]))
    out = [None] * len(texts)
    for at in range(0, len(order), 32):
        batch = order[at:at + 32]
        n = max(len(enc[i]) for i in batch)
        ids = np.zeros((len(batch), n), dtype=np.int64)
        mask = np.zeros((len(batch), n), dtype=np.float32)
        for r, i in enumerate(batch):
            ids[r, :len(enc[i])] = enc[i]
            mask[r, :len(enc[i])] = 1
        for r, v in zip(batch, model.forward(ids, mask)):
            out[r] = v
    s = time.time() - start
    print(f"reference (numpy float32, OpenBLAS): {s:.2f} s = {len(texts) / s:.1f} passages/s")
    if compare:
        mine = [np.array(json.loads(l), dtype=np.float64) for l in open(compare) if l.strip()]
        cos = [float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))) for a, b in zip(mine, out)]
        print(f"cosine memgpt vs reference over {len(cos)} chunks: min {min(cos):.6f}, mean {np.mean(cos):.6f}")


if __name__ == "__main__":
    main()
