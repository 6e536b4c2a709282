// Npy: reading and writing numpy's .npy format (versions 1.0, 2.0 and 3.0).
#ifndef BRAID_RUNTIME_IO_NPY_H
#define BRAID_RUNTIME_IO_NPY_H

#include "runtime/io/Array.h"
#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime::io {

/// Reads the .npy file at `path` into `out`. Accepts format versions 1.0, 2.0
/// and 3.0, C-order arrays (scalars included) of dtype '<f4', '<f8', '<i4',
/// '<i8', '|u1' or '<u1'. A malformed or truncated file gives InvalidData, a
/// valid file this reader does not handle (Fortran order, other dtypes)
/// Unsupported; messages name the file. `*out` is unchanged on error.
Status readNpy(const std::string &path, Array *out);

/// Like readNpy, for a file already in memory (`size` bytes at `data`);
/// `nameForMessages` stands for the file in error messages.
Status readNpyBuffer(const uint8_t *data, size_t size,
                     const std::string &nameForMessages, Array *out);

/// Encodes `array` as a .npy file exactly as numpy's np.save does (version 1.0
/// header, padded so the data starts at a multiple of 64 bytes).
Status encodeNpy(const Array &array, std::vector<uint8_t> *out);

/// Writes `array` to `path` as .npy (see encodeNpy) through
/// writeFileAtomically, so a crash never leaves a torn file.
Status writeNpy(const std::string &path, const Array &array);

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_NPY_H
