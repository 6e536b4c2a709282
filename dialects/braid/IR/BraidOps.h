// The braid dialect's ops, attributes, interfaces and the names of its
// interface attributes.
#ifndef BRAID_DIALECTS_BRAID_IR_BRAIDOPS_H
#define BRAID_DIALECTS_BRAID_IR_BRAIDOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/braid/IR/BraidAttrs.h"
#include "dialects/braid/IR/BraidDialect.h"
#include "dialects/braid/IR/PlanStep.h"
#include "shape/ShapeRules.h"

/// The VJP interface (BraidInterfaces.td) that differentiable ops implement.
#include "dialects/braid/IR/BraidInterfaces.h.inc"
/// The builtin interface (BraidBuiltinInterfaces.td) through which an op is a
/// function of the model language.
#include "dialects/braid/IR/BraidBuiltinInterfaces.h.inc"

/// The fusion interface (BraidFusionInterfaces.td): the elementwise ops a
/// generated kernel computes one element at a time.
#include "dialects/braid/IR/BraidFusionInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/braid/IR/BraidOps.h.inc"

namespace braid {

/// Names of the attributes that carry a model's interface (see the dialect's
/// description). Later passes find inputs, parameters and the loss by them.
namespace attrs {
inline constexpr llvm::StringLiteral kModel = "braid.model";
inline constexpr llvm::StringLiteral kBatch = "braid.batch";
/// Set by braid-data-parallel: how many replicas train together. braid.batch
/// stays the global batch; each replica's tensors have braid.batch / replicas
/// rows.
inline constexpr llvm::StringLiteral kReplicas = "braid.replicas";
inline constexpr llvm::StringLiteral kTrain = "braid.train";
/// On the module of a plan for a range of batch sizes (braidc --batch
/// LO..HI): the batches predict is compiled for, ascending, the last being
/// braid.batch; each smaller b has its entry point "predict@b".
inline constexpr llvm::StringLiteral kPredictBatches = "braid.predict_batches";
inline constexpr llvm::StringLiteral kInput = "braid.input";
/// On an input argument of @forward: the dimensions that index the batch
/// rows (the ones its declared type writes `B`), as a DenseI64ArrayAttr.
/// braid-data-parallel splits exactly these.
inline constexpr llvm::StringLiteral kBatchDims = "braid.batch_dims";
inline constexpr llvm::StringLiteral kParam = "braid.param";
inline constexpr llvm::StringLiteral kInit = "braid.init";
inline constexpr llvm::StringLiteral kOutput = "braid.output";
inline constexpr llvm::StringLiteral kLoss = "braid.loss";
/// Set by braid-autodiff on @train_step's results: the name of the parameter
/// whose gradient the result is.
inline constexpr llvm::StringLiteral kGrad = "braid.grad";
/// An optimizer state argument of @train_step (braid-optimizer), by name.
inline constexpr llvm::StringLiteral kState = "braid.state";
/// Set by the lowering passes: the name of a func that becomes an entry point
/// of the plan, its arena size, and each arena value's byte offset.
inline constexpr llvm::StringLiteral kEntryPoint = "braid.entry_point";
inline constexpr llvm::StringLiteral kArenaBytes = "braid.arena_bytes";
inline constexpr llvm::StringLiteral kOffset = "braid.offset";
/// A unit attribute on a func.func whose body is a kernel body for code
/// generation (codegen/NativeCode.h): tensor arguments, fusible ops, one
/// result. Tests and hand-written kernels use it.
inline constexpr llvm::StringLiteral kKernel = "braid.kernel";
} // namespace attrs

/// Checks a train block's schedule dictionary (braid.train's `schedule`,
/// braid.lr_schedule's): `kind` and exactly its arguments, in range.
mlir::LogicalResult
verifySchedule(llvm::function_ref<mlir::InFlightDiagnostic()> emitError,
               mlir::Attribute value);

} // namespace braid

#endif // BRAID_DIALECTS_BRAID_IR_BRAIDOPS_H
