"""Compiling and predicting: the plan's description, predictions equal to
NumPy's forward pass of the session's own parameters, any number of
samples, outputs written into the caller's arrays, inputs bound by pointer."""

import numpy as np

import braid
from conftest import MLP


def reference_logits(params, x):
    h = np.maximum(x.astype(np.float64) @ params["w1"] + params["b1"], 0)
    return h @ params["w2"] + params["b2"]


def test_compile_describes_the_plan(tmp_path):
    path = braid.compile(MLP, tmp_path / "mlp.plan", defines={})
    assert path == str(tmp_path / "mlp.plan")
    plan = braid.Plan(path)
    assert (plan.name, plan.batch, plan.replicas) == ("mlp", 64, 1)
    assert sorted(plan.entry_points) == ["eval", "predict", "train_step"]
    assert plan.inputs == [braid.TensorInfo("x", np.dtype(np.float32), (64, 784), 200704, 0)]
    assert [(t.name, t.shape) for t in plan.outputs] == [("logits", (64, 10))]
    assert [t.name for t in plan.entry_points["train_step"].inputs] == ["x", "y"]
    assert plan.parameter_count == 4 and plan.parameter_elements == 784 * 64 + 64 + 64 * 10 + 10
    assert plan.label_classes("train_step", "y") == 10
    assert plan.epochs == 10


def test_predict_equals_numpy(mlp_plan):
    session = mlp_plan.session(threads=1, seed=7)
    params = session.checkpoint()
    x = np.random.default_rng(0).random((64, 784), np.float32)
    logits = session.predict(x)["logits"]
    assert logits.shape == (64, 10) and logits.dtype == np.float32
    diff = np.abs(logits - reference_logits(params, x)).max()
    print("max difference from NumPy: %.3g (tolerance 1e-4)" % diff)
    assert diff < 1e-4


def test_predict_any_number_of_samples(mlp_plan):
    session = mlp_plan.session(threads=1, seed=7)
    x = np.random.default_rng(1).random((150, 28, 28))  # float64, 2 batches and a partial one
    logits = session.predict(x=x)["logits"]
    assert logits.shape == (150, 10)
    whole = np.concatenate([session.predict(x[i:i + 64].astype(np.float32))["logits"]
                            for i in (0, 64)])
    np.testing.assert_array_equal(logits[:128], whole)
    one = session.predict(x[149].reshape(1, 784))["logits"]
    np.testing.assert_array_equal(logits[149:], one)


def test_predict_writes_into_the_callers_array(mlp_plan):
    session = mlp_plan.session(threads=1, seed=7)
    x = np.random.default_rng(2).random((64, 784), np.float32)
    out = np.full((64, 10), np.nan, np.float32)
    result = session.predict(x, out={"logits": out})
    assert result["logits"] is out
    np.testing.assert_array_equal(out, session.predict(x)["logits"])
    many = np.zeros((100, 10), np.float32)
    assert session.predict(np.ones((100, 784), np.float32), out={"logits": many})["logits"] is many
    assert not np.any(many == 0)


def test_inputs_are_bound_without_a_copy(mlp_plan):
    session = mlp_plan.session(threads=1, seed=7)
    rng = np.random.default_rng(3)
    a, b = rng.random((2, 64, 784), np.float32)
    expected_b = session.predict(b.copy())["logits"]
    bound = session.bind("predict", "x", a)
    assert bound is a  # float32, C-contiguous: the array itself
    before = session.run("predict")["logits"]
    a[...] = b  # the runtime reads a's memory at the next run
    after = session.run("predict")["logits"]
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, expected_b)
    # Another dtype or layout is converted once.
    assert session.bind("predict", "x", b.astype(np.float64)) is not b
    assert session.bind("predict", "x", np.asfortranarray(b)).flags.c_contiguous
