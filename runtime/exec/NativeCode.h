// A plan's generated kernels loaded into the process: the image this CPU
// runs (chooseCodeImage) written to a memory file and opened with dlopen,
// and every kernel's function looked up once. No LLVM: the image is an
// ordinary ELF shared object that braidc linked.
//
// Each session loads its own copy and unloads it when it is destroyed:
// loading runs the image's initializers, so it happens only where code is
// allowed to run (SessionOptions::allowNativeCode), never when a plan is
// merely loaded or inspected.
#ifndef BRAID_RUNTIME_EXEC_NATIVECODE_H
#define BRAID_RUNTIME_EXEC_NATIVECODE_H

#include "runtime/kernels/FusedAbi.h"
#include "runtime/plan/CodeSection.h"
#include "runtime/support/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace braid::runtime {

class NativeCode {
public:
  /// Chooses, loads and binds `code`'s image (an error names the image and
  /// what failed: the CPU, the memory file, dlopen, or a missing symbol).
  static Status load(const PlanCode &code, std::unique_ptr<NativeCode> *out);
  ~NativeCode();
  NativeCode(const NativeCode &) = delete;
  NativeCode &operator=(const NativeCode &) = delete;

  /// The ISA of the loaded image.
  const std::string &isa() const { return isa_; }
  /// The functions of Plan.kernels, by kernel index.
  const std::vector<FusedKernelFn> &kernels() const { return kernels_; }

private:
  NativeCode() = default;

  void *handle_ = nullptr;
  int fd_ = -1; // the memory file, open while the library is loaded
  std::string isa_;
  std::vector<FusedKernelFn> kernels_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_EXEC_NATIVECODE_H
