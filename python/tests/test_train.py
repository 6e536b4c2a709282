"""Training the reference MLP (examples/mlp.braid) for one epoch of
Fashion-MNIST from Python, compared with `braid-run train` on the same plan,
seed, data and thread count: per-step losses and the final checkpoint are
bit-identical, as both run the same kernels in the same order on the same
bytes (one thread, so no reduction order can differ)."""

import gzip
import re
import subprocess
import sys

import numpy as np

import braid
from braid import safetensors
from conftest import FASHION_MNIST, braid_run, step_losses


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def fashion_mnist_train():
    """The training split as braid-run reads it: images scaled to [0, 1] as
    float32 (x / 255), labels int32."""
    images = read_idx(FASHION_MNIST / "train-images-idx3-ubyte.gz", 16).reshape(-1, 784)
    labels = read_idx(FASHION_MNIST / "train-labels-idx1-ubyte.gz", 8)
    return images.astype(np.float32) / np.float32(255), labels.astype(np.int32)


def assert_same_checkpoint(a, b):
    a, b = safetensors.read(a)[0], safetensors.read(b)[0]
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_train_step_loop_equals_braid_run(mlp_plan, mlp_plan_path, tmp_path):
    # braid-run: one epoch, batches in the data's order.
    braid_run("train", mlp_plan_path, "--data", "fashion-mnist", "--epochs", "1", "--in-order",
              "--seed", "5", "--threads", "1", "--eval-every", "0",
              "--metrics", tmp_path / "run.jsonl", "--save", tmp_path / "run.safetensors")
    expected = step_losses(tmp_path / "run.jsonl")

    # The same epoch from Python: the data read with NumPy, one train_step per batch.
    x, y = fashion_mnist_train()
    session = mlp_plan.session(threads=1, seed=5)
    batch = mlp_plan.batch
    losses = {}
    for b in range(len(x) // batch):
        rows = slice(b * batch, (b + 1) * batch)
        losses[b + 1] = session.train_step(x[rows], y[rows])["loss"]
    assert len(losses) == len(expected) == 937
    differ = [s for s in expected if losses[s] != expected[s]]
    assert not differ, "step %d: %r from Python, %r from braid-run" % (
        differ[0], losses[differ[0]], expected[differ[0]])
    session.save_checkpoint(tmp_path / "python.safetensors")
    assert_same_checkpoint(tmp_path / "python.safetensors", tmp_path / "run.safetensors")


def test_trainer_equals_braid_run(mlp_plan_path, tmp_path):
    out = braid_run("train", mlp_plan_path, "--data", "fashion-mnist", "--epochs", "1",
                    "--seed", "9", "--threads", "1", "--metrics", tmp_path / "run.jsonl",
                    "--save", tmp_path / "run.safetensors")
    trainer = braid.train(mlp_plan_path, data="fashion-mnist", epochs=1, seed=9, threads=1,
                          metrics=tmp_path / "py.jsonl", save=tmp_path / "py.safetensors",
                          progress_every=100)
    assert step_losses(tmp_path / "py.jsonl") == step_losses(tmp_path / "run.jsonl")
    assert_same_checkpoint(tmp_path / "py.safetensors", tmp_path / "run.safetensors")
    # The events carry what braid-run prints (but for its speeds).
    text = "".join(e["text"] for e in trainer.events)
    assert re.sub(r"samples/s \d+", "", text) == re.sub(r"samples/s \d+", "", out)
    (epoch,) = trainer.epochs
    assert epoch["epoch"] == 1 and epoch["step"] == 937 and 0.3 < epoch["test_accuracy"] < 1
    evaluation = trainer.evaluate()
    assert evaluation["loss"] == epoch["test_loss"] and evaluation["samples"] == 9984


def test_iterating_a_trainer_and_stopping_early(mlp_plan, tmp_path):
    trainer = braid.Trainer(mlp_plan, data="fashion-mnist", seed=1, threads=1,
                            save=tmp_path / "stopped.safetensors")
    seen = []
    for event in trainer:
        seen.append(event)
        if event["kind"] == "progress" and event["global_step"] == 20:
            break
    assert seen[0]["kind"] == "start"
    assert [e["global_step"] for e in seen[1:]] == list(range(1, 21))
    assert trainer.stopped
    tensors, metadata = safetensors.read(tmp_path / "stopped.safetensors")
    assert int(tensors["optimizer.step"]) >= 20
    # The trained session predicts with the trained parameters.
    session = trainer.session
    np.testing.assert_array_equal(session.checkpoint()["w1"], tensors["w1"])


def test_numpy_imported_first_changes_nothing(mlp_plan_path, tmp_path):
    # NumPy's libblas.so.3 may be the pthread OpenBLAS, which then takes the
    # place of the runtime's OpenMP one (one libopenblas.so.0 per process):
    # the package holds its thread count to the session's, so the losses
    # stay braid-run's.
    braid_run("train", mlp_plan_path, "--data", "fashion-mnist", "--max-steps", "60", "--seed",
              "4", "--threads", "1", "--eval-every", "0", "--metrics", tmp_path / "run.jsonl")
    script = ("import numpy, braid, sys; braid.train(sys.argv[1], data='fashion-mnist', "
              "max_steps=60, seed=4, threads=1, eval_every=0, metrics=sys.argv[2])")
    subprocess.run([sys.executable, "-c", script, mlp_plan_path, tmp_path / "py.jsonl"],
                   check=True, stdout=subprocess.DEVNULL)
    assert step_losses(tmp_path / "py.jsonl") == step_losses(tmp_path / "run.jsonl")
