#!/usr/bin/env python3
"""PyTorch reference for a Llama-family decoder read from a Hugging Face folder (config.json +
model.safetensors, or shards with model.safetensors.index.json): load time, one forward over a
prompt (tokens/s), greedy generation with a KV cache (tokens/s) and peak RSS. Child process of
bench/decoder/bench.ts; prints one JSON object.

    python3 torch_decoder.py --dir DIR [--threads 1] [--prompt-len 256] [--new 64] [--gen-prompt-len 16]
                             [--repeats 3] [--seed 0] [--logits-out FILE] [--tokens-out FILE]

No transformers / safetensors packages: the safetensors header is parsed here and each tensor is
read straight into its own torch buffer (the file is never held in memory as a whole). The model is
our own code following Hugging Face's modeling_llama.py conventions: RMSNorm computed in float32,
rotate_half rotary embedding with inv_freq = 1 / theta^(2i/hd), grouped-query attention by
repeating KV heads, SwiGLU MLP (silu(gate(x)) * up(x) -> down), tied or untied head.

The prompt is deterministic (token i = (i * 7919 + 13) mod vocab, see promptIds), the same ids the
Whittle side uses. --logits-out writes the forward's logits [prompt-len, vocab] as little-endian
float32; --tokens-out the generated ids as JSON.
"""
import argparse, ctypes, json, math, os, resource, statistics, struct, sys, time

t_start = time.perf_counter()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

t_import = time.perf_counter() - t_start


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def openblas():
    """The OpenBLAS this process loaded (through torch) and the kernel set it picked."""
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({l.split()[-1] for l in f if "openblas" in l and l.split()[-1].startswith("/")})
    except OSError:
        return None
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            return {"core": lib.openblas_get_corename().decode(), "path": path}
        except (OSError, AttributeError):
            continue
    return None


def prompt_ids(n, vocab):
    return [(i * 7919 + 13) % vocab for i in range(n)]


# ---- safetensors --------------------------------------------------------------------------------

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.int16, 2)}


def read_safetensors(path, out, dtypes_seen):
    """Reads every tensor of one file into `out` (float32), one tensor at a time."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, meta in header.items():
            if name == "__metadata__":
                continue
            dt = meta["dtype"]
            if dt not in DTYPES:
                raise SystemExit(f"{path}: tensor {name} has dtype {dt} (supported: F32, F16, BF16)")
            dtypes_seen.add(dt)
            tdtype, size = DTYPES[dt]
            begin, end = meta["data_offsets"]
            count = (end - begin) // size
            buf = torch.empty(count, dtype=tdtype)
            f.seek(base + begin)
            got = f.readinto(memoryview(buf.numpy()).cast("B"))
            if got != end - begin:
                raise SystemExit(f"{path}: tensor {name} truncated at byte {base + begin + got}")
            if dt == "BF16":
                t = buf.view(torch.bfloat16).float()
            elif dt == "F16":
                t = buf.float()
            else:
                t = buf
            del buf
            out[name] = t.view(meta["shape"])
    return out


def load_folder(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    index = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    w, seen = {}, set()
    for fn in files:
        read_safetensors(os.path.join(d, fn), w, seen)
    return cfg, w, sorted(seen), sum(os.path.getsize(os.path.join(d, fn)) for fn in files)


# ---- the model ----------------------------------------------------------------------------------


class Llama:
    def __init__(self, cfg, w):
        self.L = cfg["num_hidden_layers"]
        self.d = cfg["hidden_size"]
        self.H = cfg["num_attention_heads"]
        self.KV = cfg.get("num_key_value_heads") or self.H
        self.hd = cfg.get("head_dim") or self.d // self.H
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        theta = cfg.get("rope_theta", 10000.0)
        if cfg.get("hidden_act", "silu") != "silu":
            raise SystemExit(f"hidden_act {cfg.get('hidden_act')} not supported here")
        if cfg.get("rope_scaling"):
            raise SystemExit("rope_scaling not supported by this reference")
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2, dtype=torch.int64).float() / self.hd))
        self.embed = w["model.embed_tokens.weight"]
        self.head = w.get("lm_head.weight", self.embed) if not cfg.get("tie_word_embeddings", False) else self.embed
        self.norm = w["model.norm.weight"]
        self.layers = []
        for l in range(self.L):
            p = f"model.layers.{l}."
            g = lambda n: w.get(p + n)  # noqa: E731
            self.layers.append({k: g(n) for k, n in [
                ("ln1", "input_layernorm.weight"), ("ln2", "post_attention_layernorm.weight"),
                ("q", "self_attn.q_proj.weight"), ("k", "self_attn.k_proj.weight"), ("v", "self_attn.v_proj.weight"),
                ("o", "self_attn.o_proj.weight"), ("bq", "self_attn.q_proj.bias"), ("bk", "self_attn.k_proj.bias"),
                ("bv", "self_attn.v_proj.bias"), ("gate", "mlp.gate_proj.weight"), ("up", "mlp.up_proj.weight"),
                ("down", "mlp.down_proj.weight")]})

    def rms(self, x, g):
        var = x.pow(2).mean(-1, keepdim=True)
        return g * (x * torch.rsqrt(var + self.eps))

    @staticmethod
    def rotate_half(x):
        h = x.shape[-1] // 2
        return torch.cat((-x[..., h:], x[..., :h]), dim=-1)

    def forward(self, ids, cache=None):
        """ids [1, T] → logits [1, T, V]; cache: list of (k, v) [1, KV, past, hd] per layer (updated)."""
        B, T = ids.shape
        past = cache[0][0].shape[2] if cache and cache[0] is not None else 0
        pos = torch.arange(past, past + T, dtype=torch.float32)
        freqs = pos[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[None, None], emb.sin()[None, None]
        mask = None
        if T > 1:
            mask = torch.full((T, past + T), float("-inf")).triu(past + 1)
        x = F.embedding(ids, self.embed)
        rep = self.H // self.KV
        for l, p in enumerate(self.layers):
            h = self.rms(x, p["ln1"])
            q = F.linear(h, p["q"], p["bq"]).view(B, T, self.H, self.hd).transpose(1, 2)
            k = F.linear(h, p["k"], p["bk"]).view(B, T, self.KV, self.hd).transpose(1, 2)
            v = F.linear(h, p["v"], p["bv"]).view(B, T, self.KV, self.hd).transpose(1, 2)
            q = q * cos + self.rotate_half(q) * sin
            k = k * cos + self.rotate_half(k) * sin
            if cache is not None:
                if cache[l] is not None:
                    k = torch.cat((cache[l][0], k), dim=2)
                    v = torch.cat((cache[l][1], v), dim=2)
                cache[l] = (k, v)
            if rep > 1:  # repeat_kv
                k = k[:, :, None].expand(B, self.KV, rep, k.shape[2], self.hd).reshape(B, self.H, k.shape[2], self.hd)
                v = v[:, :, None].expand(B, self.KV, rep, v.shape[2], self.hd).reshape(B, self.H, v.shape[2], self.hd)
            att = (q @ k.transpose(2, 3)) / math.sqrt(self.hd)
            if mask is not None:
                att = att + mask
            att = att.softmax(-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, self.H * self.hd)
            x = x + F.linear(y, p["o"])
            h = self.rms(x, p["ln2"])
            x = x + F.linear(F.silu(F.linear(h, p["gate"])) * F.linear(h, p["up"]), p["down"])
        return F.linear(self.rms(x, self.norm), self.head)

    def greedy(self, prompt, n_new, stamps):
        cache = [None] * self.L
        ids = torch.tensor([prompt])
        out = []
        for _ in range(n_new):
            logits = self.forward(ids, cache)
            nxt = int(logits[0, -1].argmax())
            out.append(nxt)
            stamps.append(time.perf_counter())
            ids = torch.tensor([[nxt]])
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prompt-len", type=int, default=256)
    ap.add_argument("--gen-prompt-len", type=int, default=16)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument("--logits-out")
    ap.add_argument("--tokens-out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    rss_base = rss_mb()

    t0 = time.perf_counter()
    cfg, w, dtypes, file_bytes = load_folder(a.dir)
    model = Llama(cfg, w)
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()
    weight_bytes = sum(t.numel() * 4 for t in w.values())
    del w
    base = {"ok": True, "impl": f"torch {torch.__version__}", "threads": a.threads, "openblas": openblas(),
            "dtypes": dtypes, "fileBytes": file_bytes, "weightBytesF32": weight_bytes,
            "importTorchS": round(t_import, 3), "loadS": round(load_s, 3)}
    if a.load_only:
        print(json.dumps({**base, "memoryMB": {"rssBase": round(rss_base, 1), "rssLoaded": round(rss_loaded, 1), "peakRss": round(peak_rss_mb(), 1)}}))
        return

    vocab = cfg["vocab_size"]
    ids = torch.tensor([prompt_ids(a.prompt_len, vocab)])
    times, cpu = [], []
    with torch.inference_mode():
        logits = None
        for i in range(a.warmup + a.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            logits = model.forward(ids)
            dt, dc = time.perf_counter() - t0, time.process_time() - c0
            if i >= a.warmup:
                times.append(dt)
                cpu.append(dc)
        rss_forward = rss_mb()
        if a.logits_out:
            logits[0].contiguous().numpy().astype("<f4").tofile(a.logits_out)
        del logits

        gen_prompt = prompt_ids(a.gen_prompt_len, vocab)
        stamps = [time.perf_counter()]
        tokens = model.greedy(gen_prompt, a.new, stamps)
    gen_s = stamps[-1] - stamps[0]
    first_s = stamps[1] - stamps[0]
    decode_s = stamps[-1] - stamps[1]
    if a.tokens_out:
        json.dump(tokens, open(a.tokens_out, "w"))
    fwd = statistics.median(times)
    print(json.dumps({
        **base,
        "forward": {"tokens": a.prompt_len, "repeats": len(times), "medianS": round(fwd, 4), "minS": round(min(times), 4),
                    "cpuS": round(statistics.median(cpu), 4),
                    "tokensPerSec": round(a.prompt_len / fwd, 1)},
        "generate": {"promptTokens": a.gen_prompt_len, "newTokens": len(tokens), "totalS": round(gen_s, 4),
                     "tokensPerSec": round(len(tokens) / gen_s, 2), "firstTokenS": round(first_s, 4),
                     "decodeTokensPerSec": round((len(tokens) - 1) / decode_s, 2) if len(tokens) > 1 else None},
        "memoryMB": {"rssBase": round(rss_base, 1), "rssLoaded": round(rss_loaded, 1), "rssAfterForward": round(rss_forward, 1),
                     "rssEnd": round(rss_mb(), 1), "peakRss": round(peak_rss_mb(), 1)},
    }))


if __name__ == "__main__":
    main()
