"""Reading and writing safetensors files (Braid's checkpoints) as dicts of
NumPy arrays, with NumPy alone."""

import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
           "U8": np.uint8}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def read(path):
    """(tensors, metadata): {name: array} in the file's order of names, and
    the header's "__metadata__" strings ({} without them)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: not a safetensors file (%d bytes)" % (path, len(data)))
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    metadata = header.pop("__metadata__", {}) or {}
    base = 8 + header_size
    tensors = {}
    for name in sorted(header):
        entry = header[name]
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_DTYPES[entry["dtype"]]).newbyteorder("<")
        array = np.frombuffer(data, dtype=dtype, count=(end - begin) // dtype.itemsize,
                              offset=base + begin)
        tensors[name] = array.reshape(entry["shape"]).astype(dtype.newbyteorder("="))
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes {name: array} (float32, float64, int32, int64 or uint8) as a
    safetensors file, with `metadata` strings in the header."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.require(np.asarray(tensors[name]), requirements=["C"])  # keeps 0-d
        if array.dtype.newbyteorder("=") not in _NAMES:
            raise TypeError("tensor '%s' is %s; a checkpoint holds float32, float64, int32, "
                            "int64 or uint8" % (name, array.dtype))
        raw = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _NAMES[array.dtype.newbyteorder("=")], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(os.fspath(path), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)
