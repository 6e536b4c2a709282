// AtomicFile: whole-file reads; writes that replace regular files by
// temp-file + fsync + rename and stream into FIFOs and devices (POSIX).
#include "runtime/io/AtomicFile.h"

#include "runtime/io/TempFiles.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace braid::runtime::io {

namespace {

std::string errnoText(int err) {
  return std::error_code(err, std::generic_category()).message();
}

Status osError(const std::string &path, const std::string &what, int err) {
  return ioError(path + ": " + what + ": " + errnoText(err));
}

int closeRetry(int fd) {
  // Linux releases the descriptor even when close() reports EINTR.
  int r = ::close(fd);
  if (r != 0 && errno == EINTR)
    return 0;
  return r;
}

Status checkPath(const std::string &path) {
  if (path.empty())
    return invalidArgument("cannot write a file with an empty path");
  if (path.back() == '/')
    return invalidArgument(path + ": expected a file path, not a directory");
  return Status::ok();
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// What a path names, and how writeFileAtomically writes to it.
struct Destination {
  enum class Kind {
    File,       // replaced or created atomically at `path`
    Stream,     // a FIFO or character device at `path`, written in place
    Descriptor, // an open descriptor of this process, `fd`
  };
  Kind kind = Kind::File;
  /// File: the final target (symbolic links resolved); Stream: the node.
  std::string path;
  /// File: whether it exists, and then its status.
  bool exists = false;
  struct stat status {};
  int fd = -1;
};

/// The descriptor N that /dev/stdout, /dev/stderr, /dev/fd/N or
/// /proc/self/fd/N name, or -1. These are written through the descriptor:
/// the kernel's links behind them need not name a path (a pipe's is
/// "pipe:[N]"), and a redirected standard output keeps its offset.
int standardDescriptor(const std::string &path) {
  if (path == "/dev/stdout")
    return 1;
  if (path == "/dev/stderr")
    return 2;
  for (const char *prefix : {"/dev/fd/", "/proc/self/fd/"}) {
    size_t n = std::strlen(prefix);
    if (path.size() <= n || path.size() > n + 9 || path.compare(0, n, prefix))
      continue;
    if (path.find_first_not_of("0123456789", n) != std::string::npos)
      return -1;
    return std::stoi(path.substr(n));
  }
  return -1;
}

const char *nodeKind(mode_t mode) {
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "a special file";
}

/// Follows `path`'s symbolic links to the node a write would reach, and
/// says how to write to it.
Status resolve(const std::string &path, Destination *out) {
  *out = Destination{};
  if (int fd = standardDescriptor(path); fd >= 0) {
    out->kind = Destination::Kind::Descriptor;
    out->fd = fd;
    return Status::ok();
  }
  std::string current = path;
  for (int hops = 0;; ++hops) {
    if (hops > 40)
      return osError(path, "cannot follow its symbolic links", ELOOP);
    struct stat st;
    if (::lstat(current.c_str(), &st) != 0) {
      if (errno != ENOENT)
        return osError(path, "cannot stat " + current, errno);
      out->path = current; // a new file (its directory is checked later)
      return Status::ok();
    }
    if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 4096);
      ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
      if (n < 0)
        return osError(path, "cannot read the symbolic link " + current, errno);
      std::string next(target.data(), static_cast<size_t>(n));
      current = !next.empty() && next.front() == '/'
                    ? next
                    : directoryOf(current) + "/" + next;
      continue;
    }
    out->path = current;
    if (S_ISREG(st.st_mode)) {
      out->exists = true;
      out->status = st;
      return Status::ok();
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
      out->kind = Destination::Kind::Stream;
      return Status::ok();
    }
    if (S_ISDIR(st.st_mode))
      return invalidArgument(path + ": is a directory; expected a file path");
    return invalidArgument(path + ": is " + nodeKind(st.st_mode) +
                           "; braid writes regular files, FIFOs and "
                           "character devices only");
  }
}

/// Writes all of `data` to `fd`, retrying short writes and EINTR.
int writeAll(int fd, const void *data, size_t size) {
  const uint8_t *p = static_cast<const uint8_t *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    if (n == 0)
      return EIO;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

/// A FIFO, character device or descriptor: the bytes in order, in place.
Status writeStream(const std::string &path, const Destination &dest,
                   const void *data, size_t size) {
  if (dest.kind == Destination::Kind::Descriptor) {
    if (int err = writeAll(dest.fd, data, size))
      return osError(path, "cannot write", err);
    return Status::ok();
  }
  int fd;
  do {
    // No O_CREAT, no O_TRUNC: the node is written, never made or emptied.
    // A FIFO's open waits for its reader.
    fd = ::open(dest.path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return osError(path, "cannot open for writing", errno);
  int err = writeAll(fd, data, size);
  if (closeRetry(fd) != 0 && err == 0)
    err = errno;
  if (err)
    return osError(path, "cannot write", err);
  return Status::ok();
}

/// Gives the temporary file the replaced file's owner (where this process
/// may) and permission bits, so a private checkpoint stays private.
int keepOwnerAndMode(int fd, const struct stat &old) {
  struct stat now;
  if (::fstat(fd, &now) != 0)
    return errno;
  if (now.st_uid != old.st_uid || now.st_gid != old.st_gid) {
    // Best effort: only root gives a file away; a member may set its group.
    if (::fchown(fd, old.st_uid, old.st_gid) != 0)
      (void)::fchown(fd, static_cast<uid_t>(-1), old.st_gid);
  }
  // After fchown, which clears set-user-ID and set-group-ID bits.
  if (::fchmod(fd, old.st_mode & 07777) != 0)
    return errno;
  return 0;
}

/// A regular file: a temporary file beside it, fsynced and renamed over it.
Status replaceFile(const std::string &path, const Destination &dest,
                   const void *data, size_t size) {
  std::string dir, base;
  try {
    dir = directoryOf(dest.path);
    base = baseOf(dest.path);
  } catch (const std::bad_alloc &) {
    return ioError(path + ": out of memory");
  }
  detail::removeStaleTempFiles(dir, base);

  std::string tmp;
  int fd = -1, slot = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = detail::temporaryName(dir, base);
    // Registered before it exists, so that no moment has it on disk and
    // unknown to the signal handler.
    slot = detail::registerInFlight(tmp);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      int err = errno;
      detail::releaseInFlight(slot);
      slot = -1;
      if (err != EEXIST && err != EINTR)
        return osError(path, "cannot create the temporary file " + tmp, err);
    }
  }
  if (fd < 0)
    return ioError(path + ": cannot create a unique temporary file in " + dir);

  auto fail = [&](const std::string &what, int err) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    detail::releaseInFlight(slot);
    return osError(path, what + " (temporary file " + tmp + ")", err);
  };

  if (detail::WriteHook hook = detail::writeHookForTesting())
    hook(tmp.c_str());
  if (dest.exists)
    if (int err = keepOwnerAndMode(fd, dest.status))
      return fail("cannot set the permissions", err);
  if (int err = writeAll(fd, data, size))
    return fail("cannot write", err);
  if (::fsync(fd) != 0)
    return fail("cannot fsync", errno);
  int r = closeRetry(fd);
  fd = -1;
  if (r != 0)
    return fail("cannot close", errno);
  if (::rename(tmp.c_str(), dest.path.c_str()) != 0)
    return fail("cannot rename the temporary file over the target", errno);
  detail::releaseInFlight(slot);

  // Make the rename itself durable.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return osError(path, "cannot open the directory " + dir + " to fsync it",
                   errno);
  if (::fsync(dfd) != 0) {
    int err = errno;
    ::close(dfd);
    return osError(path, "cannot fsync the directory " + dir, err);
  }
  ::close(dfd);
  return Status::ok();
}

} // namespace

Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size) {
  BRAID_RETURN_IF_ERROR(checkPath(path));
  if (size > 0 && !data)
    return invalidArgument(path + ": null data for a non-empty write");
  Destination dest;
  BRAID_RETURN_IF_ERROR(resolve(path, &dest));
  if (dest.kind == Destination::Kind::File)
    return replaceFile(path, dest, data, size);
  return writeStream(path, dest, data, size);
}

Status checkWritable(const std::string &path) {
  BRAID_RETURN_IF_ERROR(checkPath(path));
  Destination dest;
  BRAID_RETURN_IF_ERROR(resolve(path, &dest));
  switch (dest.kind) {
  case Destination::Kind::Descriptor: {
    int flags = ::fcntl(dest.fd, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
      return ioError(path + ": descriptor " + std::to_string(dest.fd) +
                     " is not open for writing");
    return Status::ok();
  }
  case Destination::Kind::Stream:
    if (::access(dest.path.c_str(), W_OK) != 0)
      return osError(path, "cannot write", errno);
    return Status::ok();
  case Destination::Kind::File:
    break;
  }
  std::string dir = directoryOf(dest.path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0)
    return osError(path, "cannot write in the directory " + dir, errno);
  if (!S_ISDIR(st.st_mode))
    return osError(path, "cannot write in " + dir, ENOTDIR);
  // The temporary file is created in the directory and renamed there.
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return osError(path, "cannot create files in the directory " + dir, errno);
  return Status::ok();
}

Status readFile(const std::string &path, std::vector<uint8_t> *out) {
  if (!out)
    return invalidArgument(path + ": the output buffer is null");
  out->clear();
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    if (errno == ENOENT)
      return notFound(path + ": no such file");
    return osError(path, "cannot open for reading", errno);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return osError(path, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return invalidArgument(path + ": is a directory; expected a file");
  }
  try {
    // st_size is a hint only (pipes and /proc report 0): read until EOF.
    size_t capacity = st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
    out->resize(capacity > 0 ? capacity : 65536);
    size_t used = 0;
    for (;;) {
      if (used == out->size()) {
        // One extra byte detects a file that grew; then grow geometrically.
        out->resize(out->size() + (used == capacity ? 1 : out->size()));
      }
      ssize_t n = ::read(fd, out->data() + used, out->size() - used);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        int err = errno;
        ::close(fd);
        out->clear();
        return osError(path, "cannot read", err);
      }
      if (n == 0)
        break;
      used += static_cast<size_t>(n);
    }
    out->resize(used);
  } catch (const std::bad_alloc &) {
    ::close(fd);
    out->clear();
    return ioError(path + ": out of memory reading " +
                   std::to_string(st.st_size) + " bytes");
  } catch (const std::length_error &) {
    ::close(fd);
    out->clear();
    return ioError(path + ": file too large to read into memory");
  }
  ::close(fd);
  return Status::ok();
}

} // namespace braid::runtime::io
