"""numpy's side of the predict tests: writes weights and inputs for a model
and checks braid-run's predictions against numpy's own forward pass.

  reference_model.py write mlp|lenet PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  reference_model.py check mlp|lenet PREFIX   compares PREFIX.y.npy with numpy
"""
import json
import struct
import sys

import numpy as np

SAMPLES = 100  # not a multiple of the plans' batch of 64: the last batch is padded


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def params(model, rng):
    def normal(*shape):
        return (rng.standard_normal(shape) * 0.1).astype(np.float32)
    if model == "mlp":
        return {"w1": normal(784, 64), "b1": normal(64),
                "w2": normal(64, 10), "b2": normal(10)}
    return {"c1.w": normal(6, 1, 5, 5), "c1.b": normal(6),
            "c2.w": normal(16, 6, 5, 5), "c2.b": normal(16),
            "f1.w": normal(400, 120), "f1.b": normal(120),
            "f2.w": normal(120, 84), "f2.b": normal(84),
            "logits.w": normal(84, 10), "logits.b": normal(10)}


def inputs(model, rng):
    shape = (SAMPLES, 784) if model == "mlp" else (SAMPLES, 1, 28, 28)
    return rng.random(shape, dtype=np.float32)


def conv2d(x, w, b, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    cols = np.empty((n, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + oh, j:j + ow]
    return np.einsum("ncijhw,ocij->nohw", cols, w) + b[None, :, None, None]


def max_pool2(x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def forward(model, p, x):
    p = {k: v.astype(np.float64) for k, v in p.items()}
    x = x.astype(np.float64)
    relu = lambda v: np.maximum(v, 0)
    if model == "mlp":
        return relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    h = max_pool2(relu(conv2d(x, p["c1.w"], p["c1.b"], 2)))
    h = max_pool2(relu(conv2d(h, p["c2.w"], p["c2.b"], 0)))
    h = relu(h.reshape(len(h), -1) @ p["f1.w"] + p["f1.b"])
    h = relu(h @ p["f2.w"] + p["f2.b"])
    return h @ p["logits.w"] + p["logits.b"]


def main():
    action, model, prefix = sys.argv[1:4]
    rng = np.random.default_rng(7)
    p, x = params(model, rng), inputs(model, rng)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    ref = forward(model, p, x)
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, numpy %s" % (y.shape, y.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("%s: max relative difference %.3g (tolerance %g) over %d values"
          % (model, rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
