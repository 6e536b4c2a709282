// MLIRGen: maps a checked model to a module holding func @forward in the braid
// dialect, with every op located at its source position.
#ifndef BRAID_FRONTEND_MLIRGEN_H
#define BRAID_FRONTEND_MLIRGEN_H

#include "frontend/Sema.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace braid::frontend {

/// Builds the module of `model`, which checkModel accepted as `checked`.
/// Returns null when the module fails to verify, which would be a bug in the
/// front end (the verifier's diagnostics say where). With `instances` (the
/// DiagnosticEngine's), an op of a block instance is located at the block's
/// line called from its use site (a CallSiteLoc), so a later pass's
/// diagnostic about it names both.
mlir::OwningOpRef<mlir::ModuleOp>
generateModule(mlir::MLIRContext &context, const Model &model,
               const CheckedModel &checked, llvm::StringRef fileName,
               const std::vector<InstanceNote> *instances = nullptr);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_MLIRGEN_H
