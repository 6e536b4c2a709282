// Code generation for fused kernels: every kernel body of a module (a
// braid.fused op's region, or a func.func marked braid.kernel) becomes one
// C-ABI function
//
//   extern "C" void SYMBOL(void *const *buffers, int64_t begin, int64_t end);
//
// compiled ahead of time for each ISA variant into an ELF shared object that
// the plan carries (docs/plan-format.md). `buffers` holds the kernel's inputs
// in order, then its one output, each a dense row-major f32 tensor; a call
// writes exactly the output elements of work items [begin, end), so calls on
// disjoint ranges may run concurrently. The compiler links this library; the
// runtime links none of it.
#ifndef BRAID_CODEGEN_NATIVECODE_H
#define BRAID_CODEGEN_NATIVECODE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>
#include <vector>

namespace braid::codegen {

/// The attribute that marks a func.func as a kernel body (tests, and kernels
/// written by hand): its arguments are the inputs, its one result the output.
/// (The braid dialect verifies it: attrs::kKernel.)
inline constexpr llvm::StringLiteral kKernelAttr = "braid.kernel";

/// The ISA variants every kernel is compiled for, as LLVM names the CPUs;
/// the plan's CodeObject.isa carries the same names.
inline constexpr llvm::StringLiteral kIsaV3 = "x86-64-v3";
inline constexpr llvm::StringLiteral kIsaV4 = "x86-64-v4";

/// One shared object: the code of every kernel for one ISA variant.
struct Image {
  std::string isa;
  std::vector<uint8_t> bytes;
};

struct NativeCode {
  /// The kernels' symbols, in module order (a fused step's kernel_index).
  std::vector<std::string> symbols;
  /// Per symbol: how many work items its [begin, end) ranges cover (the
  /// step's work_items).
  std::vector<int64_t> workItems;
  /// One image per ISA variant (x86-64-v3, then x86-64-v4).
  std::vector<Image> images;

  /// The index of `symbol` in `symbols`, or -1.
  int64_t indexOf(llvm::StringRef symbol) const {
    for (size_t i = 0; i < symbols.size(); ++i)
      if (symbols[i] == symbol)
        return static_cast<int64_t>(i);
    return -1;
  }
};

/// Compiles every kernel body of `module` (braid.fused ops and braid.kernel
/// funcs) for both ISA variants. Fails with an error at the offending op on a
/// body it cannot compile (an op that is not fusible, a dynamic or non-f32
/// type) or when the linker is missing. The module is not changed.
mlir::FailureOr<NativeCode> compileKernels(mlir::ModuleOp module);

/// The assembly of the kernels of `module` for one ISA variant (tests check
/// that the loops are vectorized for it).
mlir::FailureOr<std::string> compileKernelsToAssembly(mlir::ModuleOp module,
                                                      llvm::StringRef isa);

/// Whether `module` has a kernel body for compileKernels.
bool hasKernels(mlir::ModuleOp module);

} // namespace braid::codegen

#endif // BRAID_CODEGEN_NATIVECODE_H
