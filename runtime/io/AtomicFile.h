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

/// Writes `size` bytes from `data` to `path` without ever destroying the
/// node `path` names:
///  - a regular file, or a path where nothing exists yet, is replaced so that
///    a crash leaves either the old file or the new one, never a torn mix:
///    the bytes go to a uniquely named temporary file beside it (created
///    with O_EXCL), which is fsynced and renamed over it, then the directory
///    is fsynced. Symbolic links are followed: the final target is replaced
///    and every link stays a link. A replaced file keeps its permission bits
///    (and its owner where the process may set it); a new file gets
///    0666 & ~umask. Temporary files left by killed writers of the same path
///    are removed first, and the one in flight is removed if SIGINT, SIGTERM
///    or SIGHUP ends the process (see TempFiles.h);
///  - a FIFO or a character device (/dev/null, a pipe read by another
///    process), and /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N,
///    are written as a stream: in order, but not atomically, and the node is
///    left in place;
///  - a directory, a block device or a socket is refused (InvalidArgument)
///    and left untouched.
/// On failure the temporary file is removed and the error (IoError) names the
/// file, the step that failed and the system's reason. Thread-safe:
/// concurrent writers of one path each leave a complete file.
Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size);

/// Checks, writing nothing, that writeFileAtomically(path, ...) can create
/// or replace `path`: that its directory exists and this process may create
/// files in it (or that a stream destination is writable). For the tools to
/// call before hours of work whose result would have nowhere to go. Errors
/// as writeFileAtomically's: IoError naming the path, the directory and the
/// system's reason; InvalidArgument for a node it would refuse.
Status checkWritable(const std::string &path);

/// Reads the whole file at `path` into `out` (replacing its contents).
/// NotFound when the file does not exist, InvalidArgument when it is a
/// directory, IoError for any other failure; `*out` is unspecified on error.
Status readFile(const std::string &path, std::vector<uint8_t> *out);

} // namespace braid::runtime::io

#endif // BRAID_RUNTIME_IO_ATOMICFILE_H
