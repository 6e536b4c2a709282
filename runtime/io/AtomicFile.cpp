// AtomicFile: whole-file reads and temp-file + fsync + rename writes (POSIX).
#include "runtime/io/AtomicFile.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
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

// A name no other writer (thread or process) picks: pid, a process-wide
// counter and clock bits; O_EXCL catches the rest. The target's name is
// shortened so the temporary name stays within NAME_MAX.
std::string temporaryName(const std::string &dir, const std::string &base) {
  static std::atomic<uint64_t> counter{0};
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  char suffix[96];
  std::snprintf(suffix, sizeof suffix, ".tmp.%d.%llu.%08lx",
                static_cast<int>(::getpid()),
                static_cast<unsigned long long>(counter.fetch_add(1)),
                static_cast<unsigned long>(ts.tv_nsec));
  return dir + "/." + base.substr(0, 160) + suffix;
}

} // namespace

Status writeFileAtomically(const std::string &path, const void *data,
                           size_t size) {
  if (path.empty())
    return invalidArgument("cannot write a file with an empty path");
  if (path.back() == '/')
    return invalidArgument(path + ": expected a file path, not a directory");
  if (size > 0 && !data)
    return invalidArgument(path + ": null data for a non-empty write");

  std::string dir, base;
  try {
    size_t slash = path.find_last_of('/');
    dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (dir.empty())
      dir = "/";
    base = slash == std::string::npos ? path : path.substr(slash + 1);
  } catch (const std::bad_alloc &) {
    return ioError(path + ": out of memory");
  }

  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    tmp = temporaryName(dir, base);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST && errno != EINTR)
      return osError(path, "cannot create the temporary file " + tmp, errno);
  }
  if (fd < 0)
    return ioError(path + ": cannot create a unique temporary file in " + dir);

  auto fail = [&](const std::string &what, int err) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    return osError(path, what + " (temporary file " + tmp + ")", err);
  };

  const uint8_t *p = static_cast<const uint8_t *>(data);
  size_t left = size;
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return fail("cannot write", errno);
    }
    if (n == 0)
      return fail("cannot write", EIO);
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0)
    return fail("cannot fsync", errno);
  int r = closeRetry(fd);
  fd = -1;
  if (r != 0)
    return fail("cannot close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return fail("cannot rename the temporary file over the target", errno);

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
