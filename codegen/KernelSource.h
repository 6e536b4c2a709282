// The kernel bodies of a module, whatever op holds them: a braid.fused op
// (its region; the `kernel` attribute names the symbol) or a func.func marked
// braid.kernel (its body; the func's name is the symbol).
#ifndef BRAID_CODEGEN_KERNELSOURCE_H
#define BRAID_CODEGEN_KERNELSOURCE_H

#include "mlir/IR/Block.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <string>

namespace braid::codegen {

struct KernelSource {
  std::string symbol;
  /// The body: one block whose arguments are the inputs and whose terminator
  /// (braid.yield or func.return) yields the output.
  mlir::Block *body = nullptr;
  mlir::Location loc;
};

/// Every kernel body of `module`, in op order. Fails (with an error at the
/// op) on a body without exactly one result or with a repeated symbol.
mlir::FailureOr<llvm::SmallVector<KernelSource>>
collectKernels(mlir::ModuleOp module);

} // namespace braid::codegen

#endif // BRAID_CODEGEN_KERNELSOURCE_H
