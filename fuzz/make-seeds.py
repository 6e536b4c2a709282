#!/usr/bin/python3
"""Writes the seed inputs of the binary-format fuzz harnesses (.npy,
safetensors, IDX) into corpus/<harness>/seed-*: one small valid file per
dtype and rank the readers accept, and a few they reject for a reason. The
model language and plan harnesses are seeded from the tree instead
(fuzz/seeds.sh). Run it again after changing it; the outputs are committed.
"""
import gzip
import io
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def write(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def npy(array, version=None):
    out = io.BytesIO()
    if version is None:
        np.save(out, array)
    else:
        np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


def npy_seeds():
    write("npy_fuzzer", "f4-2x3", npy(np.arange(6, dtype="<f4").reshape(2, 3)))
    write("npy_fuzzer", "f8-scalar", npy(np.array(1.5, dtype="<f8")))
    write("npy_fuzzer", "i4-4", npy(np.array([1, -2, 3, 4], dtype="<i4")))
    write("npy_fuzzer", "i8-1x1x2", npy(np.array([[[7, 8]]], dtype="<i8")))
    write("npy_fuzzer", "u1-empty", npy(np.zeros((0, 3), dtype="u1")))
    write("npy_fuzzer", "f4-v2", npy(np.ones(2, dtype="<f4"), version=(2, 0)))
    write("npy_fuzzer", "f4-fortran",
          npy(np.asfortranarray(np.ones((2, 2), dtype="<f4"))))


def safetensors(tensors, metadata=None):
    header, data, offset = {}, b"", 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, array) in tensors.items():
        raw = array.tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        data += raw
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    write("safetensors_fuzzer", "two", safetensors({
        "w": ("F32", np.arange(6, dtype="<f4").reshape(2, 3)),
        "b": ("F32", np.zeros(3, dtype="<f4"))}))
    write("safetensors_fuzzer", "dtypes", safetensors({
        "d": ("F64", np.array([1.0], dtype="<f8")),
        "i": ("I32", np.array([[1, 2]], dtype="<i4")),
        "l": ("I64", np.array(5, dtype="<i8")),
        "u": ("U8", np.array([1, 2, 3], dtype="u1"))},
        metadata={"step": "10", "format": "pt"}))
    write("safetensors_fuzzer", "empty", safetensors({}))
    write("safetensors_fuzzer", "bf16", safetensors({
        "h": ("BF16", np.zeros(2, dtype="<u2"))}))


def idx(array, code):
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.tobytes()


def idx_seeds():
    images = np.arange(2 * 3 * 3, dtype="u1").reshape(2, 3, 3)
    write("idx_fuzzer", "u8-images", idx(images, 0x08))
    write("idx_fuzzer", "u8-labels", idx(np.array([1, 9, 0], dtype="u1"), 0x08))
    write("idx_fuzzer", "i8", idx(np.array([-1, 2], dtype="i1"), 0x09))
    write("idx_fuzzer", "i16", idx(np.array([-300, 2], dtype=">i2"), 0x0B))
    write("idx_fuzzer", "i32", idx(np.array([[1, -2]], dtype=">i4"), 0x0C))
    write("idx_fuzzer", "f32", idx(np.array([0.5, -1], dtype=">f4"), 0x0D))
    write("idx_fuzzer", "f64", idx(np.array([0.25], dtype=">f8"), 0x0E))
    write("idx_fuzzer", "u8-images.gz",
          gzip.compress(idx(images, 0x08), mtime=0))


if __name__ == "__main__":
    npy_seeds()
    safetensors_seeds()
    idx_seeds()
