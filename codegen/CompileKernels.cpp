// compileKernels: the kernel bodies of a module, through one LLVM-dialect
// module holding every kernel, to one shared object per ISA variant.
#include "codegen/KernelSource.h"
#include "codegen/Lowering.h"
#include "codegen/NativeCode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace braid::codegen {

namespace {
/// The kernels of a module lowered to the LLVM dialect.
struct LoweredKernels {
  OwningOpRef<ModuleOp> module;
  std::vector<std::string> symbols;
  std::vector<int64_t> workItems;
};
} // namespace

static FailureOr<LoweredKernels> lowerKernels(ModuleOp source) {
  MLIRContext *context = source.getContext();
  context->loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                       func::FuncDialect, LLVM::LLVMDialect, math::MathDialect,
                       memref::MemRefDialect, scf::SCFDialect,
                       vector::VectorDialect>();
  FailureOr<SmallVector<KernelSource>> kernels = collectKernels(source);
  if (failed(kernels))
    return failure();
  LoweredKernels lowered;
  lowered.module = ModuleOp::create(source.getLoc());
  SmallVector<std::pair<std::string, unsigned>> entries;
  for (const KernelSource &kernel : *kernels) {
    FailureOr<int64_t> workItems = buildKernelLoops(*lowered.module, kernel);
    if (failed(workItems))
      return failure();
    lowered.symbols.push_back(kernel.symbol);
    lowered.workItems.push_back(*workItems);
    entries.push_back({kernel.symbol, kernel.body->getNumArguments() + 1});
  }
  if (failed(lowerToLLVMDialect(*lowered.module, entries)))
    return failure();
  return lowered;
}

FailureOr<NativeCode> compileKernels(ModuleOp module) {
  FailureOr<LoweredKernels> lowered = lowerKernels(module);
  if (failed(lowered))
    return failure();
  NativeCode code;
  code.symbols = lowered->symbols;
  code.workItems = lowered->workItems;
  if (code.symbols.empty())
    return code;
  for (StringRef isa : {kIsaV3, kIsaV4}) {
    FailureOr<std::vector<uint8_t>> object =
        emitMachineCode(*lowered->module, isa, OutputKind::Object);
    if (failed(object))
      return failure();
    FailureOr<std::vector<uint8_t>> library =
        linkSharedObject(*object, module.getLoc());
    if (failed(library))
      return failure();
    code.images.push_back({isa.str(), std::move(*library)});
  }
  return code;
}

FailureOr<std::string> compileKernelsToAssembly(ModuleOp module,
                                                StringRef isa) {
  FailureOr<LoweredKernels> lowered = lowerKernels(module);
  if (failed(lowered))
    return failure();
  FailureOr<std::vector<uint8_t>> text =
      emitMachineCode(*lowered->module, isa, OutputKind::Assembly);
  if (failed(text))
    return failure();
  return std::string(text->begin(), text->end());
}

} // namespace braid::codegen
