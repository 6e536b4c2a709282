#!/usr/bin/python3
"""Checks .npy interoperability between Braid and numpy, both ways.

Usage: numpy_interop.py BRAID_IO_ROUNDTRIP
(a) numpy reads the files Braid writes, with equal values and byte-identical
    to np.save's output; (b) Braid reads the files numpy writes (float32,
    float64, int32, int64, uint8, a scalar, 3-D, versions 2.0 and 3.0) with
    equal values, and rejects a Fortran-order one. The Python safetensors
    package is not installed, so (c) safetensors files are checked against
    the format's specification with struct, json and numpy, both ways.
"""
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np


def formula(name, n):
    i = np.arange(n, dtype=np.int64)
    if name == "f32":
        return i.astype(np.float32) / np.float32(3) - np.float32(2)
    if name == "f64":
        return i.astype(np.float64) / 7.0 - 1e-3
    if name == "i32":
        return ((i * 7919) % 100003 - 50000).astype(np.int32)
    if name == "i64":
        return i * 1000000000000 - 5
    if name == "u8":
        return ((i * 37) % 256).astype(np.uint8)
    raise ValueError(name)


EXPECTED_BRAID = {
    "f32": ("f32", (2, 3, 4)),
    "f64": ("f64", (5,)),
    "i32": ("i32", (3, 3)),
    "i64": ("i64", (2, 2)),
    "u8": ("u8", (4, 16)),
    "scalar": ("f64", ()),
    "empty": ("f32", (0, 3)),
    "long": ("f32", (1000,)),
}

BRAID_DTYPE = {"f32": np.float32, "f64": np.float64, "i32": np.int32,
               "i64": np.int64, "u8": np.uint8}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def numpy_reads_braid(tool, tmp):
    subprocess.run([tool, "write", tmp], check=True)
    for name, (kind, shape) in EXPECTED_BRAID.items():
        path = os.path.join(tmp, "braid_%s.npy" % name)
        got = np.load(path, allow_pickle=False)
        n = int(np.prod(shape)) if shape else 1
        want = formula(kind, n).reshape(shape)
        check(got.dtype == want.dtype, "%s: dtype %s != %s" % (name, got.dtype,
                                                               want.dtype))
        check(got.shape == want.shape, "%s: shape %s" % (name, got.shape))
        check(np.array_equal(got, want), "%s: values differ" % name)
        buf = io.BytesIO()
        np.save(buf, want)
        with open(path, "rb") as f:
            check(f.read() == buf.getvalue(),
                  "%s: bytes differ from np.save's" % name)


def dump(tool, path):
    r = subprocess.run([tool, "dump", path], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def braid_reads_numpy(tool, tmp):
    rng = np.random.default_rng(0)
    arrays = {
        "float32": rng.standard_normal((3, 5)).astype(np.float32),
        "float64": rng.standard_normal(7) * 1e10,
        "int32": rng.integers(-2**31, 2**31, size=(4, 2), dtype=np.int32),
        "int64": rng.integers(-2**63, 2**63 - 1, size=6, dtype=np.int64),
        "uint8": rng.integers(0, 256, size=(2, 3), dtype=np.uint8),
        "scalar": np.array(np.float32(-0.75)),
        "threed": rng.standard_normal((2, 3, 4)),
        "empty": np.zeros((0, 4), dtype=np.int32),
    }
    files = {}
    for name, a in arrays.items():
        path = os.path.join(tmp, "np_%s.npy" % name)
        np.save(path, a)
        files[path] = a
    for version in [(2, 0), (3, 0)]:
        a = arrays["float32"]
        path = os.path.join(tmp, "np_v%d.npy" % version[0])
        with open(path, "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        files[path] = a
    for path, a in files.items():
        code, out, err = dump(tool, path)
        check(code == 0, "%s: Braid rejected it: %s" % (path, err.strip()))
        if code != 0:
            continue
        lines = out.split("\n")
        dtype = BRAID_DTYPE[lines[0]]
        shape = tuple(int(d) for d in lines[1].split())
        values = [float(v) if dtype in (np.float32, np.float64) else int(v)
                  for v in lines[2:] if v]
        got = np.array(values, dtype=dtype).reshape(shape)
        check(got.dtype == a.dtype, "%s: dtype %s != %s" % (path, got.dtype,
                                                            a.dtype))
        check(got.shape == a.shape, "%s: shape %s != %s" % (path, got.shape,
                                                            a.shape))
        check(np.array_equal(got, a), "%s: values differ" % path)
    path = os.path.join(tmp, "np_fortran.npy")
    np.save(path, np.asfortranarray(arrays["float32"]))
    code, _, err = dump(tool, path)
    check(code == 1 and "Fortran" in err,
          "Fortran order: expected a rejection, got %d %s" % (code, err))


ST_DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8",
             "U8": "|u1"}


def spec_read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    buf = data[8 + n:]
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(buf[begin:end], dtype=ST_DTYPES[
            info["dtype"]]).reshape(info["shape"])
    return out, meta, n


def spec_write_safetensors(path, tensors, meta):
    # Data in the reverse of name order, keys unsorted: only the offsets tie
    # names to bytes.
    header, chunks, offset = {"__metadata__": meta}, [], 0
    inverse = {v: k for k, v in ST_DTYPES.items()}
    for name in sorted(tensors, reverse=True):
        a = tensors[name]  # tobytes() is C order; keeps 0-d arrays 0-d
        raw = a.tobytes()
        header[name] = {"dtype": inverse[a.dtype.str],
                        "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def safetensors_both_ways(tool, tmp):
    path = os.path.join(tmp, "braid.safetensors")
    subprocess.run([tool, "st-write", path], check=True)
    tensors, meta, n = spec_read_safetensors(path)
    check(n % 8 == 0, "safetensors header length %d not a multiple of 8" % n)
    check(meta == {"step": "42", "writer": "braid"}, "metadata %r" % meta)
    check(sorted(tensors) == sorted(EXPECTED_BRAID), "names %r" % tensors)
    for name, (kind, shape) in EXPECTED_BRAID.items():
        want = formula(kind, int(np.prod(shape)) if shape else 1).reshape(
            shape)
        got = tensors.get(name)
        check(got is not None and got.dtype == want.dtype and
              got.shape == want.shape and np.array_equal(got, want),
              "safetensors %s differs" % name)

    rng = np.random.default_rng(1)
    theirs = {
        "w.f32": rng.standard_normal((3, 4)).astype(np.float32),
        "b.f64": rng.standard_normal(5),
        "i.i32": rng.integers(-9, 9, size=(2, 2), dtype=np.int32),
        "j.i64": rng.integers(-2**62, 2**62, size=3, dtype=np.int64),
        "u.u8": rng.integers(0, 256, size=(2, 1, 3), dtype=np.uint8),
        "s.scalar": np.array(2.5, dtype=np.float32),
    }
    path = os.path.join(tmp, "spec.safetensors")
    spec_write_safetensors(path, theirs, {"framework": "numpy"})
    out = os.path.join(tmp, "st_out")
    os.mkdir(out)
    r = subprocess.run([tool, "st-to-npy", path, out], capture_output=True,
                       text=True)
    check(r.returncode == 0, "Braid rejected spec.safetensors: " + r.stderr)
    if r.returncode != 0:
        return
    for name, a in theirs.items():
        got = np.load(os.path.join(out, name + ".npy"))
        check(got.dtype == a.dtype and got.shape == a.shape and
              np.array_equal(got, a), "safetensors %s read wrongly" % name)
    with open(os.path.join(out, "metadata.txt")) as f:
        check(f.read() == "framework=numpy\n", "metadata read wrongly")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="braid-npy-") as tmp:
        numpy_reads_braid(tool, tmp)
        braid_reads_numpy(tool, tmp)
        safetensors_both_ways(tool, tmp)
    print("numpy %s: %s" % (np.__version__,
                            "%d failures" % len(failures) if failures else
                            "all interop checks passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
