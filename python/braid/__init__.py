"""Braid from Python: compile a model, load the plan, predict, train and
checkpoint with NumPy arrays, over the runtime's C API (docs/python.md)."""

# NumPy before the runtime, whatever the caller imported first, so that the
# process has one OpenBLAS in every case: NumPy's (see
# _capi._Library._check_blas).
import numpy  # noqa: F401

from . import _capi

_capi.lib.try_load()

from .compiler import compile  # noqa: E402
from .errors import (  # noqa: E402
    BraidError, BraidIOError, CommunicationError, CompileError,
    InternalError, InvalidArgumentError, InvalidDataError, InvalidPlanError,
    LibraryError, NotFoundError, UnsupportedError)
from .plan import EntryPoint, Plan, TensorInfo  # noqa: E402
from .session import Session  # noqa: E402
from .trainer import Trainer, train  # noqa: E402

__all__ = [
    "compile", "Plan", "Session", "Trainer", "train", "EntryPoint", "TensorInfo",
    "runtime_version", "BraidError", "BraidIOError", "CommunicationError", "CompileError",
    "InternalError", "InvalidArgumentError", "InvalidDataError", "InvalidPlanError",
    "LibraryError", "NotFoundError", "UnsupportedError",
]


def runtime_version():
    """The loaded runtime's release version and instruction sets:
    {"version", "api", "onednn_isa", "native_isa", "library"}."""
    from ._capi import lib
    api = lib.braid_api_version()
    return {"version": lib.braid_runtime_version().decode(),
            "api": "%d.%d" % (api >> 16, api & 0xFFFF),
            "onednn_isa": lib.braid_runtime_onednn_isa().decode(),
            "native_isa": lib.braid_runtime_native_isa().decode(),
            "library": lib.path}
