// Named pass pipelines of the compiler, shared by braidc and braid-opt.
#ifndef BRAID_PASSES_PIPELINES_H
#define BRAID_PASSES_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace braid {

struct LowerToPlanOptions
    : public mlir::PassPipelineOptions<LowerToPlanOptions> {
  Option<bool> training{*this, "training",
                        llvm::cl::desc("Build @train_step and @eval (the "
                                       "module has braid.train)"),
                        llvm::cl::init(false)};
  Option<bool> predict{*this, "predict",
                       llvm::cl::desc("Build @predict (@forward has outputs)"),
                       llvm::cl::init(true)};
};

/// Lowers a front-end module (func @forward) to what exportPlan reads: with
/// `training`, braid-autodiff, braid-optimizer and braid-outline-eval; with
/// `predict`, braid-outline-predict; then canonicalize and braid-plan-memory
/// on every entry point. `pm` is anchored on builtin.module.
void buildLowerToPlanPipeline(mlir::OpPassManager &pm, bool training,
                              bool predict);

/// The pipeline `module` needs: training when it has braid.train, predict
/// when @forward has outputs.
void buildLowerToPlanPipelineFor(mlir::OpPassManager &pm,
                                 mlir::ModuleOp module);

/// Registers the pipelines by name (braid-lower-to-plan) so that braid-opt
/// and lit tests can run them.
void registerBraidPipelines();

} // namespace braid

#endif // BRAID_PASSES_PIPELINES_H
