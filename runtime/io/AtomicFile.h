// AtomicFile: whole-file reads and crash-safe whole-file writes, the
// primitives under every data and checkpoint format of the runtime.
#ifndef BRAID_RUNTIME_IO_ATOMICFILE_H
#define BRAID_RUNTIME_IO_ATOMICFILE_H

#include "runtime/support/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime::io {

/// Replaces the file at `path` with `size` bytes from `data` so that a crash
/// leaves either the old file or the new one, never a torn mix: the bytes go
/// to a uniquely named temporary file in the same directory (created with
/// O_EXCL), which is fsynced and renamed over `path`, then the directory is
/// fsynced. On failure the temporary file is removed and the error (IoError)
/// names the file, the step that failed and the system's reason. Thread-safe:
/// concurrent writers of one path each leave a complete file.
Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size);

/// Reads the whole file at `path` into `out` (replacing its contents).
/// NotFound when the file does not exist, InvalidArgument when it is a
/// directory, IoError for any other failure; `*out` is unspecified on error.
Status readFile(const std::string &path, std::vector<uint8_t> *out);

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_ATOMICFILE_H
