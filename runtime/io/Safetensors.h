// Safetensors: reading and writing the safetensors format, the runtime's
// checkpoint and weight-exchange format.
#ifndef BRAID_RUNTIME_IO_SAFETENSORS_H
#define BRAID_RUNTIME_IO_SAFETENSORS_H

#include "runtime/io/Array.h"
#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace braid::runtime::io {

/// One tensor of a safetensors file.
struct NamedArray {
  std::string name;
  Array array;
};

/// Reads the safetensors file at `path`: tensors into `out` (sorted by name),
/// the optional "__metadata__" string map into `metadata` when non-null.
/// Dtypes F32, F64, I32, I64 and U8 are supported; others give Unsupported
/// naming the dtype. The header and every offset are validated (header length,
/// JSON syntax, duplicate names, offsets in range, sizes matching shapes,
/// tensors neither overlapping nor leaving holes, as the format requires); a
/// malformed or truncated file gives InvalidData naming the file. Outputs are
/// unchanged on error.
Status readSafetensors(const std::string &path, std::vector<NamedArray> *out,
                       std::map<std::string, std::string> *metadata = nullptr);

/// Like readSafetensors, for a file already in memory; `nameForMessages`
/// stands for the file in error messages.
Status
readSafetensorsBuffer(const uint8_t *data, size_t size,
                      const std::string &nameForMessages,
                      std::vector<NamedArray> *out,
                      std::map<std::string, std::string> *metadata = nullptr);

/// Encodes `arrays` (stored sorted by name, contiguously, header padded with
/// spaces to a multiple of 8 bytes) and `metadata` as a safetensors file.
/// Names must be unique, non-empty valid UTF-8 and not "__metadata__".
Status encodeSafetensors(const std::vector<NamedArray> &arrays,
                         const std::map<std::string, std::string> &metadata,
                         std::vector<uint8_t> *out);

/// Writes `arrays` and `metadata` to `path` (see encodeSafetensors) through
/// writeFileAtomically, so a crash never leaves a torn checkpoint.
Status
writeSafetensors(const std::string &path, const std::vector<NamedArray> &arrays,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_SAFETENSORS_H
