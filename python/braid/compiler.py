"""braid.compile: compiles a model file into a plan by running braidc."""

import os
import subprocess

from .errors import CompileError
from .tools import find_tool


def compile(model_path, output=None, replicas=1, defines=None, batch=None, extra_args=()):
    """Compiles the model file `model_path` with braidc and returns the plan's
    path: `output`, or model_path with its extension replaced by .plan.

    replicas: data-parallel replicas (braidc --replicas). defines: {name:
    value} overriding the model's constants (braidc -D name=value). batch:
    braidc --batch when given. extra_args: further braidc arguments.
    Raises CompileError with braidc's diagnostics when it fails.
    """
    model_path = os.fspath(model_path)
    if output is None:
        output = os.path.splitext(model_path)[0] + ".plan"
    output = os.fspath(output)
    args = [find_tool("braidc"), model_path, "-o", output]
    if replicas != 1:
        args += ["--replicas", str(replicas)]
    if batch is not None:
        args += ["--batch", str(batch)]
    for name, value in (defines or {}).items():
        args += ["-D", "%s=%s" % (name, value)]
    args += list(extra_args)
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        message = (proc.stderr + proc.stdout).decode(errors="replace").strip()
        raise CompileError(message or "braidc exited with status %d" % proc.returncode,
                           proc.returncode)
    return output
