"""Writes a copy of a safetensors checkpoint with its metadata or tensors
changed, as a damaged or foreign checkpoint would be:

  edit_checkpoint.py IN OUT [KEY=VALUE]... [-TENSOR]...

KEY=VALUE sets a "__metadata__" entry (an empty VALUE removes it); -TENSOR
leaves a tensor out. Tensors keep their bytes; the header is rewritten with
the offsets the format requires.
"""
import json
import struct
import sys

source, target, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(source, "rb") as f:
    data = f.read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
body = data[8 + n:]
metadata = header.pop("__metadata__", {})
for edit in edits:
    if edit.startswith("-"):
        del header[edit[1:]]
        continue
    key, value = edit.split("=", 1)
    if value:
        metadata[key] = value
    else:
        metadata.pop(key, None)
out_header, blobs, offset = {"__metadata__": metadata}, [], 0
for name in sorted(header):
    begin, end = header[name]["data_offsets"]
    entry = dict(header[name], data_offsets=[offset, offset + end - begin])
    out_header[name] = entry
    blobs.append(body[begin:end])
    offset += end - begin
text = json.dumps(out_header).encode()
text += b" " * (-len(text) % 8)
with open(target, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
