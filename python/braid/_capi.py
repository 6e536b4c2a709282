"""The C API of libbraid_runtime.so (braid/braid.h, braid/braid_train.h) through ctypes.

The structs mirror the headers of API version 0.4 field for field; each
carries its own sizeof as struct_size, as the headers' *_init functions
set it. The library is looked up once, on first use (see _find_library).
"""

import contextlib
import ctypes
import os

from . import errors
from .tools import installed

# The API version these declarations follow (braid.h's BRAID_API_VERSION_*).
# While the major version is 0 every minor version may change the ABI, so the
# loaded library must have exactly this one.
API_VERSION = (0, 4)
SONAME = "libbraid_runtime.so.%d.%d" % API_VERSION

c_char_p = ctypes.c_char_p
c_size_t = ctypes.c_size_t
c_int32 = ctypes.c_int32
c_int64 = ctypes.c_int64
c_uint64 = ctypes.c_uint64
c_double = ctypes.c_double
c_void_p = ctypes.c_void_p
status_t = ctypes.c_int  # braid_status_code_t


class _Sized(ctypes.Structure):
    """A struct that starts with size_t struct_size, set to its own sizeof."""

    def __init__(self, **fields):
        super().__init__(**fields)
        self.struct_size = ctypes.sizeof(self)


class PlanInfo(_Sized):
    _fields_ = [
        ("struct_size", c_size_t),
        ("model_name", c_char_p),
        ("compiler_version", c_char_p),
        ("batch", c_int64),
        ("replicas", c_int32),
        ("module_hash", c_uint64),
        ("entry_point_count", c_size_t),
        ("parameter_count", c_size_t),
        ("parameter_elements", c_int64),
        ("arena_bytes", c_uint64),
        ("epochs", c_int64),
        ("optimizer_state_bytes", c_uint64),
        ("steps", c_int64),
        ("accumulate", c_int64),
        ("predict_batch_count", c_size_t),
        ("predict_batches", ctypes.POINTER(c_int64)),
    ]


class TensorInfo(_Sized):
    _fields_ = [
        ("struct_size", c_size_t),
        ("name", c_char_p),
        ("element_type", ctypes.c_int),
        ("rank", c_size_t),
        ("shape", ctypes.POINTER(c_int64)),
        ("byte_size", c_size_t),
        ("batch_dim", c_int64),
    ]


class SessionOptions(_Sized):
    _fields_ = [
        ("struct_size", c_size_t),
        ("threads", c_int32),
        ("seed", c_uint64),
        ("communicator", c_void_p),
        ("ieee_denormals", c_int32),
        ("unused_padding_0", c_int32),
        ("refuse_native_code", c_int32),
    ]


class TrainEvent(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_size_t),
        ("kind", ctypes.c_int),
        ("text", c_char_p),
        ("epoch", c_int64),
        ("step", c_int64),
        ("global_step", c_int64),
        ("loss", c_double),
        ("samples_per_second", c_double),
        ("evaluated", c_int32),
        ("has_test_accuracy", c_int32),
        ("test_loss", c_double),
        ("test_accuracy", c_double),
    ]


TRAIN_EVENT_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(TrainEvent), c_void_p)


class TrainerOptions(_Sized):
    _fields_ = [
        ("struct_size", c_size_t),
        ("data", c_char_p),
        ("test_data", c_char_p),
        ("epochs", c_int64),
        ("max_steps", c_int64),
        ("eval_every", c_int64),
        ("init_from", c_char_p),
        ("save_path", c_char_p),
        ("metrics_path", c_char_p),
        ("session", SessionOptions),
        ("progress_style", ctypes.c_int),
        ("progress_every", c_int64),
        ("on_event", TRAIN_EVENT_FN),
        ("user_data", c_void_p),
        ("save_every", c_int64),
        ("restart_from_weights", c_int32),
        ("fresh_optimizer", c_int32),
        ("in_order", c_int32),
        ("val_fraction", c_double),
        ("trace_path", c_char_p),
        ("trace_steps", c_int64),
        ("profile", c_int32),
    ]

    def __init__(self):
        # braid_trainer_options_init's defaults.
        super().__init__(eval_every=1, progress_every=100, val_fraction=0.1,
                         session=SessionOptions())


class Evaluation(_Sized):
    _fields_ = [
        ("struct_size", c_size_t),
        ("loss", c_double),
        ("has_accuracy", c_int32),
        ("accuracy", c_double),
        ("samples", c_int64),
        ("dataset_samples", c_int64),
    ]


P = ctypes.POINTER
# name: (restype, argtypes). A status_t result is checked by the wrapper.
_FUNCTIONS = {
    "braid_status_message": (c_char_p, []),
    "braid_api_version": (ctypes.c_uint32, []),
    "braid_runtime_version": (c_char_p, []),
    "braid_runtime_onednn_isa": (c_char_p, []),
    "braid_runtime_native_isa": (c_char_p, []),
    "braid_plan_load_file": (status_t, [c_char_p, P(c_void_p)]),
    "braid_plan_load_buffer": (status_t, [c_void_p, c_size_t, P(c_void_p)]),
    "braid_plan_release": (None, [c_void_p]),
    "braid_plan_info": (status_t, [c_void_p, P(PlanInfo)]),
    "braid_plan_entry_point_name": (status_t, [c_void_p, c_size_t, P(c_char_p)]),
    "braid_plan_entry_point_signature":
        (status_t, [c_void_p, c_char_p, P(c_size_t), P(c_size_t)]),
    "braid_plan_entry_point_input":
        (status_t, [c_void_p, c_char_p, c_size_t, P(TensorInfo)]),
    "braid_plan_entry_point_output":
        (status_t, [c_void_p, c_char_p, c_size_t, P(TensorInfo)]),
    "braid_plan_label_classes": (status_t, [c_void_p, c_char_p, c_char_p, P(c_int64)]),
    "braid_session_create": (status_t, [c_void_p, P(SessionOptions), P(c_void_p)]),
    "braid_session_retain": (None, [c_void_p]),
    "braid_session_release": (None, [c_void_p]),
    "braid_session_threads": (c_int32, [c_void_p]),
    "braid_session_bind_input": (status_t, [c_void_p, c_char_p, c_char_p, c_void_p, c_size_t]),
    "braid_session_run": (status_t, [c_void_p, c_char_p]),
    "braid_session_set_training_position": (None, [c_void_p, c_uint64, c_uint64]),
    "braid_session_output":
        (status_t, [c_void_p, c_char_p, c_char_p, P(c_void_p), P(c_size_t)]),
    "braid_session_load_checkpoint_state": (status_t, [c_void_p, c_char_p, ctypes.c_int]),
    "braid_session_save_checkpoint_with_metadata":
        (status_t, [c_void_p, c_char_p, P(c_char_p), P(c_char_p), c_size_t]),
    "braid_trainer_create": (status_t, [c_void_p, P(TrainerOptions), P(c_void_p)]),
    "braid_trainer_run": (status_t, [c_void_p]),
    "braid_trainer_request_stop": (None, [c_void_p]),
    "braid_trainer_stopped": (ctypes.c_int, [c_void_p]),
    "braid_trainer_evaluate": (status_t, [c_void_p, P(Evaluation)]),
    "braid_trainer_session": (status_t, [c_void_p, P(c_void_p)]),
    "braid_trainer_release": (None, [c_void_p]),
}


def _find_library():
    """BRAID_RUNTIME_LIBRARY (a build tree's library), else the install's lib
    directory relative to this package, else the loader's own search."""
    path = os.environ.get("BRAID_RUNTIME_LIBRARY")
    if path:
        return path
    path = installed("LIBDIR", SONAME)
    return path if path and os.path.exists(path) else SONAME


class _Library:
    def __init__(self):
        self._dll = None
        # (get, set) of openblas_{get,set}_num_threads when the BLAS the
        # runtime calls is not the OpenMP OpenBLAS it was linked with.
        self.foreign_blas = None

    def try_load(self):
        """Loads the library now if it can be (at import, after NumPy: see
        _check_blas); if not, the first call that needs it raises."""
        try:
            self._load()
        except errors.LibraryError:
            pass

    def __getattr__(self, name):
        # Loaded on first use when `import braid` could not (it works
        # without the library, which is named when a call needs it).
        if self._dll is None:
            self._load()
        return getattr(self._dll, name)

    def _load(self):
        if self._dll is not None:
            return
        path = _find_library()
        try:
            dll = ctypes.CDLL(path)
        except OSError as e:
            raise errors.LibraryError(
                "cannot load the Braid runtime %s (%s); set BRAID_RUNTIME_LIBRARY to "
                "its path, e.g. build/release/lib/%s" % (path, e, SONAME)) from None
        for name, (restype, argtypes) in _FUNCTIONS.items():
            fn = getattr(dll, name)
            fn.restype = restype
            fn.argtypes = argtypes
        version = dll.braid_api_version()
        loaded = (version >> 16, version & 0xFFFF)
        if loaded != API_VERSION:
            raise errors.LibraryError(
                "%s implements the C API %d.%d; this braid package is written for %d.%d"
                % (path, loaded[0], loaded[1], API_VERSION[0], API_VERSION[1]))
        self.path = path
        self._check_blas(dll)
        self._dll = dll

    def _check_blas(self, dll):
        """The runtime links Debian's OpenMP build of OpenBLAS, whose threads
        follow the session's `threads`. NumPy links libblas.so.3, which
        Debian's alternatives may make the pthread build; loaded first (the
        package imports NumPy first), it is the one the runtime calls too:
        one library of soname libopenblas.so.0 per process. Its own thread
        count would change the runtime's results and speed, so each run
        holds it to the session's threads (blas_threads).

        NumPy is loaded first because OpenBLAS 0.3.21's OpenMP build, shared
        by NumPy, hangs in a call made with fewer OpenMP threads than an
        earlier one (a session of 1 thread after NumPy's multiplication on
        all cores); the pthread build does not."""
        try:
            parallel = dll.openblas_get_parallel  # 2: the OpenMP build
            get, set_ = dll.openblas_get_num_threads, dll.openblas_set_num_threads
        except AttributeError:
            return
        parallel.restype = ctypes.c_int
        get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
        if parallel() != 2:
            self.foreign_blas = (get, set_)


lib = _Library()


@contextlib.contextmanager
def blas_threads(threads):
    """The scope of a run: a foreign OpenBLAS (see _Library._check_blas) is
    held to the session's `threads` for the run's length, as the runtime
    holds its own OpenMP count."""
    blas_before = None
    if lib.foreign_blas is not None:
        get, set_ = lib.foreign_blas
        blas_before = get()
        set_(threads)
    try:
        yield
    finally:
        if blas_before is not None:
            set_(blas_before)


class Handle:
    """A Python object holding one reference to a runtime object (plan,
    session, trainer): close(), the end of a with block or garbage
    collection drops it through the C API function named `_release`."""

    _release = None  # e.g. "braid_plan_release"
    _handle = None   # until __init__ sets it; None again once closed

    def close(self):
        """Drops this object's reference to the runtime's object (objects
        made from it keep their own; its memory is freed once nothing holds
        it)."""
        if self._handle:
            getattr(lib, self._release)(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check(code):
    """Raises the BraidError subclass of a failed call's status, carrying
    braid_status_message() (per thread, so read right after the call)."""
    if code != 0:
        raise errors.from_status(code, lib.braid_status_message().decode(errors="replace"))


def encode(s):
    return None if s is None else os.fsencode(s)
