"""The models of the ONNX import tests, exported with torch.onnx.export
(Debian's python3-torch), and PyTorch's side of the comparison.

  onnx_models.py export NAME PREFIX [OPSET]
      PREFIX.onnx (opset 17 by default), PREFIX.x.npy (5 samples) and
      PREFIX.expected.npy (PyTorch's outputs for them)
  onnx_models.py check PREFIX
      compares PREFIX.out.npy (braid-run predict's) with PREFIX.expected.npy
  onnx_models.py train-data PREFIX
      PREFIX.tx.npy and PREFIX.ty.npy: 10 batches of 64 random samples
  onnx_models.py train-check NAME PREFIX
      trains the model NAME with Adam (lr 0.001) on those batches in order,
      from the exported weights, and compares each step's loss with
      PREFIX.jsonl (braid-run train --metrics)

The reference MLP and LeNet are those of ../shared/peers/torch_mlp.py (LeNet
taking [B, 1, 28, 28] images, as examples/lenet.braid does); the GPT is
torch_gpt.py's, as test/tools/Inputs/gpt_agreement.py restates it, tiny.
Every parameter is drawn at random: torch.onnx.export merges initializers of
equal value (a fresh model's LayerNorm gains are all ones), which would tie
parameters that PyTorch keeps apart.
"""
import os
import sys

import numpy as np

# Outputs agree within this, relative to max(1, |PyTorch's value|).
TOLERANCE = 1e-5
# Training losses agree within this (relative, as above): 10 Adam steps
# accumulate rounding differences.
TRAIN_TOLERANCE = 1e-4


def build(name):
    import torch
    import torch.nn as nn

    torch.manual_seed(0)
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
        x = torch.rand(5, 784)
    elif name == "lenet":
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, 10))
        x = torch.rand(5, 1, 28, 28)
    elif name == "gpt":
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "Inputs"))
        from gpt_agreement import build as build_gpt
        model = build_gpt(2, 2, 16, 8)
        x = torch.randint(0, 256, (5, 8))
    elif name == "activations":
        # The unary ops no other model exports.
        model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 3),
                              nn.Sigmoid())
        x = torch.rand(5, 4)
    elif name in ("cos", "erf"):
        # An op braidc does not import, and one it imports only in a pattern.
        class Unary(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)

            def forward(self, x):
                return (torch.cos if name == "cos" else torch.erf)(self.fc(x))
        model = Unary()
        x = torch.rand(5, 4)
    elif name == "pad":
        # Padding that is not a convolution's own.
        model = nn.Sequential(nn.ZeroPad2d((1, 0, 0, 0)), nn.Conv2d(1, 2, 3))
        x = torch.rand(5, 1, 6, 6)
    else:
        raise SystemExit("unknown model " + name)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.2)
    return model.eval(), x


def main():
    mode, = sys.argv[1:2]
    if mode == "export":
        import torch
        name, prefix = sys.argv[2:4]
        opset = int(sys.argv[4]) if len(sys.argv) > 4 else 17
        model, x = build(name)
        torch.onnx.export(model, (x,), prefix + ".onnx", input_names=["x"],
                          output_names=["logits"],
                          dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=opset)
        with torch.no_grad():
            expected = model(x).numpy()
        np.save(prefix + ".x.npy", x.numpy().astype(np.int32 if x.dtype == torch.int64 else np.float32))
        np.save(prefix + ".expected.npy", expected)
    elif mode == "check":
        prefix = sys.argv[2]
        got, expected = np.load(prefix + ".out.npy"), np.load(prefix + ".expected.npy")
        if got.shape != expected.shape:
            raise SystemExit("shape %s, expected %s" % (got.shape, expected.shape))
        diff = float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))
        print("%s: %d outputs, max relative difference %.3g (tolerance %g)"
              % (os.path.basename(prefix), expected.size, diff, TOLERANCE))
        if not diff <= TOLERANCE:
            raise SystemExit("outside the tolerance")
    elif mode == "train-data":
        prefix = sys.argv[2]
        rng = np.random.default_rng(0)
        np.save(prefix + ".tx.npy", rng.random((640, 784), dtype=np.float32))
        np.save(prefix + ".ty.npy", rng.integers(0, 10, 640).astype(np.int32))
    elif mode == "train-check":
        import json
        import torch
        name, prefix = sys.argv[2:4]
        model, _ = build(name)
        model.train()
        x = torch.from_numpy(np.load(prefix + ".tx.npy"))
        y = torch.from_numpy(np.load(prefix + ".ty.npy")).long()
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        expected = []
        for s in range(0, len(x), 64):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[s:s + 64]), y[s:s + 64])
            loss.backward()
            opt.step()
            expected.append(loss.item())
        got = [r["loss"] for r in map(json.loads, open(prefix + ".jsonl")) if "step" in r]
        if len(got) != len(expected):
            raise SystemExit("%d steps, expected %d" % (len(got), len(expected)))
        diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(got, expected))
        print("%s: %d steps, loss %.4f -> %.4f, max relative difference from PyTorch %.3g (tolerance %g)"
              % (name, len(got), got[0], got[-1], diff, TRAIN_TOLERANCE))
        if not (diff <= TRAIN_TOLERANCE and got[-1] < got[0]):
            raise SystemExit("the losses disagree or do not decrease")
    else:
        raise SystemExit("usage: onnx_models.py export NAME PREFIX | check PREFIX | train-data PREFIX | train-check NAME PREFIX")


if __name__ == "__main__":
    main()
