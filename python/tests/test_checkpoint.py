"""Checkpoints as dicts of NumPy arrays and as files: what one session saves,
another loads bit for bit, optimizer state included, so both continue
training identically."""

import numpy as np

from braid import safetensors


def batch(seed):
    rng = np.random.default_rng(seed)
    return rng.random((64, 784), np.float32), rng.integers(0, 10, 64).astype(np.int32)


def assert_same(a, b):
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_checkpoint_dict_round_trip(mlp_plan):
    trained = mlp_plan.session(threads=1, seed=1)
    for step in range(3):
        trained.train_step(*batch(step))
    saved = trained.checkpoint()
    assert {"w1", "b1", "w2", "b2", "w1.m", "w1.v", "optimizer.step"} <= set(saved)
    assert saved["w1"].shape == (784, 64) and saved["w1"].dtype == np.float32

    other = mlp_plan.session(threads=1, seed=2)
    assert not np.array_equal(other.checkpoint()["w1"], saved["w1"])
    other.load_checkpoint(saved)
    assert_same(other.checkpoint(), saved)
    # The optimizer state came along: the next steps agree exactly.
    for step in (3, 4):
        assert trained.train_step(*batch(step)) == other.train_step(*batch(step))
    assert_same(other.checkpoint(), trained.checkpoint())


def test_checkpoint_file_round_trip(mlp_plan, tmp_path):
    session = mlp_plan.session(threads=1, seed=1)
    session.train_step(*batch(0))
    path = tmp_path / "mlp.safetensors"
    session.save_checkpoint(path, metadata={"note": "from python"})
    tensors, metadata = safetensors.read(path)
    assert metadata["note"] == "from python"
    assert_same(tensors, session.checkpoint())

    weights_only = {k: v for k, v in tensors.items() if k in ("w1", "b1", "w2", "b2")}
    fresh = mlp_plan.session(threads=1, seed=5)
    fresh.load_checkpoint(path)
    assert_same(fresh.checkpoint(), tensors)
    fresh.load_checkpoint(weights_only)  # optimizer state starts at zero
    loaded = fresh.checkpoint()
    assert_same({k: loaded[k] for k in weights_only}, weights_only)
    assert not loaded["w1.m"].any()
