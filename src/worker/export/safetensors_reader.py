# Independent safetensors reader for the export tests: Python standard library only, written from
# the format spec (https://huggingface.co/docs/safetensors): u64 little-endian header length, JSON
# header, raw little-endian data. It checks the layout and runs the MLP the metadata describes.
# stdin: {"path": file, "rows": [[...], ...]}; stdout: {"metadata": {...}, "logits": [[...]]}.
import json, math, struct, sys

req = json.load(sys.stdin)
with open(req["path"], "rb") as f:
    buf = f.read()
(n,) = struct.unpack("<Q", buf[:8])
header = json.loads(buf[8:8 + n].decode("utf-8"))
base = 8 + n
assert base % 8 == 0, "data must start 8-byte aligned"
meta = header.pop("__metadata__", {})
assert all(isinstance(v, str) for v in meta.values()), "metadata values must be strings"
end = 0
tensors = {}
for name, e in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
    s, t = e["data_offsets"]
    assert s == end, f"{name}: data must be contiguous (starts at {s}, expected {end})"
    assert e["dtype"] == "F32"
    count = math.prod(e["shape"])
    assert t - s == 4 * count, f"{name}: {t - s} bytes for shape {e['shape']}"
    tensors[name] = (e["shape"], struct.unpack(f"<{count}f", buf[base + s:base + t]))
    end = t
assert base + end == len(buf), "no bytes may follow the last tensor"

config = json.loads(meta["whittle.config"])
act = math.tanh if config["activation"] == "tanh" else (lambda v: v if v > 0 else 0.0)
layers = len(config["hidden"]) + 1
out = []
for x in req["rows"]:
    h = x
    for l in range(layers):
        (rows, cols), W = tensors[f"layers.{l}.weight"]
        _, b = tensors[f"layers.{l}.bias"]
        assert rows == len(h)
        z = [b[j] + sum(h[i] * W[i * cols + j] for i in range(rows)) for j in range(cols)]
        h = z if l == layers - 1 else [act(v) for v in z]
    out.append(h)
json.dump({"metadata": meta, "logits": out}, sys.stdout)
