#!/usr/bin/env python3
"""Converts a sentence-transformers BERT model folder (config.json, model.safetensors, vocab.txt,
1_Pooling/config.json) into a GGUF file that llama.cpp loads as architecture "bert".

Only numpy, safetensors and gguf (PyPI: llama.cpp's own GGUF writer) are needed; llama.cpp's
convert_hf_to_gguf.py does the same but imports torch. memgpt tokenises itself (WordPiece, see
src/embed/wordpiece.h), yet llama.cpp needs the vocabulary to load a model, so it is written too,
in llama.cpp's "phantom space" convention.

usage: convert_bert_gguf.py MODEL_DIR OUT.gguf [--type f32|f16] [--name NAME]
"""
import argparse
import json
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import load_file

SKIPPED = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--type", choices=["f32", "f16"], default="f32")
    ap.add_argument("--name", default="all-MiniLM-L6-v2")
    args = ap.parse_args()

    config = json.loads((args.model_dir / "config.json").read_text())
    if config.get("model_type") != "bert":
        sys.exit(f"{args.model_dir}: model_type {config.get('model_type')!r} is not bert")
    pooling = json.loads((args.model_dir / "1_Pooling" / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens"):
        sys.exit(f"{args.model_dir}: only mean pooling is supported")
    vocab = (args.model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    if len(vocab) != config["vocab_size"]:
        sys.exit(f"vocab.txt has {len(vocab)} entries, config.json says {config['vocab_size']}")

    n_layer = config["num_hidden_layers"]
    writer = gguf.GGUFWriter(str(args.out), "bert")
    writer.add_name(args.name)
    writer.add_block_count(n_layer)
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_layer_norm_eps(config["layer_norm_eps"])
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    # The input limit sentence-transformers applies (below the position table's length).
    st_config = args.model_dir / "sentence_bert_config.json"
    max_seq = json.loads(st_config.read_text()).get("max_seq_length") if st_config.exists() else None
    writer.add_uint32("sentence_transformers.max_seq_length", int(max_seq or config["max_position_embeddings"]))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if args.type == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    writer.add_token_type_count(config.get("type_vocab_size", 2))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    tokens, types = [], []
    for tok in vocab:
        if tok in SPECIAL:
            tokens.append(tok)
            types.append(gguf.TokenType.CONTROL)
        else:
            tokens.append(tok[2:] if tok.startswith("##") else "\u2581" + tok)
            types.append(gguf.TokenType.NORMAL)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    ids = {tok: i for i, tok in enumerate(vocab)}
    writer.add_pad_token_id(ids["[PAD]"])
    writer.add_unk_token_id(ids["[UNK]"])
    writer.add_bos_token_id(ids["[CLS]"])
    writer.add_sep_token_id(ids["[SEP]"])
    writer.add_mask_token_id(ids["[MASK]"])

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layer)
    tensors = load_file(str(args.model_dir / "model.safetensors"))
    written = 0
    for name in sorted(tensors):
        hf = name[5:] if name.startswith("bert.") else name
        if hf in SKIPPED:
            continue
        target = names.get_name(hf, try_suffixes=(".weight", ".bias"))
        if target is None:
            sys.exit(f"no GGUF name for tensor {name}")
        data = tensors[name].astype(np.float32)
        # Matrices may be half precision; norms, biases and embeddings' small tables stay f32.
        if args.type == "f16" and data.ndim == 2 and not target.startswith(("token_types", "position_embd")):
            data = data.astype(np.float16)
        writer.add_tensor(target, data)
        written += 1

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {args.out} ({written} tensors, {args.type})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
