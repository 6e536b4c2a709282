"""Finding Braid's programs (braidc, braid-run): BRAIDC or BRAID_RUN, then
the install's bin directory relative to this package, then PATH."""

import os
import shutil

_ENV = {"braidc": "BRAIDC", "braid-run": "BRAID_RUN"}


def installed(directory, name):
    """The path `name` would have in the install's `directory` ("LIBDIR" or
    "BINDIR" of _install.py, relative to this package); None in the source
    tree, which is not installed."""
    try:
        from . import _install
    except ImportError:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         getattr(_install, directory), name))


def find_tool(name):
    """The path of Braid's program `name`; raises LibraryError naming where
    it looked when there is none."""
    env = _ENV.get(name)
    if env and os.environ.get(env):
        return os.environ[env]
    path = installed("BINDIR", name)
    if path and os.access(path, os.X_OK):
        return path
    path = shutil.which(name)
    if path:
        return path
    from .errors import LibraryError
    raise LibraryError("cannot find %s: not installed beside the braid package and not on "
                       "PATH; set %s to its path" % (name, env or "PATH"))
