"""PyTorch's side of the GPT agreement test: the model of examples/gpt.braid
(the peer ../shared/peers/torch_gpt.py's GPT, restated here so the test does
not depend on files outside the repository) trained for a few steps from the
same initial weights on the same batches as braid, with AdamW, the warm-up +
cosine schedule and global-norm clipping; the parameters must agree.

  gpt_agreement.py write PREFIX LAYERS HEADS DIM CTX BATCH STEPS
      PREFIX.init.safetensors (PyTorch's initial weights, braid's names and
      layouts), PREFIX.x.npy and PREFIX.y.npy (STEPS*BATCH windows in order)
  gpt_agreement.py check PREFIX LAYERS HEADS DIM CTX BATCH STEPS
      trains PyTorch and compares with PREFIX.trained.safetensors
"""
import math
import sys

import numpy as np

# The safetensors reader and writer of the MLP agreement test, beside this file.
from torch_agreement import read_safetensors, write_safetensors

TOLERANCE = 1e-4


def build(layers, heads, dim, ctx):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Block(nn.Module):
        def __init__(s, d, h):
            super().__init__()
            s.h = h
            s.ln1, s.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
            s.qkv, s.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
            s.fc1, s.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(s, x):
            B, T, D = x.shape
            q, k, v = s.qkv(s.ln1(x)).split(D, dim=2)
            q, k, v = (t.view(B, T, s.h, D // s.h).transpose(1, 2) for t in (q, k, v))
            a = (q @ k.transpose(-2, -1)) / math.sqrt(D // s.h)
            a = a.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
            x = x + s.proj((a @ v).transpose(1, 2).reshape(B, T, D))
            return x + s.fc2(F.gelu(s.fc1(s.ln2(x))))

    class GPT(nn.Module):
        def __init__(s):
            super().__init__()
            s.tok, s.pos = nn.Embedding(256, dim), nn.Parameter(torch.zeros(ctx, dim))
            s.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
            s.ln, s.head = nn.LayerNorm(dim), nn.Linear(dim, 256)

        def forward(s, idx):
            x = s.tok(idx) + s.pos[: idx.shape[1]]
            for b in s.blocks:
                x = b(x)
            return s.head(s.ln(x))

    torch.manual_seed(0)
    model = GPT()
    # Positions start at zero in the peer; random ones make the test see them.
    with torch.no_grad():
        model.pos.normal_(0, 0.02)
    return model


def to_braid(name, value):
    """PyTorch's nn.Linear stores [out, in]; braid's matmul(x, w) wants [in, out]."""
    return value.T if value.ndim == 2 and name.endswith(".weight") and not name.startswith("tok.") else value


def main():
    mode, prefix = sys.argv[1], sys.argv[2]
    layers, heads, dim, ctx, batch, steps = map(int, sys.argv[3:9])
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(1)
    model = build(layers, heads, dim, ctx)
    if mode == "write":
        write_safetensors(prefix + ".init.safetensors",
                          {k: to_braid(k, v.detach().numpy()) for k, v in model.state_dict().items()})
        # Text-like bytes: a small alphabet, so the loss moves in 10 steps.
        rng = np.random.default_rng(5)
        text = rng.choice(np.frombuffer(b"abcdefgh ij.\n", np.uint8), 4096)
        starts = rng.integers(0, len(text) - ctx - 1, steps * batch)
        windows = np.stack([text[s:s + ctx + 1] for s in starts]).astype(np.int32)
        np.save(prefix + ".x.npy", windows[:, :-1])
        np.save(prefix + ".y.npy", windows[:, 1:])
        return 0

    x = torch.from_numpy(np.load(prefix + ".x.npy").astype(np.int64))
    y = torch.from_numpy(np.load(prefix + ".y.npy").astype(np.int64))
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95), eps=1e-8)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else
                                              0.1 + 0.45 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    for step in range(steps):
        rows = slice(step * batch, (step + 1) * batch)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x[rows]).reshape(-1, 256), y[rows].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()

    trained = read_safetensors(prefix + ".trained.safetensors")
    worst, worst_name = 0.0, ""
    for name, value in model.state_dict().items():
        if name not in trained:
            print("braid's checkpoint has no '%s'" % name)
            return 1
        ref = to_braid(name, value.detach().numpy())
        got = trained[name]
        if got.shape != ref.shape:
            print("'%s' is %s in braid's checkpoint, %s in PyTorch's" % (name, got.shape, ref.shape))
            return 1
        d = float((np.abs(got - ref) / np.maximum(1.0, np.abs(ref))).max())
        if np.isnan(d) or d > worst:
            worst, worst_name = d, name
    print("gpt: %d steps, %d tensors, max relative parameter difference %.3g (%s; tolerance %g)"
          % (steps, len(model.state_dict()), worst, worst_name, TOLERANCE))
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
