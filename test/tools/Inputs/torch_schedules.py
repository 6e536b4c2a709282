"""PyTorch's side of the schedule, clipping and decay agreement test: the
2-layer MLP of mlp_adamw.braid / mlp_sgd_decay.braid trained for a few
steps from the same weights on the same batch, with torch.optim.AdamW or
SGD (weight decay on the matrices that are not exempted), LambdaLR with the
train block's schedule, and torch.nn.utils.clip_grad_norm_. The parameters
after the last step, and each step's rate and gradient norm in braid's
metrics, must agree.

  torch_schedules.py write PREFIX
      PREFIX.init.safetensors, PREFIX.x.npy, PREFIX.y.npy (one batch of 16)
  torch_schedules.py check adamw|sgd STEPS PREFIX TRAINED METRICS
"""
import json
import math
import sys

import numpy as np

from torch_agreement import read_safetensors, write_safetensors

ROWS = 16


def adamw_factor(s, warmup=3, total=8, floor=0.1):
    if s < warmup:
        return (s + 1) / warmup
    return floor + (1 - floor) / 2 * (
        1 + math.cos(math.pi * min(s - warmup, total - warmup) / max(1, total - warmup)))


def sgd_factor(s, every=3, gamma=0.5):
    return gamma ** (s // every)


def main():
    if sys.argv[1] == "write":
        prefix = sys.argv[2]
        rng = np.random.default_rng(5)
        lim1, lim2 = np.sqrt(6 / (16 + 32)), np.sqrt(6 / (32 + 4))
        write_safetensors(prefix + ".init.safetensors", {
            "w1": rng.uniform(-lim1, lim1, (16, 32)), "b1": rng.normal(0, 0.1, 32),
            "w2": rng.uniform(-lim2, lim2, (32, 4)), "b2": rng.normal(0, 0.1, 4)})
        np.save(prefix + ".x.npy", rng.normal(0, 1, (ROWS, 16)).astype(np.float32))
        np.save(prefix + ".y.npy", rng.integers(0, 4, ROWS).astype(np.int32))
        return 0

    import torch
    optimizer, steps, prefix = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    trained_path, metrics_path = sys.argv[5], sys.argv[6]
    torch.set_num_threads(1)
    init = read_safetensors(prefix + ".init.safetensors")
    names = ["w1", "b1", "w2", "b2"]
    p = {n: torch.tensor(init[n], requires_grad=True) for n in names}
    x = torch.from_numpy(np.load(prefix + ".x.npy"))
    y = torch.from_numpy(np.load(prefix + ".y.npy").astype(np.int64))
    if optimizer == "adamw":
        # Rank >= 2 decays, as braid's default exemption.
        groups = [{"params": [p["w1"], p["w2"]], "weight_decay": 0.1},
                  {"params": [p["b1"], p["b2"]], "weight_decay": 0.0}]
        opt = torch.optim.AdamW(groups, lr=0.01, betas=(0.9, 0.95), eps=1e-8)
        factor, clip = adamw_factor, 0.05
    else:
        # w2 is exempted by no_decay, the biases by their rank.
        groups = [{"params": [p["w1"]], "weight_decay": 0.05},
                  {"params": [p["b1"], p["w2"], p["b2"]], "weight_decay": 0.0}]
        opt = torch.optim.SGD(groups, lr=0.2, momentum=0.9)
        factor, clip = sgd_factor, None
    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    rates, norms, clipped = [], [], 0
    for _ in range(steps):
        opt.zero_grad()
        logits = torch.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
        torch.nn.functional.cross_entropy(logits, y).backward()
        rates.append(opt.param_groups[0]["lr"])
        if clip is not None:
            norm = float(torch.nn.utils.clip_grad_norm_(list(p.values()), clip))
            norms.append(norm)
            clipped += norm > clip
        opt.step()
        sched.step()

    trained = read_safetensors(trained_path)
    tolerance = 1e-5
    worst = 0.0
    for n in names:
        ref = p[n].detach().numpy()
        d = float((np.abs(trained[n] - ref) / np.maximum(1.0, np.abs(ref))).max())
        if np.isnan(d) or d > worst:
            worst = d
    records = [json.loads(line) for line in open(metrics_path) if '"step"' in line]
    records = [r for r in records if "lr" in r or "grad_norm" in r or "step" in r]
    worst_lr = max(abs(r["lr"] - rate) / rate for r, rate in zip(records, rates))
    worst_norm = max([abs(r["grad_norm"] - n) / n for r, n in zip(records, norms)] or [0.0])
    ok = worst <= tolerance and worst_lr <= 1e-6 and worst_norm <= 1e-5 and len(records) == steps
    print("%s: %d steps (%d clipped), max relative parameter difference %.3g, "
          "rate %.3g, gradient norm %.3g (%s)"
          % (optimizer, len(records), clipped, worst, worst_lr, worst_norm,
             "ok" if ok else "TOO LARGE"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
