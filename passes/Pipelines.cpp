// The compiler's named pass pipelines.
#include "passes/Pipelines.h"
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace braid {

void buildLowerToPlanPipeline(mlir::OpPassManager &pm) {
  // Canonicalization drops dead ops and folds (and dedupes) constants before
  // entry points are outlined.
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createOutlinePredictPass());
  pm.addNestedPass<mlir::func::FuncOp>(createPlanMemoryPass());
}

void registerBraidPipelines() {
  mlir::PassPipelineRegistration<>(
      "braid-lower-to-plan",
      "Lower a model's @forward to planned entry points, ready for export",
      buildLowerToPlanPipeline);
}

} // namespace braid
