// The compiler's named pass pipelines.
#include "passes/Pipelines.h"
#include "passes/Passes.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace braid {

void buildLowerToPlanPipeline(mlir::OpPassManager &pm, bool training,
                              bool predict) {
  if (training) {
    pm.addPass(createAutodiffPass());
    pm.addPass(createOptimizerPass());
    pm.addPass(createOutlineEvalPass());
  }
  if (predict)
    pm.addPass(createOutlinePredictPass());
  // Canonicalization drops what each outlined entry point does not need, and
  // folds and dedupes constants, before memory is planned.
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addNestedPass<mlir::func::FuncOp>(createPlanMemoryPass());
}

void buildLowerToPlanPipelineFor(mlir::OpPassManager &pm,
                                 mlir::ModuleOp module) {
  bool training = static_cast<bool>(module->getAttr(attrs::kTrain));
  bool outputs = false;
  if (auto forward = llvm::dyn_cast_or_null<mlir::func::FuncOp>(
          mlir::SymbolTable::lookupSymbolIn(module, "forward")))
    for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
      outputs |= static_cast<bool>(forward.getResultAttr(i, attrs::kOutput));
  buildLowerToPlanPipeline(pm, training, outputs);
}

void registerBraidPipelines() {
  mlir::PassPipelineRegistration<LowerToPlanOptions>(
      "braid-lower-to-plan",
      "Lower a model's @forward to planned entry points, ready for export",
      [](mlir::OpPassManager &pm, const LowerToPlanOptions &options) {
        buildLowerToPlanPipeline(pm, options.training, options.predict);
      });
}

} // namespace braid
