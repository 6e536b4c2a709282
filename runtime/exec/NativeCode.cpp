// Loading generated code: memfd_create, write, dlopen of /proc/self/fd/N.
// A memory file keeps the image off the file system (nothing to clean up,
// nothing another process could swap in between write and dlopen); it is
// closed when the library is unloaded.
#include "runtime/exec/NativeCode.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace braid::runtime {
namespace {

/// Writes all of `bytes` to `fd`.
bool writeAll(int fd, const std::vector<uint8_t> &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string dlMessage() {
  const char *m = dlerror();
  return m ? m : "unknown error";
}

} // namespace

NativeCode::~NativeCode() {
  if (handle_)
    dlclose(handle_);
  if (fd_ >= 0)
    ::close(fd_);
}

Status NativeCode::load(const PlanCode &code,
                        std::unique_ptr<NativeCode> *out) {
  size_t index = 0;
  BRAID_RETURN_IF_ERROR(chooseCodeImage(code, &index));
  const PlanCodeImage &image = code.images[index];
  std::string what = "the plan's " + image.isa + " code image";
  std::unique_ptr<NativeCode> loaded(new NativeCode());
  loaded->isa_ = image.isa;
  std::string name = "braid-code-" + image.isa;
  int fd = memfd_create(name.c_str(), MFD_CLOEXEC);
  if (fd < 0)
    return ioError("cannot create a memory file for " + what + ": " +
                   std::strerror(errno));
  if (!writeAll(fd, image.bytes)) {
    int error = errno;
    ::close(fd);
    return ioError("cannot write " + what +
                   " to a memory file: " + std::strerror(error));
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  // RTLD_LOCAL: the kernels' symbols never resolve another library's
  // references; RTLD_NOW: a missing dependency fails here, not mid-run.
  loaded->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!loaded->handle_) {
    std::string openError = dlMessage();
    ::close(fd);
    return invalidPlan("cannot load " + what + ": " + openError);
  }
  // The descriptor stays open while the library is loaded: glibc's dlopen
  // knows loaded libraries by the name they were opened with, so a later
  // memory file given this descriptor number would otherwise open as this
  // library (another plan's code) instead of its own.
  loaded->fd_ = fd;
  for (const std::string &symbol : code.kernels) {
    dlerror();
    void *address = dlsym(loaded->handle_, symbol.c_str());
    if (!address)
      return invalidPlan(what + " does not define kernel '" + symbol + "' (" +
                         dlMessage() + ")");
    FusedKernelFn fn;
    static_assert(sizeof fn == sizeof address);
    std::memcpy(&fn, &address, sizeof fn);
    loaded->kernels_.push_back(fn);
  }
  *out = std::move(loaded);
  return Status::ok();
}

} // namespace braid::runtime
