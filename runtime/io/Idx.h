// Idx: reading the IDX format of the MNIST family of data sets, plain or
// gzip-compressed.
#ifndef BRAID_RUNTIME_IO_IDX_H
#define BRAID_RUNTIME_IO_IDX_H

#include "runtime/io/Array.h"
#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace braid::runtime::io {

/// The most bytes a gzip-compressed IDX file may inflate to (4 GiB).
constexpr uint64_t kMaxIdxInflatedBytes = 4ull << 30;

/// Reads the IDX file at `path` (gzip-compressed when it starts with 0x1f
/// 0x8b) into `out`. Element types map as: 0x08 unsigned byte -> U8, 0x09
/// signed byte -> I32, 0x0B short -> I32, 0x0C int -> I32, 0x0D float -> F32,
/// 0x0E double -> F64 (big-endian in the file, little-endian in `out`). The
/// data must be exactly as long as the dimensions say. A malformed, truncated
/// or oversized file gives InvalidData naming the file; `*out` is unchanged on
/// error.
Status readIdx(const std::string &path, Array *out);

/// Like readIdx, for a file already in memory; `nameForMessages` stands for
/// the file in messages. `maxInflatedBytes` bounds a gzip stream's output.
Status readIdxBuffer(const uint8_t *data, size_t size,
                     const std::string &nameForMessages, Array *out,
                     uint64_t maxInflatedBytes = kMaxIdxInflatedBytes);

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_IDX_H
