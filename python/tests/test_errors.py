"""Failures become exceptions: braidc's diagnostics as CompileError, and the
C API's status as a BraidError subclass carrying its message."""

import os
import subprocess
import sys

import numpy as np
import pytest

import braid


def test_compile_error_carries_braidcs_message(tmp_path):
    model = tmp_path / "bad.braid"
    model.write_text(
        "model bad {\n"
        "  input x : f32[B, 784]\n"
        "  param w : f32[100, 10] = zeros\n"
        "  y = matmul(x, w)\n"
        "  output y\n"
        "}\n")
    with pytest.raises(braid.CompileError) as e:
        braid.compile(model, tmp_path / "bad.plan", batch=64)
    assert "bad.braid:4:" in e.value.message
    assert "error: matmul: inner dimensions differ" in e.value.message
    assert e.value.returncode != 0


def test_a_damaged_plan_is_an_invalid_plan_error(tmp_path):
    path = tmp_path / "junk.plan"
    path.write_bytes(b"not a plan at all, just some bytes" * 4)
    with pytest.raises(braid.InvalidPlanError) as e:
        braid.Plan(path)
    assert str(e.value) == e.value.message and e.value.code == 3
    assert "junk.plan" in e.value.message


def test_a_missing_plan_is_not_found(tmp_path):
    with pytest.raises(braid.NotFoundError) as e:
        braid.Plan(tmp_path / "none.plan")
    assert "none.plan" in e.value.message


def test_binding_an_unknown_input_names_it(mlp_plan):
    session = mlp_plan.session(threads=1)
    with pytest.raises(braid.NotFoundError) as e:
        session.bind("predict", "z", np.zeros(3, np.float32))
    assert "'z'" in e.value.message


def test_a_checkpoint_that_does_not_fit_is_refused(mlp_plan):
    session = mlp_plan.session(threads=1, seed=1)
    before = session.checkpoint()
    wrong = dict(before, w1=np.zeros((10, 10), np.float32))
    with pytest.raises(braid.InvalidDataError) as e:
        session.load_checkpoint(wrong)
    assert "w1" in e.value.message
    for name, value in session.checkpoint().items():
        np.testing.assert_array_equal(value, before[name])  # unchanged


def test_wrong_arrays_are_refused_before_running(mlp_plan):
    session = mlp_plan.session(threads=1)
    with pytest.raises(braid.InvalidArgumentError, match="N samples of 784 values"):
        session.predict(np.zeros((64, 783), np.float32))
    with pytest.raises(braid.InvalidArgumentError, match="input 'y' of 'train_step' is int32"):
        session.train_step(np.zeros((64, 784), np.float32), np.zeros(64, np.float32))
    with pytest.raises(braid.InvalidArgumentError, match="writable C-contiguous float32"):
        session.predict(np.zeros((64, 784), np.float32), out={"logits": np.zeros((64, 10))})


def test_a_wrong_batch_carries_the_c_apis_message(mlp_plan):
    session = mlp_plan.session(threads=1)
    with pytest.raises(braid.InvalidArgumentError) as e:
        session.train_step(np.zeros((32, 784), np.float32), np.zeros(32, np.int32))
    assert e.value.code == 1
    assert "input 'x' of 'train_step' is f32[64, 784] (200704 bytes)" in e.value.message


def test_a_missing_runtime_is_named_at_first_use(mlp_plan_path):
    # `import braid` works without the library; the first call names it.
    script = ("import braid, sys\n"
              "try:\n"
              "    braid.Plan(sys.argv[1])\n"
              "except braid.LibraryError as e:\n"
              "    print(e)\n")
    env = dict(os.environ, BRAID_RUNTIME_LIBRARY="/nonexistent/libbraid_runtime.so.0.4")
    out = subprocess.run([sys.executable, "-c", script, mlp_plan_path], env=env, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    assert out.startswith("cannot load the Braid runtime /nonexistent/libbraid_runtime.so.0.4")
    assert "set BRAID_RUNTIME_LIBRARY to its path" in out
