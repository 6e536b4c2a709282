"""braid.Plan: a compiled plan loaded by the runtime, and what it holds."""

import ctypes
import os
from collections import namedtuple

import numpy as np

from . import _capi
from ._capi import check, encode, lib

_ELEMENT_TYPES = {0: np.dtype(np.float32), 1: np.dtype(np.int32)}

#: An entry point's input or output: its name, NumPy dtype (float32 or
#: int32), shape, bytes, and for an input the dimension of its batch rows
#: (-1: an input without them; 0 for outputs).
TensorInfo = namedtuple("TensorInfo", "name dtype shape byte_size batch_dim")

#: An entry point: its name and its inputs and outputs (lists of TensorInfo).
EntryPoint = namedtuple("EntryPoint", "name inputs outputs")


def _tensor(info):
    return TensorInfo(info.name.decode(), _ELEMENT_TYPES[info.element_type],
                      tuple(info.shape[i] for i in range(info.rank)), info.byte_size,
                      info.batch_dim)


class Plan(_capi.Handle):
    """A plan compiled by braidc (braid.compile), loaded and validated.

    Plan(path) loads a file; Plan.from_bytes(data) a plan in memory. A plan
    is immutable and may be shared by sessions and threads.
    """

    _release = "braid_plan_release"

    def __init__(self, path):
        handle = ctypes.c_void_p()
        check(lib.braid_plan_load_file(encode(path), ctypes.byref(handle)))
        self._init(handle, os.fspath(path))

    @classmethod
    def from_bytes(cls, data):
        plan = cls.__new__(cls)
        handle = ctypes.c_void_p()
        data = bytes(data)
        check(lib.braid_plan_load_buffer(data, len(data), ctypes.byref(handle)))
        plan._init(handle, None)
        return plan

    def _init(self, handle, path):
        self._handle = handle
        self.path = path
        info = _capi.PlanInfo()
        check(lib.braid_plan_info(handle, ctypes.byref(info)))
        self.name = info.model_name.decode()
        self.compiler_version = info.compiler_version.decode()
        self.batch = info.batch
        self.replicas = info.replicas
        self.module_hash = info.module_hash
        self.parameter_count = info.parameter_count
        self.parameter_elements = info.parameter_elements
        self.arena_bytes = info.arena_bytes
        self.optimizer_state_bytes = info.optimizer_state_bytes
        self.epochs = info.epochs
        self.steps = info.steps
        self.accumulate = info.accumulate
        self.entry_points = {}
        for i in range(info.entry_point_count):
            name = ctypes.c_char_p()
            check(lib.braid_plan_entry_point_name(handle, i, ctypes.byref(name)))
            self.entry_points[name.value.decode()] = self._entry_point(name.value)

    def _entry_point(self, name):
        n_in, n_out = ctypes.c_size_t(), ctypes.c_size_t()
        check(lib.braid_plan_entry_point_signature(self._handle, name, ctypes.byref(n_in),
                                                   ctypes.byref(n_out)))

        def tensors(getter, count):
            out = []
            for i in range(count):
                info = _capi.TensorInfo()
                check(getter(self._handle, name, i, ctypes.byref(info)))
                out.append(_tensor(info))
            return out

        return EntryPoint(name.decode(), tensors(lib.braid_plan_entry_point_input, n_in.value),
                          tensors(lib.braid_plan_entry_point_output, n_out.value))

    @property
    def inputs(self):
        """The inputs of predict (an empty list for a plan without it)."""
        ep = self.entry_points.get("predict")
        return ep.inputs if ep else []

    @property
    def outputs(self):
        """The outputs of predict (an empty list for a plan without it)."""
        ep = self.entry_points.get("predict")
        return ep.outputs if ep else []

    def entry_point(self, name):
        """The EntryPoint `name`; NotFoundError listing the plan's otherwise."""
        try:
            return self.entry_points[name]
        except KeyError:
            from .errors import NotFoundError
            raise NotFoundError("plan of model '%s' has no entry point '%s'; it has %s" % (
                self.name, name, ", ".join(self.entry_points) or "none")) from None

    def label_classes(self, entry_point, input_name):
        """For an i32 input of class labels, the number of classes C (labels
        lie in [0, C)); 0 for an input that holds no labels."""
        classes = ctypes.c_int64()
        check(lib.braid_plan_label_classes(self._handle, encode(entry_point),
                                           encode(input_name), ctypes.byref(classes)))
        return classes.value

    def session(self, threads=None, seed=0, ieee_denormals=False):
        """A new Session over this plan: parameters initialized from the
        plan's initializers with `seed`; `threads` oneDNN (OpenMP) threads
        (None: OMP_NUM_THREADS, else the host's cores)."""
        from .session import Session
        return Session(self, threads=threads, seed=seed, ieee_denormals=ieee_denormals)

    def __repr__(self):
        return "<braid.Plan %s: model %s, batch %d, entry points %s>" % (
            self.path or "from bytes", self.name, self.batch, ", ".join(self.entry_points))
