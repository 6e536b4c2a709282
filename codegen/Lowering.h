// The steps from kernel bodies to an LLVM-dialect module (LowerKernel.cpp,
// LowerToLLVM.cpp) and from that module to machine code (EmitObject.cpp,
// LinkSharedObject.cpp). compileKernels (CompileKernels.cpp) runs them.
#ifndef BRAID_CODEGEN_LOWERING_H
#define BRAID_CODEGEN_LOWERING_H

#include "codegen/KernelSource.h"

#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>
#include <vector>

namespace braid::codegen {

/// The name of the loop function of kernel `symbol`, which its C-ABI entry
/// calls.
std::string loopFunctionName(llvm::StringRef symbol);

/// Builds in `target`, as func/scf/arith/math/memref ops, the loop function
/// of `kernel`: `(memref<N_i x f32>..., memref<M x f32>, index begin, index
/// end)` computing the output elements of work items [begin, end) by
/// evaluating the body one element at a time (FusibleOpInterface). Returns
/// the kernel's number of work items. Fails with an error at the op that has
/// no scalar body or a type the loop cannot index.
mlir::FailureOr<int64_t> buildKernelLoops(mlir::ModuleOp target,
                                          const KernelSource &kernel);

/// Rewrites the math ops into polynomials (so that the loops vectorize) and
/// the module into the LLVM dialect; then adds, for each kernel, its C-ABI
/// entry `void symbol(void *const *buffers, i64 begin, i64 end)`, which
/// loads the `numBuffers` pointers and calls the loop function.
mlir::LogicalResult
lowerToLLVMDialect(mlir::ModuleOp target,
                   llvm::ArrayRef<std::pair<std::string, unsigned>> entries);

/// What EmitObject produces.
enum class OutputKind { Object, Assembly };

/// Translates the LLVM-dialect `module` to LLVM IR, optimizes it at O3 for
/// the CPU `isa` (x86-64-v3 or x86-64-v4) and returns the object file or
/// assembly text.
mlir::FailureOr<std::vector<uint8_t>>
emitMachineCode(mlir::ModuleOp module, llvm::StringRef isa, OutputKind kind);

/// Links the relocatable `object` into an ELF shared object with ld.lld (or
/// `ld`) in a temporary directory. Errors are reported at `loc`.
mlir::FailureOr<std::vector<uint8_t>>
linkSharedObject(const std::vector<uint8_t> &object, mlir::Location loc);

} // namespace braid::codegen

#endif // BRAID_CODEGEN_LOWERING_H
