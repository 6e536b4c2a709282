// LossBatchReduction: how @forward's loss reduces over the batch rows, the
// analysis behind braid-data-parallel's seed and loss combination.
#ifndef BRAID_PASSES_LOSSBATCHREDUCTION_H
#define BRAID_PASSES_LOSSBATCHREDUCTION_H

#include "dialects/braid/IR/BraidOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"

namespace braid {

/// The loss as a function of the batch rows, when it is linear in per-row
/// terms: a sum of terms, each a mean over the rows, a sum over the rows, or
/// independent of the batch, each scaled by values that do not depend on
/// the batch. On R replicas with equal shares of the rows, the loss of the
/// whole batch is then the mean of the replicas' losses when every row term
/// is a mean, and their sum when every term is a sum.
struct LossBatchReduction {
  /// A term of the loss is a mean over the batch rows (a built-in loss,
  /// reduce_mean over the batch axis).
  bool hasMean = false;
  /// A term is a sum over the batch rows (reduce_sum over the batch axis, a
  /// matmul that contracts the rows).
  bool hasSum = false;
  /// A term does not depend on the batch (a weight penalty, a constant).
  bool hasBatchFree = false;
  /// The ops whose results are the sums over the rows that reach the loss,
  /// in program order: scaled by R, each becomes a mean-like term.
  llvm::SmallVector<mlir::Operation *> sumTerms;

  /// Every batch-dependent term is a sum, and no term is batch-free: the
  /// replicas' losses and gradients add up to the whole batch's.
  bool isPureSum() const { return hasSum && !hasMean && !hasBatchFree; }
};

/// Analyses `forward` (at the global batch `batch`, before any split): the
/// batch rows enter through the inputs' braid.batch_dims and are followed
/// through every op to the result `loss`. Fails with an error at the op that
/// makes the loss nonlinear in the rows (a max over them, a product of two
/// reductions over the batch, a square of a batch mean, ...), saying why,
/// with a note at the loss.
mlir::FailureOr<LossBatchReduction>
analyzeLossBatchReduction(mlir::func::FuncOp forward, mlir::Value loss,
                          int64_t batch);

/// How `accumulate = K` (braid.train) combines its micro-batches: true when
/// the loss is a pure sum over the batch rows (the K losses and gradients
/// add up), false when it averages them (every batch term a mean, or no
/// accumulation). Fails with an error at the module when the loss is not
/// linear in the rows, or mixes sums and means, which K micro-batches
/// cannot reproduce. Shared by braid-autodiff (the seed dloss: 1/K for a
/// mean) and braid-optimizer (the reported loss: the K losses' mean or sum).
mlir::FailureOr<bool> accumulationSums(mlir::ModuleOp module);

} // namespace braid

#endif // BRAID_PASSES_LOSSBATCHREDUCTION_H
