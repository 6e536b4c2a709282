"""PyTorch's side of the agreement test: the reference MLP trained for a few
steps from the same weights on the same batch as braid, with PyTorch's SGD
(momentum) or Adam; the parameters must agree.

  torch_agreement.py write PREFIX         PREFIX.init.safetensors, PREFIX.x.npy, PREFIX.y.npy
  torch_agreement.py check sgd|adam STEPS PREFIX   compares PREFIX.trained.safetensors
"""
import json
import struct
import sys

import numpy as np

BATCH = 64


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + begin:8 + n + end], "<f4").reshape(entry["shape"])
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        blob = np.ascontiguousarray(tensors[name], "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    if sys.argv[1] == "write":
        prefix = sys.argv[2]
        rng = np.random.default_rng(11)
        lim1, lim2 = np.sqrt(6 / (784 + 64)), np.sqrt(6 / (64 + 10))
        write_safetensors(prefix + ".init.safetensors", {
            "w1": rng.uniform(-lim1, lim1, (784, 64)), "b1": rng.normal(0, 0.01, 64),
            "w2": rng.uniform(-lim2, lim2, (64, 10)), "b2": rng.normal(0, 0.01, 10)})
        np.save(prefix + ".x.npy", rng.random((BATCH, 784), dtype=np.float32))
        np.save(prefix + ".y.npy", rng.integers(0, 10, BATCH).astype(np.int32))
        return 0

    import torch
    optimizer, steps, prefix = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    torch.set_num_threads(1)
    init = read_safetensors(prefix + ".init.safetensors")
    w1 = torch.tensor(init["w1"], requires_grad=True)
    b1 = torch.tensor(init["b1"], requires_grad=True)
    w2 = torch.tensor(init["w2"], requires_grad=True)
    b2 = torch.tensor(init["b2"], requires_grad=True)
    params = [w1, b1, w2, b2]
    x = torch.from_numpy(np.load(prefix + ".x.npy"))
    y = torch.from_numpy(np.load(prefix + ".y.npy").astype(np.int64))
    if optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=0.1, momentum=0.9)
    else:
        opt = torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(steps):
        opt.zero_grad()
        logits = torch.relu(x @ w1 + b1) @ w2 + b2
        torch.nn.functional.cross_entropy(logits, y).backward()
        opt.step()

    trained = read_safetensors(prefix + ".trained.safetensors")
    tolerance = 1e-5
    worst = 0.0
    for name, p in zip(["w1", "b1", "w2", "b2"], params):
        ref = p.detach().numpy()
        diff = np.abs(trained[name] - ref) / np.maximum(1.0, np.abs(ref))
        # Python's max(0.0, nan) is 0.0: keep a NaN as the worst, so it fails.
        d = float(diff.max())
        if np.isnan(d) or d > worst:
            worst = d
    print("%s: %d steps, max relative parameter difference %.3g (tolerance %g)"
          % (optimizer, steps, worst, tolerance))
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
