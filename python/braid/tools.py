"""Finding Braid's programs (braidc, braid-run): BRAIDC or BRAID_RUN, then
the install's bin directory relative to this package, then PATH."""

import os
import shutil

_ENV = {"braidc": "BRAIDC", "braid-run": "BRAID_RUN"}


def find_tool(name):
    """The path of Braid's program `name`; raises LibraryError naming where
    it looked when there is none."""
    env = _ENV.get(name)
    if env and os.environ.get(env):
        return os.environ[env]
    try:
        from . import _install
        path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             _install.BINDIR, name))
        if os.access(path, os.X_OK):
            return path
    except ImportError:  # the source tree: not installed
        pass
    path = shutil.which(name)
    if path:
        return path
    from .errors import LibraryError
    raise LibraryError("cannot find %s: not installed beside the braid package and not on "
                       "PATH; set %s to its path" % (name, env or "PATH"))
