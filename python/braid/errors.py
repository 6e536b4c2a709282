"""Braid's exceptions: one class per status code of the C API, each carrying
the C API's message (braid_status_message), and CompileError for braidc."""


class BraidError(Exception):
    """A failed call of the Braid runtime; `code` is its braid_status_code_t
    (0 for errors raised by the Python package itself), `message` its text."""

    code = 0

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidArgumentError(BraidError, ValueError):
    """BRAID_INVALID_ARGUMENT: a value passed in is wrong."""
    code = 1


class NotFoundError(BraidError):
    """BRAID_NOT_FOUND: a file, entry point or tensor does not exist."""
    code = 2


class InvalidPlanError(BraidError):
    """BRAID_INVALID_PLAN: the plan failed verification or validation."""
    code = 3


class InvalidDataError(BraidError):
    """BRAID_INVALID_DATA: a checkpoint or data file is malformed."""
    code = 4


class BraidIOError(BraidError):
    """BRAID_IO_ERROR: the operating system refused a read or write."""
    code = 5


class UnsupportedError(BraidError):
    """BRAID_UNSUPPORTED: valid, but this runtime cannot do it."""
    code = 6


class InternalError(BraidError):
    """BRAID_INTERNAL: a bug in Braid."""
    code = 7


class CommunicationError(BraidError):
    """BRAID_COMMUNICATION: a collective failed."""
    code = 8


class LibraryError(BraidError):
    """libbraid_runtime.so cannot be found or loaded, or implements another
    version of the C API."""


class CompileError(BraidError):
    """braidc failed; `message` is what it printed (clang-style diagnostics),
    `returncode` its exit status."""

    def __init__(self, message, returncode=1):
        super().__init__(message)
        self.returncode = returncode


_BY_CODE = {cls.code: cls for cls in (
    InvalidArgumentError, NotFoundError, InvalidPlanError, InvalidDataError,
    BraidIOError, UnsupportedError, InternalError, CommunicationError)}


def from_status(code, message):
    """The exception of a braid_status_code_t; an unknown code (a newer
    library's) is a plain BraidError."""
    cls = _BY_CODE.get(code)
    if cls is None:
        err = BraidError("status %d: %s" % (code, message))
        err.code = code
        return err
    return cls(message)
