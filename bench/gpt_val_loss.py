"""The peer's validation loss, for the GPT quality comparison of
bench/gpt_val_loss.sh: ../shared/peers/torch_gpt.py's model, optimizer,
schedule and clipping, trained on the text minus its held-out tail (the
last 10%, as `braid-run train --data text` holds out) and evaluated on the
tail's windows as braid-run evaluates them (window w starts w*T bytes into
the tail; batches of B, a partial last batch left out).

  gpt_val_loss.py PEER STEPS [--text FILE]   prints one JSON line
"""
import importlib.util
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main():
    peer_path, steps = sys.argv[1], int(sys.argv[2])
    text_path = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--text" else ""
    spec = importlib.util.spec_from_file_location("torch_gpt", peer_path)
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    layers, heads, dim, ctx, batch = 4, 4, 128, 64, 32
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = peer.corpus(text_path)
    val_bytes = int(len(data) * 0.1)
    train = torch.from_numpy(data[:len(data) - val_bytes].astype(np.int64))
    tail = torch.from_numpy(data[len(data) - val_bytes:].astype(np.int64))
    model = peer.GPT(layers, heads, dim, ctx)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}],
                            lr=3e-4, betas=(0.9, 0.95))
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warm if s < warm else
                                              0.1 + 0.45 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm))))
    g = torch.Generator().manual_seed(1)
    for step in range(steps):
        starts = torch.randint(0, len(train) - ctx - 1, (batch,), generator=g)
        win = torch.stack([train[s: s + ctx + 1] for s in starts])
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(win[:, :-1]).reshape(-1, 256), win[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); sched.step()
    windows = (len(tail) - 1) // ctx
    batches = windows // batch
    total = 0.0
    with torch.no_grad():
        for b in range(batches):
            win = torch.stack([tail[w * ctx: w * ctx + ctx + 1] for w in range(b * batch, (b + 1) * batch)])
            total += F.cross_entropy(model(win[:, :-1]).reshape(-1, 256), win[:, 1:].reshape(-1)).item()
    print(json.dumps({"peer": "pytorch-" + torch.__version__, "steps": steps, "last_loss": round(loss.item(), 4),
                      "val_loss": round(total / batches, 4), "val_windows": batches * batch}))


if __name__ == "__main__":
    main()
