"""Writes small ONNX models, exported by torch.onnx.export (Debian's
python3-torch, opset 17), as seeds of onnx_import_fuzzer: an MLP, a
convolutional net with pooling, a one-block GPT (embedding, LayerNorm,
causal attention, GELU's erf form) and an unsupported op.

  /usr/bin/python3 fuzz/make_onnx_seeds.py fuzz/corpus/onnx_import_fuzzer
"""
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(s, d=8, h=2):
        super().__init__()
        s.h = h
        s.tok = nn.Embedding(256, d)
        s.ln = nn.LayerNorm(d)
        s.qkv, s.fc = nn.Linear(d, 3 * d), nn.Linear(d, 4)

    def forward(s, idx):
        x = s.tok(idx)
        B, T, D = x.shape
        q, k, v = s.qkv(s.ln(x)).split(D, dim=2)
        q, k, v = (t.view(B, T, s.h, D // s.h).transpose(1, 2) for t in (q, k, v))
        a = (q @ k.transpose(-2, -1)) / math.sqrt(D // s.h)
        a = a.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
        x = (a @ v).transpose(1, 2).reshape(B, T, D)
        return F.log_softmax(s.fc(F.gelu(x)), -1)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    models = {
        "mlp": (nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 3), nn.Softmax(-1)), torch.rand(2, 8)),
        "conv": (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Sigmoid(), nn.MaxPool2d(2),
                               nn.AvgPool2d(1), nn.Flatten(), nn.Linear(18, 3)), torch.rand(2, 1, 6, 6)),
        "attention": (Attention(), torch.randint(0, 256, (2, 4))),
        "unsupported": (nn.Sequential(nn.Linear(4, 3), nn.Hardswish()), torch.rand(2, 4)),
    }
    for name, (model, x) in models.items():
        torch.onnx.export(model, (x,), os.path.join(out, name + ".onnx"), input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "batch"}}, opset_version=17)


if __name__ == "__main__":
    main()
