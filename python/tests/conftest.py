"""Shared fixtures: the reference MLP compiled once, the repository's paths,
and braid-run found as the package finds braidc."""

import json
import os
import pathlib
import subprocess

import pytest

import braid
from braid.tools import find_tool

ROOT = pathlib.Path(__file__).resolve().parents[2]
MLP = ROOT / "examples" / "mlp.braid"
# Debian's dataset-fashion-mnist, as braid-run's --data fashion-mnist reads it.
FASHION_MNIST = pathlib.Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="session")
def mlp_plan_path(tmp_path_factory):
    return braid.compile(MLP, tmp_path_factory.mktemp("plan") / "mlp.plan")


@pytest.fixture(scope="session")
def mlp_plan(mlp_plan_path):
    return braid.Plan(mlp_plan_path)


def braid_run(*args):
    """Runs braid-run with `args`; its standard output."""
    proc = subprocess.run([find_tool("braid-run")] + [os.fspath(a) for a in args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def step_losses(metrics_path):
    """{global step: loss} of a --metrics JSON Lines file (one epoch's steps)."""
    with open(metrics_path) as f:
        lines = [json.loads(line) for line in f]
    return {line["step"]: line["loss"] for line in lines if "step" in line}
