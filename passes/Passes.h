// The braid compiler's passes (declared in Passes.td) and their registration.
#ifndef BRAID_PASSES_PASSES_H
#define BRAID_PASSES_PASSES_H

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>

namespace braid {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

/// Registers every braid pass with MLIR's pass registry, so that braid-opt
/// and --pass-pipeline strings can name them (braid-outline-predict, ...).
#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace braid

#endif // BRAID_PASSES_PASSES_H
