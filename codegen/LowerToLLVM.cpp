// The loop functions to the LLVM dialect: math functions as polynomials
// (MLIR's approximations of exp, log, tanh and erf are arithmetic and
// selects, which LLVM's loop vectorizer widens, where a libm call would keep
// the loop scalar), powf expanded into exp and log, then MLIR's conversions of
// scf, func (bare pointers for the static memrefs), memref, arith, math and cf
// into the LLVM dialect. Last, each kernel's C-ABI entry.
#include "codegen/Lowering.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

namespace braid::codegen {

/// Replaces math ops that have no vector instruction by polynomials.
static LogicalResult approximateMath(ModuleOp module) {
  RewritePatternSet patterns(module.getContext());
  math::populateExpansionPatterns(patterns, {"powf"});
  populateMathPolynomialApproximationPatterns(patterns);
  if (failed(applyPatternsGreedily(module, std::move(patterns))))
    return module.emitError("math approximation did not converge");
  return success();
}

/// `void symbol(ptr buffers, i64 begin, i64 end)`: loads the buffers'
/// pointers and calls the loop function.
static void buildEntry(OpBuilder &b, ModuleOp module, StringRef symbol,
                       unsigned numBuffers) {
  MLIRContext *context = module.getContext();
  Location loc = UnknownLoc::get(context);
  auto loops = module.lookupSymbol<LLVM::LLVMFuncOp>(loopFunctionName(symbol));
  // The loop function is inlined into its entry and exported by no one.
  loops.setLinkage(LLVM::Linkage::Internal);
  auto ptr = LLVM::LLVMPointerType::get(context);
  auto i64 = IntegerType::get(context, 64);
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(context),
                                          {ptr, i64, i64});
  b.setInsertionPointToEnd(module.getBody());
  auto entry = LLVM::LLVMFuncOp::create(b, loc, symbol, type);
  Block *block = entry.addEntryBlock(b);
  b.setInsertionPointToStart(block);
  SmallVector<Value> args;
  for (unsigned i = 0; i < numBuffers; ++i) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, block->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  }
  args.push_back(block->getArgument(1));
  args.push_back(block->getArgument(2));
  LLVM::CallOp::create(b, loc, loops, args);
  LLVM::ReturnOp::create(b, loc, ValueRange{});
}

LogicalResult
lowerToLLVMDialect(ModuleOp module,
                   ArrayRef<std::pair<std::string, unsigned>> entries) {
  if (failed(approximateMath(module)))
    return failure();
  PassManager pm(module.getContext());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  ConvertFuncToLLVMPassOptions funcOptions;
  funcOptions.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  if (failed(pm.run(module)))
    return failure();
  OpBuilder b(module.getContext());
  for (const auto &[symbol, numBuffers] : entries)
    buildEntry(b, module, symbol, numBuffers);
  return success();
}

} // namespace braid::codegen
