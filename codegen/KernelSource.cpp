// Finding kernel bodies. braid.fused is matched by name so that this library
// does not depend on the fused op's class, only on its form (one region with
// one block, a `kernel` string attribute, one result).
#include "codegen/KernelSource.h"
#include "codegen/NativeCode.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace braid::codegen {

static constexpr llvm::StringLiteral kFusedOpName = "braid.fused";

FailureOr<SmallVector<KernelSource>> collectKernels(ModuleOp module) {
  SmallVector<KernelSource> kernels;
  llvm::StringSet<> seen;
  bool failed = false;
  auto add = [&](Operation *op, StringRef symbol, Region &region,
                 unsigned results) {
    if (results != 1 || !region.hasOneBlock()) {
      op->emitOpError() << "cannot be compiled to a kernel: expected one "
                           "result and a body of one block, got "
                        << results << " results";
      failed = true;
      return;
    }
    if (!seen.insert(symbol).second) {
      op->emitOpError() << "kernel symbol '" << symbol
                        << "' is used by another kernel of the module";
      failed = true;
      return;
    }
    kernels.push_back({symbol.str(), &region.front(), op->getLoc()});
  };
  module.walk([&](Operation *op) {
    if (auto func = dyn_cast<func::FuncOp>(op)) {
      if (func->hasAttr(kKernelAttr) && !func.isExternal())
        add(op, func.getSymName(), func.getBody(),
            func.getFunctionType().getNumResults());
      return;
    }
    if (op->getName().getStringRef() == kFusedOpName) {
      auto symbol = op->getAttrOfType<StringAttr>("kernel");
      if (!symbol || op->getNumRegions() != 1) {
        op->emitOpError() << "cannot be compiled to a kernel: expected a "
                             "`kernel` string attribute and one region";
        failed = true;
        return;
      }
      add(op, symbol.getValue(), op->getRegion(0), op->getNumResults());
    }
  });
  if (failed)
    return failure();
  return kernels;
}

bool hasKernels(ModuleOp module) {
  bool found = false;
  module.walk([&](Operation *op) {
    if (op->getName().getStringRef() == kFusedOpName ||
        (isa<func::FuncOp>(op) && op->hasAttr(kKernelAttr))) {
      found = true;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

} // namespace braid::codegen
