#!/usr/bin/env python3
"""Writes an MLP of L hidden layers to stdout: `dense(h, 64, activation = relu)`
repeated L times after a 784-wide input, a 10-way output layer, sparse
softmax cross-entropy, Adam, batch 64. bench/compile_time.sh compiles it."""
import sys

def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit("usage: gen_mlp.py LAYERS (a positive integer)")
    layers = int(sys.argv[1])
    out = [f"# {layers} hidden layers of 64 units, written by bench/gen_mlp.py.",
           f"model mlp{layers} {{",
           "  input  x : f32[B, 784]",
           "  input  y : i32[B]",
           "  h0     = x"]
    for i in range(1, layers + 1):
        out.append(f"  h{i} = dense(h{i - 1}, 64, activation = relu)")
    out += [f"  logits = dense(h{layers}, 10)",
            "  loss   = sparse_softmax_cross_entropy(logits, y)",
            "  output logits",
            "  train { minimize loss with adam(lr = 0.001); batch = 64; epochs = 1 }",
            "}"]
    print("\n".join(out))

main()
