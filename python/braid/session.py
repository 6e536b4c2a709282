"""braid.Session: runs a plan's entry points on NumPy arrays, and reads and
writes its parameters (checkpoints) as dicts of arrays."""

import ctypes
import os
import tempfile

import numpy as np

from . import _capi, safetensors
from ._capi import blas_threads, check, encode, lib
from .errors import InvalidArgumentError

_CHECKPOINT_STATE = {"if_present": 0, "required": 1, "skip": 2}


class Session(_capi.Handle):
    """A plan's parameters, optimizer state and working memory; made by
    Plan.session(). Used by one thread at a time.

    Inputs are bound, not copied, when an array is C-contiguous, aligned and
    of the input's dtype (float32 or int32): the runtime reads the array's
    own memory, which the session keeps alive until the input is bound
    again. Other arrays are converted once (float64 to float32, int64 to
    int32). Outputs are copied once from the runtime's memory into arrays the
    caller passes (`out=`) or that the session allocates.
    """

    _release = "braid_session_release"

    def __init__(self, plan, threads=None, seed=0, ieee_denormals=False, _handle=None):
        self.plan = plan
        self._bound = {}  # (entry point, input) -> the array the runtime reads
        if _handle is not None:
            lib.braid_session_retain(_handle)
            self._handle = _handle
            self._threads = lib.braid_session_threads(_handle)
            return
        options = _capi.SessionOptions(threads=threads or 0, seed=seed,
                                       ieee_denormals=1 if ieee_denormals else 0)
        handle = ctypes.c_void_p()
        check(lib.braid_session_create(plan._handle, ctypes.byref(options),
                                       ctypes.byref(handle)))
        self._handle = handle
        self._threads = lib.braid_session_threads(handle)

    @property
    def threads(self):
        """The OpenMP threads the session's runs use."""
        return self._threads

    # ---- running ------------------------------------------------------

    def _named(self, entry_point, args, kwargs):
        """{input name: value} from positional values (in the entry point's
        input order), one dict of them, or keywords."""
        ep = self.plan.entry_point(entry_point)
        if len(args) == 1 and isinstance(args[0], dict):
            named = dict(args[0])
        else:
            args = [a for a in args if a is not None]
            if len(args) > len(ep.inputs):
                raise InvalidArgumentError("%s takes %d inputs (%s), got %d values" % (
                    entry_point, len(ep.inputs), ", ".join(t.name for t in ep.inputs),
                    len(args)))
            named = {t.name: a for t, a in zip(ep.inputs, args)}
        named.update(kwargs)
        return ep, named

    def _convert(self, entry_point, info, value):
        array = np.asarray(value)
        if array.dtype != info.dtype and not np.can_cast(array.dtype, info.dtype, "same_kind"):
            raise InvalidArgumentError("input '%s' of '%s' is %s; got an array of %s" % (
                info.name, entry_point, info.dtype, array.dtype))
        # The same object when it already fits: no copy.
        return np.require(array, dtype=info.dtype, requirements=["C", "A"])

    def _bind_raw(self, entry_point, name, array, pointer=None):
        check(lib.braid_session_bind_input(
            self._handle, encode(entry_point), encode(name),
            array.ctypes.data if pointer is None else pointer, array.nbytes))
        self._bound[(entry_point, name)] = array

    def bind(self, entry_point, name, array):
        """Binds `array` to input `name` of `entry_point` for the following
        runs, by pointer when it is C-contiguous float32/int32 (the runtime
        then reads its current values at every run). Returns the array
        bound (the argument itself, or its converted copy)."""
        info = {t.name: t for t in self.plan.entry_point(entry_point).inputs}.get(name)
        if info is None:  # the C API names what is wrong
            check(lib.braid_session_bind_input(self._handle, encode(entry_point),
                                               encode(name), None, 0))
            raise InvalidArgumentError("'%s' has no input '%s'" % (entry_point, name))
        array = self._convert(entry_point, info, array)
        self._bind_raw(entry_point, name, array)
        return array

    def _output(self, entry_point, info):
        data, size = ctypes.c_void_p(), ctypes.c_size_t()
        check(lib.braid_session_output(self._handle, encode(entry_point), encode(info.name),
                                       ctypes.byref(data), ctypes.byref(size)))
        return data.value, size.value

    def _destination(self, entry_point, info, out, shape):
        dest = (out or {}).get(info.name)
        if dest is None:
            return np.empty(shape, info.dtype)
        if (not isinstance(dest, np.ndarray) or dest.dtype != info.dtype
                or tuple(dest.shape) != tuple(shape) or not dest.flags.c_contiguous
                or not dest.flags.writeable):
            raise InvalidArgumentError(
                "out['%s'] for output '%s' of '%s' must be a writable C-contiguous %s array "
                "of shape %s; got %s" % (info.name, info.name, entry_point, info.dtype,
                                         tuple(shape), _describe(dest)))
        return dest

    def run(self, entry_point, inputs=None, out=None, **kwargs):
        """Runs `entry_point` on exactly one batch: `inputs` ({name: array},
        or keywords) are bound first (inputs not given keep their last
        binding). Returns {output name: array}: out[name] when given (the
        array is filled in place), else a new array."""
        ep, named = self._named(entry_point, (inputs,) if inputs is not None else (), kwargs)
        for name, value in named.items():
            self.bind(entry_point, name, value)
        with blas_threads(self._threads):
            check(lib.braid_session_run(self._handle, encode(entry_point)))
        results = {}
        for info in ep.outputs:
            dest = self._destination(entry_point, info, out, info.shape)
            pointer, size = self._output(entry_point, info)
            ctypes.memmove(dest.ctypes.data, pointer, min(size, dest.nbytes))
            results[info.name] = dest
        return results

    def predict(self, *inputs, out=None, **kwargs):
        """Runs predict on N samples of each input (one dict, positional
        arrays in the plan's input order, or keywords): N equal to the
        plan's batch runs once; any other N runs in batches, the last one
        padded with zeros and its padding dropped. Returns {output name:
        array of N rows}, written into out[name] when given."""
        ep, named = self._named("predict", inputs, kwargs)
        infos = {t.name: t for t in ep.inputs}
        arrays, samples = {}, None
        for name, value in named.items():
            if name not in infos:
                return self.run("predict", named, out=out)  # the C API's error
            info = infos[name]
            array = self._convert("predict", info, value)
            arrays[name] = array
            if info.batch_dim != 0 or array.size == int(np.prod(info.shape)):
                continue
            per_sample = int(np.prod(info.shape)) // info.shape[0]
            n = array.size // per_sample if per_sample and array.size % per_sample == 0 else -1
            if n < 1 or (samples is not None and n != samples):
                raise InvalidArgumentError(
                    "input '%s' of 'predict' is %s%s: N samples of %d values; got an array of "
                    "shape %s%s" % (name, info.dtype, list(info.shape), per_sample,
                                    array.shape, "" if n < 1 else
                                    " (%d samples, the other inputs %d)" % (n, samples)))
            samples = n
        if samples is None:
            return self.run("predict", arrays, out=out)
        return self._predict_batches(ep, infos, arrays, samples, out)

    def _predict_batches(self, ep, infos, arrays, samples, out):
        batch = self.plan.batch
        results = {}
        for info in ep.outputs:
            if not info.shape or info.shape[0] != batch:
                raise InvalidArgumentError(
                    "output '%s' of 'predict' has shape %s, without a leading batch "
                    "dimension of %d; pass exactly one batch" % (info.name, list(info.shape),
                                                                 batch))
            results[info.name] = self._destination("predict", info, out,
                                                   (samples,) + tuple(info.shape[1:]))
        # Inputs without batch rows are bound once; the others a batch of
        # rows at a time.
        rowwise = {}
        for name, array in arrays.items():
            if infos[name].batch_dim != 0:
                self._bind_raw("predict", name, array)
            else:
                rowwise[name] = array.reshape(-1)
        with blas_threads(self._threads):
            for start in range(0, samples, batch):
                rows = min(batch, samples - start)
                for name, flat in rowwise.items():
                    per_sample = flat.size // samples
                    chunk = flat[start * per_sample:(start + rows) * per_sample]
                    if rows < batch:  # the last, partial batch: padded
                        padded = np.zeros(batch * per_sample, flat.dtype)
                        padded[:chunk.size] = chunk
                        chunk = padded
                    self._bind_raw("predict", name, chunk)
                check(lib.braid_session_run(self._handle, b"predict"))
                for info in ep.outputs:
                    pointer, size = self._output("predict", info)
                    row_bytes = size // batch
                    ctypes.memmove(results[info.name].ctypes.data + start * row_bytes, pointer,
                                   rows * row_bytes)
        return results

    def _scalars(self, results):
        return {k: (float(v) if v.ndim == 0 else v) for k, v in results.items()}

    def train_step(self, *inputs, **kwargs):
        """One optimizer step on one batch (a dict, or the inputs in the
        plan's order, e.g. train_step(x, y)). Returns its outputs, scalars as
        floats: {"loss": ...} and any metrics the plan computes."""
        _, named = self._named("train_step", inputs, kwargs)
        return self._scalars(self.run("train_step", named))

    def eval(self, *inputs, **kwargs):
        """The eval entry point on one batch: {"loss": ..., "accuracy": ...}
        (what the plan's eval computes), scalars as floats."""
        _, named = self._named("eval", inputs, kwargs)
        return self._scalars(self.run("eval", named))

    def set_training_position(self, seed, step):
        """The seed and step that key the next train_step's dropout masks."""
        lib.braid_session_set_training_position(self._handle, seed, step)

    # ---- checkpoints --------------------------------------------------

    def save_checkpoint(self, path, metadata=None):
        """Writes every parameter and optimizer state tensor as a safetensors
        file (atomically), with `metadata` strings in its header."""
        metadata = metadata or {}
        keys = [encode(str(k)) for k in metadata]
        values = [encode(str(v)) for v in metadata.values()]
        check(lib.braid_session_save_checkpoint_with_metadata(
            self._handle, encode(path), (ctypes.c_char_p * len(keys))(*keys),
            (ctypes.c_char_p * len(values))(*values), len(keys)))

    def load_checkpoint(self, source, state="if_present"):
        """Loads parameters (and optimizer state) from a safetensors file or
        a {name: array} dict. state: "if_present" (take the optimizer state
        given, zeros without it), "required" or "skip". A checkpoint that
        does not fit the plan raises and leaves the session unchanged."""
        if state not in _CHECKPOINT_STATE:
            raise InvalidArgumentError("state must be one of %s; got %r" % (
                ", ".join(_CHECKPOINT_STATE), state))
        if isinstance(source, dict):
            with tempfile.TemporaryDirectory(prefix="braid-") as tmp:
                path = os.path.join(tmp, "checkpoint.safetensors")
                safetensors.write(path, source)
                return self.load_checkpoint(path, state)
        check(lib.braid_session_load_checkpoint_state(self._handle, encode(source),
                                                      _CHECKPOINT_STATE[state]))

    def checkpoint(self):
        """Every parameter and optimizer state tensor, as {name: array}
        (copies: the session's values at the call)."""
        with tempfile.TemporaryDirectory(prefix="braid-") as tmp:
            path = os.path.join(tmp, "checkpoint.safetensors")
            self.save_checkpoint(path)
            return safetensors.read(path)[0]

    # ---- lifetime -----------------------------------------------------

    def close(self):
        """Releases the session (its memory is freed once nothing else holds
        it) and the arrays bound to its inputs."""
        super().close()
        self._bound = {}


def _describe(value):
    if isinstance(value, np.ndarray):
        flags = "" if value.flags.c_contiguous else ", not C-contiguous"
        flags += "" if value.flags.writeable else ", read-only"
        return "%s array of shape %s%s" % (value.dtype, value.shape, flags)
    return type(value).__name__
