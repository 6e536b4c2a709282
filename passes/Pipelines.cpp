// The compiler's named pass pipelines.
#include "passes/Pipelines.h"
#include "passes/Passes.h"

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace braid {

void buildLowerToPlanPipeline(mlir::OpPassManager &pm,
                              const LowerToPlanConfig &config) {
  if (config.training) {
    pm.addPass(createAutodiffPass());
    pm.addPass(createOptimizerPass());
    pm.addPass(createOutlineEvalPass());
  }
  if (config.predict)
    pm.addPass(createOutlinePredictPass());
  if (config.predict && config.checkRows)
    pm.addPass(createCheckRowsPass());
  bool parallel = config.replicas != 1;
  if (parallel)
    pm.addPass(createDataParallelPass({config.replicas}));
  // Canonicalization drops what each outlined entry point does not need, and
  // folds and dedupes constants, before the all-reduces are bucketed and
  // memory is planned.
  pm.addPass(mlir::createCanonicalizerPass());
  if (parallel)
    pm.addNestedPass<mlir::func::FuncOp>(
        createBucketAllReducePass({config.bucketBytes}));
  // Fusion sees the final order of the collectives, so that it moves no op
  // across a bucket's start or wait, and memory planning sees the fused ops.
  if (config.fuse)
    pm.addPass(createFusePass());
  if (config.planMemory)
    pm.addNestedPass<mlir::func::FuncOp>(createPlanMemoryPass());
}

void buildLowerToPlanPipelineFor(mlir::OpPassManager &pm, mlir::ModuleOp module,
                                 LowerToPlanConfig config) {
  config.training = static_cast<bool>(module->getAttr(attrs::kTrain));
  config.predict = false;
  if (auto forward = llvm::dyn_cast_or_null<mlir::func::FuncOp>(
          mlir::SymbolTable::lookupSymbolIn(module, "forward")))
    for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
      config.predict |=
          static_cast<bool>(forward.getResultAttr(i, attrs::kOutput));
  buildLowerToPlanPipeline(pm, config);
}

void registerBraidPipelines() {
  mlir::PassPipelineRegistration<LowerToPlanOptions>(
      "braid-lower-to-plan",
      "Lower a model's @forward to planned entry points, ready for export",
      [](mlir::OpPassManager &pm, const LowerToPlanOptions &options) {
        LowerToPlanConfig config;
        config.training = options.training;
        config.predict = options.predict;
        config.replicas = options.replicas;
        config.bucketBytes = options.bucketBytes;
        config.fuse = options.fuse;
        buildLowerToPlanPipeline(pm, config);
      });
}

} // namespace braid
