// An object file to an ELF shared object, by the system's linker in a
// temporary directory (LLVM's lld is not a library Debian ships): ld.lld of
// LLVM 22, else any ld.lld, else binutils' ld.
#include "codegen/Lowering.h"

#include "mlir/IR/Diagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace braid::codegen {

static std::optional<std::string> findLinker() {
  for (StringRef name : {"ld.lld-22", "ld.lld", "ld"}) {
    auto path = llvm::sys::findProgramByName(name, {"/usr/lib/llvm-22/bin"});
    if (!path)
      path = llvm::sys::findProgramByName(name);
    if (path)
      return *path;
  }
  return std::nullopt;
}

namespace {
/// Removes the temporary directory and its files however the link ends.
struct TemporaryDirectory {
  llvm::SmallString<128> path;
  ~TemporaryDirectory() {
    if (!path.empty())
      llvm::sys::fs::remove_directories(path);
  }
};
} // namespace

FailureOr<std::vector<uint8_t>>
linkSharedObject(const std::vector<uint8_t> &object, Location loc) {
  std::optional<std::string> linker = findLinker();
  if (!linker)
    return emitError(loc) << "cannot link the generated kernels: no ld.lld or "
                             "ld on PATH (install lld-22, see "
                             "scripts/install-deps.sh, or compile with "
                             "--no-codegen)";
  TemporaryDirectory dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("braid-kernels", dir.path))
    return emitError(loc) << "cannot create a temporary directory for "
                             "linking the kernels: "
                          << ec.message();
  llvm::SmallString<128> objectPath(dir.path), libraryPath(dir.path),
      logPath(dir.path);
  llvm::sys::path::append(objectPath, "kernels.o");
  llvm::sys::path::append(libraryPath, "kernels.so");
  llvm::sys::path::append(logPath, "link.log");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return emitError(loc)
             << "cannot write " << objectPath << ": " << ec.message();
    os.write(reinterpret_cast<const char *>(object.data()), object.size());
  }
  // No build id and no timestamps: the same kernels give the same bytes, so
  // plans compiled twice hash the same.
  SmallVector<StringRef> args = {*linker,     "-shared",     "--build-id=none",
                                 "-z",        "noexecstack", "-o",
                                 libraryPath, objectPath};
  std::optional<StringRef> redirects[] = {std::nullopt, logPath.str(),
                                          logPath.str()};
  std::string error;
  int status = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, redirects,
                                         0, 0, &error);
  if (status != 0) {
    std::string log;
    if (auto text = llvm::MemoryBuffer::getFile(logPath))
      log = (*text)->getBuffer().str();
    return emitError(loc) << "linking the generated kernels with " << *linker
                          << " failed (status " << status << ")"
                          << (error.empty() ? "" : ": ") << error << "\n"
                          << log;
  }
  auto library = llvm::MemoryBuffer::getFile(libraryPath);
  if (!library)
    return emitError(loc) << "cannot read the linked kernels " << libraryPath
                          << ": " << library.getError().message();
  StringRef bytes = (*library)->getBuffer();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

} // namespace braid::codegen
