#!/usr/bin/python3
"""Tiny random checkpoints in the Hugging Face folder layout, with PyTorch reference outputs.

Whittle's own PyTorch implementations of the GPT-2 and Llama-family conventions (no
`transformers` or `safetensors` package is needed; run with Debian's python3-torch):

  GPT-2 (GPT2LMHeadModel): learned positions, LayerNorm, Conv1D weights stored [in, out],
    fused c_attn = q|k|v, gelu_new (tanh GELU), lm_head tied to wte.
  Llama family (LlamaForCausalLM; model_type mistral / qwen2 share the graph): RMSNorm,
    rotary positions in the rotate_half convention with inv_freq = 1/θ^(2i/hd) (and Llama 3's
    rope_scaling), grouped-query attention by repeating KV heads, SwiGLU MLP, nn.Linear
    weights stored [out, in], optional q/k/v biases (Qwen2), tied or untied lm_head.

Each fixture is a folder (config.json, model.safetensors or shards + model.safetensors.index.json,
tokenizer.json, tokenizer_config.json) and, next to it, `<name>.json` with the prompt, its token
ids (`prompt_ids`, from this script's own byte-level BPE encoder), the model input `ids` (the
prompt's ids cut to fit the context), the reference logits [T, vocab] for `ids` and the `greedy`
continuation of `ids`.

  /usr/bin/python3 scripts/hf_fixtures.py --suite OUT          # every fixture the tests use
  /usr/bin/python3 scripts/hf_fixtures.py --out DIR --arch llama --layers 30 --d 576 --heads 9 \
      --kv-heads 3 --mlp 1536 --vocab 49152 --tied              # one folder (SmolLM-135M shape)

Options of the single-folder form: --arch gpt2|llama|mistral|qwen2|smollm, --layers, --d, --heads,
--kv-heads, --mlp, --vocab, --context, --tied/--untied, --dtype F32|F16|BF16, --shards N,
--seed, --std, --rope-scaling (Llama 3 scaling), --prefix/--no-prefix (GPT-2 keys with
`transformer.`), --greedy N, --no-reference.
"""
import argparse
import json
import math
import os
import re
import struct
import sys

import torch

torch.set_grad_enabled(False)

PROMPT = "The quick brown fox jumps over the lazy dog. It's 42!"
# Text the tokenizer's merges are learned from (deterministic).
BPE_TEXT = (
    "The quick brown fox jumps over the lazy dog. The dog sleeps and the fox runs. "
    "It's a small model that we carve out of a larger one; the smaller the better. "
    "There are 42 tokens in the answer, and the answer is always the same answer. "
    "Whittle trains, prunes and exports small models: the model, the tokens, the end."
)

# ---------------------------------------------------------------------------------------------
# Byte-level BPE (the GPT-2 tokenizer convention)


def bytes_to_unicode():
    """GPT-2's reversible byte → printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()
# GPT-2's pre-tokenizer pattern restricted to ASCII letters/digits (the fixtures' texts are ASCII).
PRETOKENIZE = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")


def pretokenize(text):
    return ["".join(BYTE_ENCODER[b] for b in w.encode("utf-8")) for w in PRETOKENIZE.findall(text)]


def learn_merges(text, count):
    """Greedy BPE on pre-tokenized words: most frequent pair first, ties by the pair's text."""
    words = {}
    for w in pretokenize(text):
        words[w] = words.get(w, 0) + 1
    seqs = {w: list(w) for w in words}
    merges = []
    while len(merges) < count:
        pairs = {}
        for w, s in seqs.items():
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + words[w]
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < 2:
            break
        merges.append(best)
        for w, s in seqs.items():
            out, i = [], 0
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    out.append(s[i] + s[i + 1])
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            seqs[w] = out
    return merges


class ByteBpe:
    def __init__(self, vocab_size):
        # 256 byte tokens, then merges, then <|endoftext|> as the last id.
        n_merges = max(0, min(vocab_size - 257, 400))
        self.merges = learn_merges(BPE_TEXT, n_merges)
        self.vocab = {BYTE_ENCODER[b]: b for b in range(256)}
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        self.eos_id = len(self.vocab)
        self.rank = {m: i for i, m in enumerate(self.merges)}

    def encode(self, text):
        ids = []
        for w in pretokenize(text):
            s = list(w)
            while len(s) > 1:
                ranked = [(self.rank.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
                r, i = min(ranked)
                if r == math.inf:
                    break
                a, b = self.merges[r]
                out, j = [], 0
                while j < len(s):  # merge every occurrence of the pair, left to right
                    if j + 1 < len(s) and s[j] == a and s[j + 1] == b:
                        out.append(a + b)
                        j += 2
                    else:
                        out.append(s[j])
                        j += 1
                s = out
            ids.extend(self.vocab[t] for t in s)
        return ids

    def tokenizer_json(self):
        eos = "<|endoftext|>"
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [{"id": self.eos_id, "content": eos, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}],
            "normalizer": None,
            "pre_tokenizer": byte_level,
            "post_processor": dict(byte_level, trim_offsets=False),
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }

    def tokenizer_config(self):
        eos = "<|endoftext|>"
        return {"add_bos_token": False, "add_prefix_space": False, "bos_token": eos, "eos_token": eos,
                "unk_token": eos, "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer", "clean_up_tokenization_spaces": False}


# ---------------------------------------------------------------------------------------------
# Models. Parameters live in a dict under their Hugging Face names, in HF's storage layout.


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def causal_softmax_attention(q, k, v):
    """q [B, H, T, hd], k/v [B, H, T, hd] → [B, H, T, hd]."""
    T = q.shape[2]
    att = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    att = att.masked_fill(mask, float("-inf"))
    return torch.softmax(att, dim=-1) @ v


class Gpt2:
    def __init__(self, cfg, p, prefix):
        self.cfg, self.p, self.pre = cfg, p, prefix

    def w(self, name):
        return self.p[self.pre + name]

    def forward(self, ids):  # ids [B, T] → logits [B, T, V]
        c = self.cfg
        B, T = ids.shape
        d, H = c["n_embd"], c["n_head"]
        hd = d // H
        eps = c["layer_norm_epsilon"]
        ln = lambda x, n: torch.nn.functional.layer_norm(x, (d,), self.w(n + ".weight"), self.w(n + ".bias"), eps)
        conv1d = lambda x, n: x @ self.w(n + ".weight") + self.w(n + ".bias")  # Conv1D: weight [in, out]
        x = self.w("wte.weight")[ids] + self.w("wpe.weight")[torch.arange(T)]
        for l in range(c["n_layer"]):
            h = ln(x, f"h.{l}.ln_1")
            qkv = conv1d(h, f"h.{l}.attn.c_attn")  # [B, T, 3d]
            q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in qkv.split(d, dim=2))
            y = causal_softmax_attention(q, k, v).transpose(1, 2).reshape(B, T, d)
            x = x + conv1d(y, f"h.{l}.attn.c_proj")
            h = ln(x, f"h.{l}.ln_2")
            x = x + conv1d(gelu_new(conv1d(h, f"h.{l}.mlp.c_fc")), f"h.{l}.mlp.c_proj")
        x = ln(x, "ln_f")
        return x @ self.w("wte.weight").t()


def rms_norm(x, g, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * g


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def llama_inv_freq(c, hd):
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    rs = c.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        factor, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / lo, old / hi
        wavelen = 2 * math.pi / inv_freq
        scaled = torch.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        inv_freq = torch.where(medium, smoothed, scaled)
    return inv_freq


class Llama:
    def __init__(self, cfg, p):
        self.cfg, self.p = cfg, p

    def forward(self, ids):
        c, p = self.cfg, self.p
        B, T = ids.shape
        d, H, KV = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
        hd = c.get("head_dim") or d // H
        eps = c["rms_norm_eps"]
        act = {"silu": torch.nn.functional.silu, "gelu_pytorch_tanh": gelu_new, "gelu_new": gelu_new,
               "gelu": torch.nn.functional.gelu, "relu": torch.relu}[c["hidden_act"]]
        inv_freq = llama_inv_freq(c, hd)
        freqs = torch.arange(T).float()[:, None] * inv_freq[None, :]  # [T, hd/2]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()  # [T, hd]
        rope = lambda x: x * cos + rotate_half(x) * sin
        linear = lambda x, n: x @ p[n + ".weight"].t() + (p[n + ".bias"] if n + ".bias" in p else 0)  # nn.Linear: [out, in]
        x = p["model.embed_tokens.weight"][ids]
        for l in range(c["num_hidden_layers"]):
            a = f"model.layers.{l}."
            h = rms_norm(x, p[a + "input_layernorm.weight"], eps)
            q = linear(h, a + "self_attn.q_proj").view(B, T, H, hd).transpose(1, 2)
            k = linear(h, a + "self_attn.k_proj").view(B, T, KV, hd).transpose(1, 2)
            v = linear(h, a + "self_attn.v_proj").view(B, T, KV, hd).transpose(1, 2)
            q, k = rope(q), rope(k)
            k = k.repeat_interleave(H // KV, dim=1)  # repeat_kv: KV head j serves query heads j·H/KV …
            v = v.repeat_interleave(H // KV, dim=1)
            y = causal_softmax_attention(q, k, v).transpose(1, 2).reshape(B, T, H * hd)
            x = x + linear(y, a + "self_attn.o_proj")
            h = rms_norm(x, p[a + "post_attention_layernorm.weight"], eps)
            x = x + linear(act(linear(h, a + "mlp.gate_proj")) * linear(h, a + "mlp.up_proj"), a + "mlp.down_proj")
        x = rms_norm(x, p["model.norm.weight"], eps)
        head = p["model.embed_tokens.weight"] if c["tie_word_embeddings"] else p["lm_head.weight"]
        return x @ head.t()


# ---------------------------------------------------------------------------------------------
# Configs and random parameters


def make_config(a, eos_id):
    if a.arch == "gpt2":
        return {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "activation_function": "gelu_new",
                "n_embd": a.d, "n_head": a.heads, "n_layer": a.layers, "n_positions": a.context, "n_ctx": a.context,
                "n_inner": a.mlp, "vocab_size": a.vocab, "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True,
                "bos_token_id": eos_id, "eos_token_id": eos_id, "torch_dtype": DTYPE_NAMES[a.dtype]}
    arch = {"llama": "LlamaForCausalLM", "smollm": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"}[a.arch]
    model_type = "llama" if a.arch == "smollm" else a.arch
    c = {"architectures": [arch], "model_type": model_type, "hidden_act": "silu", "hidden_size": a.d,
         "intermediate_size": a.mlp, "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads,
         "num_hidden_layers": a.layers, "max_position_embeddings": a.context, "vocab_size": a.vocab,
         "rms_norm_eps": 1e-6 if a.arch == "qwen2" else 1e-5, "rope_theta": 1000000.0 if a.arch == "qwen2" else 10000.0,
         "tie_word_embeddings": a.tied, "bos_token_id": eos_id, "eos_token_id": eos_id, "torch_dtype": DTYPE_NAMES[a.dtype],
         "initializer_range": a.std}
    if a.arch in ("llama", "smollm"):
        c.update({"attention_bias": False, "mlp_bias": False, "rope_scaling": None, "pretraining_tp": 1})
    if a.arch == "mistral":
        c.update({"sliding_window": None})
    if a.arch == "qwen2":
        c.update({"use_sliding_window": False, "sliding_window": a.context, "max_window_layers": a.layers})
    if a.rope_scaling:
        c["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8}
    return c


def make_params(a, c, gen):
    """Random parameters under HF names in HF layout (insertion order = the order a checkpoint lists them)."""
    def rnd(*shape, std=a.std):
        return torch.randn(*shape, generator=gen) * std

    def gain(n):
        return 1.0 + 0.1 * torch.randn(n, generator=gen)

    p = {}
    if a.arch == "gpt2":
        d, f, pre = a.d, a.mlp, "transformer." if a.prefix else ""
        p[pre + "wte.weight"] = rnd(a.vocab, d)
        p[pre + "wpe.weight"] = rnd(a.context, d, std=0.01)
        for l in range(a.layers):
            h = f"{pre}h.{l}."
            p[h + "ln_1.weight"], p[h + "ln_1.bias"] = gain(d), rnd(d)
            # GPT-2's causal-mask buffers, present in many saved checkpoints; readers must ignore them.
            p[h + "attn.bias"] = torch.tril(torch.ones(a.context, a.context)).view(1, 1, a.context, a.context)
            p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"] = rnd(d, 3 * d), rnd(3 * d)
            p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"] = rnd(d, d), rnd(d)
            p[h + "ln_2.weight"], p[h + "ln_2.bias"] = gain(d), rnd(d)
            p[h + "mlp.c_fc.weight"], p[h + "mlp.c_fc.bias"] = rnd(d, f), rnd(f)
            p[h + "mlp.c_proj.weight"], p[h + "mlp.c_proj.bias"] = rnd(f, d), rnd(d)
        p[pre + "ln_f.weight"], p[pre + "ln_f.bias"] = gain(d), rnd(d)
        return p
    d, f, H, KV = a.d, a.mlp, a.heads, a.kv_heads
    hd = d // H
    p["model.embed_tokens.weight"] = rnd(a.vocab, d)
    for l in range(a.layers):
        h = f"model.layers.{l}."
        p[h + "input_layernorm.weight"] = gain(d)
        p[h + "self_attn.q_proj.weight"] = rnd(H * hd, d)
        p[h + "self_attn.k_proj.weight"] = rnd(KV * hd, d)
        p[h + "self_attn.v_proj.weight"] = rnd(KV * hd, d)
        if a.arch == "qwen2":
            p[h + "self_attn.q_proj.bias"] = rnd(H * hd)
            p[h + "self_attn.k_proj.bias"] = rnd(KV * hd)
            p[h + "self_attn.v_proj.bias"] = rnd(KV * hd)
        p[h + "self_attn.o_proj.weight"] = rnd(d, H * hd)
        p[h + "post_attention_layernorm.weight"] = gain(d)
        p[h + "mlp.gate_proj.weight"] = rnd(f, d)
        p[h + "mlp.up_proj.weight"] = rnd(f, d)
        p[h + "mlp.down_proj.weight"] = rnd(d, f)
    p["model.norm.weight"] = gain(d)
    if not a.tied:
        p["lm_head.weight"] = rnd(a.vocab, d)
    return p


# ---------------------------------------------------------------------------------------------
# safetensors writer (https://huggingface.co/docs/safetensors): u64 LE header length, JSON header,
# raw little-endian data.

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
DTYPE_NAMES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def tensor_bytes(t, dtype):
    t = t.to(DTYPES[dtype]).contiguous()
    if dtype == "BF16":
        t = t.view(torch.int16)  # numpy has no bfloat16
    return t.numpy().tobytes()


def write_safetensors(path, tensors, dtype):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return offset


def write_folder(a):
    os.makedirs(a.out, exist_ok=True)
    gen = torch.Generator().manual_seed(a.seed)
    tok = ByteBpe(a.vocab)
    if tok.eos_id >= a.vocab:
        sys.exit(f"--vocab {a.vocab} is too small for the tokenizer (needs at least {tok.eos_id + 1})")
    cfg = make_config(a, tok.eos_id)
    params = make_params(a, cfg, gen)
    # The reference runs on the weights as stored: rounded to the file's dtype, computed in float32.
    params = {k: v.to(DTYPES[a.dtype]).float() for k, v in params.items()}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(a.out, "tokenizer.json"), "w") as f:
        json.dump(tok.tokenizer_json(), f, ensure_ascii=False)
    with open(os.path.join(a.out, "tokenizer_config.json"), "w") as f:
        json.dump(tok.tokenizer_config(), f, indent=2)
    names = list(params)
    if a.shards <= 1:
        write_safetensors(os.path.join(a.out, "model.safetensors"), params, a.dtype)
    else:
        per = math.ceil(len(names) / a.shards)
        weight_map, total = {}, 0
        for s in range(a.shards):
            file = f"model-{s + 1:05d}-of-{a.shards:05d}.safetensors"
            part = {n: params[n] for n in names[s * per:(s + 1) * per]}
            total += write_safetensors(os.path.join(a.out, file), part, a.dtype)
            weight_map.update({n: file for n in part})
        with open(os.path.join(a.out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    if a.no_reference:
        return
    model = Gpt2(cfg, params, "transformer." if a.prefix else "") if a.arch == "gpt2" else Llama(cfg, params)
    prompt_ids = tok.encode(PROMPT)
    ids = prompt_ids[: a.context - a.greedy]
    logits = model.forward(torch.tensor([ids]))[0]  # [T, V]
    seq = list(ids)
    for _ in range(a.greedy):  # greedy decoding by re-running the whole sequence each step
        seq.append(int(model.forward(torch.tensor([seq]))[0, -1].argmax()))
    ref = {"arch": a.arch, "dtype": a.dtype, "prompt": PROMPT, "prompt_ids": prompt_ids, "ids": ids, "eos_id": tok.eos_id,
           "logits": [[float(v) for v in row] for row in logits], "greedy": seq[len(ids):]}
    with open(a.out.rstrip("/") + ".json", "w") as f:
        json.dump(ref, f)


# Every fixture the tests use: name → options over the defaults below.
SUITE = {
    "gpt2": dict(arch="gpt2"),
    "gpt2-prefixed-f16": dict(arch="gpt2", prefix=True, dtype="F16"),
    "llama-tied": dict(arch="llama", tied=True),
    "llama-untied-rope3": dict(arch="llama", tied=False, rope_scaling=True, context=40),
    "llama-bf16": dict(arch="llama", tied=False, dtype="BF16"),
    "llama-sharded": dict(arch="llama", tied=False, shards=3),
    "mistral": dict(arch="mistral", tied=False, heads=4, kv_heads=2),
    "qwen2": dict(arch="qwen2", tied=True, heads=4, kv_heads=2),
    "smollm": dict(arch="smollm", tied=True, heads=4, kv_heads=1, d=24, mlp=40),
}


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", help="write every test fixture under this folder")
    ap.add_argument("--out", help="write one fixture folder here (reference JSON at OUT.json)")
    ap.add_argument("--arch", choices=["gpt2", "llama", "mistral", "qwen2", "smollm"], default="llama")
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=None, help="default: --heads (GPT-2 ignores it)")
    ap.add_argument("--mlp", type=int, default=None, help="default: 4·d (GPT-2), 3·d (Llama)")
    ap.add_argument("--vocab", type=int, default=320)
    ap.add_argument("--context", type=int, default=32)
    ap.add_argument("--tied", dest="tied", action="store_true", default=True)
    ap.add_argument("--untied", dest="tied", action="store_false")
    ap.add_argument("--dtype", choices=list(DTYPES), default="F32")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--std", type=float, default=0.2, help="std of the random weights (0.02 for a realistic scale)")
    ap.add_argument("--rope-scaling", action="store_true", help="Llama 3 rope_scaling (factor 8, original context 8)")
    ap.add_argument("--prefix", action="store_true", help="GPT-2 tensor names with the transformer. prefix")
    ap.add_argument("--greedy", type=int, default=6, help="greedy tokens in the reference")
    ap.add_argument("--no-reference", action="store_true", help="skip the PyTorch reference (large models)")
    return ap


def finish(a):
    if a.kv_heads is None:
        a.kv_heads = a.heads
    if a.mlp is None:
        a.mlp = 4 * a.d if a.arch == "gpt2" else 3 * a.d
    if a.arch == "gpt2" and not a.tied:
        sys.exit("GPT2LMHeadModel ties lm_head to wte: --untied is not a GPT-2 option")
    if a.d % a.heads or a.heads % a.kv_heads:
        sys.exit(f"--d {a.d} must be a multiple of --heads {a.heads}, and --heads of --kv-heads {a.kv_heads}")
    return a


def main():
    ap = parser()
    a = ap.parse_args()
    if a.suite:
        for i, (name, opts) in enumerate(SUITE.items()):
            b = ap.parse_args([])
            for k, v in opts.items():
                setattr(b, k, v)
            b.out, b.seed = os.path.join(a.suite, name), i + 1
            write_folder(finish(b))
    elif a.out:
        write_folder(finish(a))
    else:
        ap.error("give --suite DIR or --out DIR")


if __name__ == "__main__":
    main()
