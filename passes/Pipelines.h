// Named pass pipelines of the compiler, shared by braidc and braid-opt.
#ifndef BRAID_PASSES_PIPELINES_H
#define BRAID_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace braid {

/// Lowers a front-end module (func @forward) to what exportPlan reads:
/// canonicalize, braid-outline-predict, then braid-plan-memory on every entry
/// point. `pm` is anchored on builtin.module.
void buildLowerToPlanPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines by name (braid-lower-to-plan) so that braid-opt
/// and lit tests can run them.
void registerBraidPipelines();

} // namespace braid

#endif // BRAID_PASSES_PIPELINES_H
