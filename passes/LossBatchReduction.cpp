// LossBatchReduction: one pass over @forward in program order that gives
// every value a fact about the batch rows (independent of them, per-row along
// one dimension, linear in reductions over them, or neither), then reads the
// loss's fact.
#include "passes/LossBatchReduction.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cstring>
#include <string>

using namespace mlir;

namespace braid {
namespace {

/// What a value is as a function of the batch rows.
struct Fact {
  enum Kind : uint8_t {
    /// Depends on no batch row: parameters, constants, non-batch inputs.
    Free,
    /// Dimension `dim` indexes the rows, and slice i depends on row i only.
    Rows,
    /// A linear combination of reductions over the rows (`mean`, `sum`) and
    /// of batch-free values (`free`), with batch-free coefficients.
    Linear,
    /// Neither: `culprit` made it so, for the reason `why`.
    Broken,
  };
  Kind kind = Free;
  int64_t dim = 0;
  bool mean = false, sum = false, free = false;
  Operation *culprit = nullptr;
  std::string why;

  static Fact rows(int64_t dim) {
    Fact f;
    f.kind = Rows;
    f.dim = dim;
    return f;
  }
  static Fact linear(bool mean, bool sum, bool free) {
    Fact f;
    f.kind = Linear;
    f.mean = mean;
    f.sum = sum;
    f.free = free;
    return f;
  }
  static Fact broken(Operation *op, std::string why) {
    Fact f;
    f.kind = Broken;
    f.culprit = op;
    f.why = std::move(why);
    return f;
  }
};

/// True for a braid.constant whose every element is zero: `0 - loss` (the
/// front end's negation) adds no batch-free term.
static bool isZeroConstant(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant)
    return false;
  auto dense = llvm::dyn_cast<DenseElementsAttr>(constant.getValue());
  return dense && dense.isSplat() && dense.getElementType().isF32() &&
         dense.getSplatValue<APFloat>().isZero();
}

static int64_t rankOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getRank();
}

class Analysis {
public:
  explicit Analysis(int64_t batch) : batch_(batch) {}

  void seed(Value value, Fact fact) { facts_[value] = std::move(fact); }
  const Fact &fact(Value value) const {
    auto it = facts_.find(value);
    return it == facts_.end() ? free_ : it->second;
  }
  const llvm::DenseSet<Operation *> &sumSources() const { return sumSources_; }

  /// Gives `op`'s results their facts from its operands'.
  void visit(Operation &op) {
    // A broken operand breaks the result: the first culprit is the one to
    // name.
    for (Value operand : op.getOperands())
      if (fact(operand).kind == Fact::Broken) {
        Fact broken = fact(operand); // a copy: facts_ may grow below
        for (Value result : op.getResults())
          facts_[result] = broken;
        return;
      }
    if (llvm::all_of(op.getOperands(),
                     [&](Value v) { return fact(v).kind == Fact::Free; }) &&
        !llvm::isa<BroadcastToOp>(op))
      return; // Free, the default.
    Fact result = transfer(op);
    for (Value r : op.getResults())
      facts_[r] = result;
  }

private:
  Fact transfer(Operation &op) {
    return llvm::TypeSwitch<Operation *, Fact>(&op)
        .Case<ReluOp, SigmoidOp, TanhOp, GeluOp, GeluTanhOp, ExpOp, LogOp,
              SqrtOp, RsqrtOp, AbsOp, PowOp>(
            [&](Operation *o) { return unary(o); })
        .Case<MaximumOp, MinimumOp>([&](Operation *o) { return select(o); })
        .Case<EmbeddingOp>([&](EmbeddingOp o) { return embedding(o); })
        .Case<LayerNormOp>([&](LayerNormOp o) { return layerNorm(o); })
        .Case<StopGradientOp>(
            [&](StopGradientOp o) { return fact(o.getOperand()); })
        .Case<AddOp, SubOp, MulOp, DivOp>(
            [&](Operation *o) { return binary(o); })
        .Case<MatmulOp>([&](MatmulOp o) { return matmul(o); })
        .Case<EqualOp, NotEqualOp, LessOp, LessEqualOp, GreaterOp,
              GreaterEqualOp, WhereOp>([&](Operation *o) { return select(o); })
        .Case<CastOp>([&](CastOp o) { return unary(o); })
        .Case<DropoutOp>([&](DropoutOp o) { return dropout(o); })
        .Case<SliceOp>([&](SliceOp o) { return slice(o); })
        .Case<ConcatOp>([&](ConcatOp o) { return concat(o); })
        .Case<ReduceSumOp>([&](ReduceSumOp o) {
          return reduce(o, o.getInput(), o.getAxes(), /*isSum=*/true);
        })
        .Case<ReduceMeanOp>([&](ReduceMeanOp o) {
          return reduce(o, o.getInput(), o.getAxes(), /*isSum=*/false);
        })
        .Case<ReduceMaxOp>([&](ReduceMaxOp o) { return reduceMax(o); })
        .Case<SparseSoftmaxCrossEntropyOp>([&](SparseSoftmaxCrossEntropyOp o) {
          return meanLoss(o, o.getLogits(), o.getLabels());
        })
        .Case<MeanSquaredErrorOp>([&](MeanSquaredErrorOp o) {
          return meanLoss(o, o.getPrediction(), o.getTarget());
        })
        .Case<SoftmaxOp>([&](SoftmaxOp o) {
          return softmax(o, o.getInput(), o.getAxisAttr().getInt(),
                         o.getCausal());
        })
        .Case<LogSoftmaxOp>([&](LogSoftmaxOp o) {
          return softmax(o, o.getInput(), o.getAxisAttr().getInt());
        })
        .Case<ReshapeOp>([&](ReshapeOp o) { return reshape(o); })
        .Case<TransposeOp>([&](TransposeOp o) { return transpose(o); })
        .Case<BroadcastToOp>([&](BroadcastToOp o) { return broadcastTo(o); })
        .Case<FlattenOp>([&](FlattenOp o) { return flatten(o); })
        .Case<Conv2DOp, MaxPool2DOp, AvgPool2DOp>(
            [&](Operation *o) { return perImage(o); })
        .Default([&](Operation *o) {
          return Fact::broken(o, "it is not known to keep the batch rows "
                                 "apart");
        });
  }

  Fact unary(Operation *op) {
    const Fact &in = fact(op->getOperand(0));
    if (in.kind == Fact::Rows)
      return in;
    return Fact::broken(op, "it applies a nonlinear function to a reduction "
                            "over the batch rows");
  }

  Fact binary(Operation *op) {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    const Fact &a = fact(lhs), &b = fact(rhs);
    bool additive = llvm::isa<AddOp, SubOp>(op);
    if (a.kind == Fact::Linear || b.kind == Fact::Linear) {
      if (a.kind == Fact::Rows || b.kind == Fact::Rows)
        return Fact::broken(op, "it combines a reduction over the batch rows "
                                "with the rows themselves");
      if (a.kind == Fact::Linear && b.kind == Fact::Linear) {
        if (additive)
          return Fact::linear(a.mean || b.mean, a.sum || b.sum,
                              a.free || b.free);
        return Fact::broken(op, llvm::isa<MulOp>(op)
                                    ? "it multiplies two reductions over the "
                                      "batch rows"
                                    : "it divides a reduction over the batch "
                                      "rows by another");
      }
      const Fact &l = a.kind == Fact::Linear ? a : b;
      Value other = a.kind == Fact::Linear ? rhs : lhs;
      if (additive)
        return Fact::linear(l.mean, l.sum, l.free || !isZeroConstant(other));
      if (llvm::isa<DivOp>(op) && b.kind == Fact::Linear)
        return Fact::broken(op, "it divides by a reduction over the batch "
                                "rows");
      return l; // scaled by a batch-free value
    }
    return rowsElementwise(op);
  }

  /// An elementwise op with broadcasting over per-row and batch-free
  /// operands: their row dimensions must align in the result, and a
  /// batch-free operand must not stretch along them.
  Fact rowsElementwise(Operation *op) {
    int64_t rank = rankOf(op->getResult(0));
    std::optional<int64_t> dim;
    for (Value v : op->getOperands()) {
      const Fact &f = fact(v);
      if (f.kind != Fact::Rows)
        continue;
      int64_t at = f.dim + rank - rankOf(v);
      if (dim && *dim != at)
        return Fact::broken(op, "it combines rows of one operand with "
                                "another dimension of the other");
      dim = at;
    }
    for (Value v : op->getOperands()) {
      if (fact(v).kind != Fact::Free)
        continue;
      auto type = llvm::cast<RankedTensorType>(v.getType());
      int64_t at = *dim - (rank - type.getRank());
      if (at >= 0 && type.getDimSize(at) != 1)
        return Fact::broken(op, "it combines the batch rows with a tensor "
                                "whose dimension " +
                                    std::to_string(at) +
                                    " has the batch's size but is not "
                                    "declared with B");
    }
    return Fact::rows(*dim);
  }

  /// The comparisons and where: elementwise, and not linear in a reduction.
  Fact select(Operation *op) {
    for (Value v : op->getOperands())
      if (fact(v).kind == Fact::Linear)
        return Fact::broken(op, "it compares or selects by a reduction over "
                                "the batch rows");
    return rowsElementwise(op);
  }

  /// Dropout keys its mask by the leading dimension, which must be the rows
  /// for the replicas to draw one process's masks.
  Fact dropout(DropoutOp op) {
    const Fact &in = fact(op.getInput());
    if (in.kind == Fact::Rows && in.dim != 0)
      return Fact::broken(op, "its leading dimension, by which it draws its "
                              "mask, is not the batch rows");
    return unary(op);
  }

  /// The rows of a batch-free table gathered by ids: the ids' dimensions
  /// lead the result's, so the ids' rows are the result's.
  Fact embedding(EmbeddingOp op) {
    const Fact &ids = fact(op.getIds());
    if (fact(op.getTable()).kind == Fact::Free && ids.kind == Fact::Rows)
      return ids;
    return Fact::broken(op, "its table depends on the batch, or its ids are "
                            "not split by the batch rows");
  }

  /// Each row of the last axis is normalized on its own, with batch-free
  /// gain and bias.
  Fact layerNorm(LayerNormOp op) {
    const Fact &in = fact(op.getX());
    bool restFree = fact(op.getGain()).kind == Fact::Free &&
                    fact(op.getBias()).kind == Fact::Free;
    if (in.kind == Fact::Rows && in.dim != rankOf(op.getX()) - 1 && restFree)
      return in;
    return Fact::broken(op, in.kind == Fact::Rows && restFree
                                ? "it normalizes over the batch rows"
                                : "it normalizes a reduction over the batch "
                                  "rows, or its gain or bias depends on the "
                                  "batch");
  }

  Fact slice(SliceOp op) {
    const Fact &in = fact(op.getInput());
    int64_t axis = nonNegativeAxis(op.getAxis(), rankOf(op.getInput()));
    if (in.kind == Fact::Rows && in.dim == axis)
      return Fact::broken(op, "it slices the batch rows");
    return in;
  }

  Fact concat(ConcatOp op) {
    int64_t axis = nonNegativeAxis(op.getAxis(), rankOf(op.getResult()));
    std::optional<int64_t> dim;
    for (Value v : op.getInputs()) {
      const Fact &f = fact(v);
      if (f.kind == Fact::Linear)
        return Fact::broken(op, "it joins a reduction over the batch rows "
                                "to other values");
      if (f.kind != Fact::Rows)
        continue;
      if ((dim && *dim != f.dim) || f.dim == axis)
        return Fact::broken(op, "it joins tensors along their batch rows, or "
                                "rows of one with another dimension of "
                                "another");
      dim = f.dim;
    }
    return Fact::rows(*dim);
  }

  Fact matmul(MatmulOp op) {
    Value lhs = op.getLhs(), rhs = op.getRhs();
    const Fact &a = fact(lhs), &b = fact(rhs);
    int64_t rankA = rankOf(lhs), rankB = rankOf(rhs),
            rank = rankOf(op.getResult());
    // Each operand's rows (M of the lhs, N of the rhs) and contracted
    // dimension, counted from the front.
    int64_t lhsRows = rankA - (op.getTransposeLhs() ? 1 : 2);
    int64_t lhsInner = rankA - (op.getTransposeLhs() ? 2 : 1);
    int64_t rhsCols = rankB - (op.getTransposeRhs() ? 2 : 1);
    int64_t rhsInner = rankB - (op.getTransposeRhs() ? 1 : 2);
    if (a.kind == Fact::Rows && b.kind == Fact::Free && a.dim == lhsRows)
      return Fact::rows(rank - 2);
    if (a.kind == Fact::Free && b.kind == Fact::Rows && b.dim == rhsCols)
      return Fact::rows(rank - 1);
    if (a.kind == Fact::Rows && b.kind == Fact::Rows && a.dim == lhsInner &&
        b.dim == rhsInner && rank == 2) {
      sumSources_.insert(op);
      return Fact::linear(false, true, false);
    }
    // Rows along a batch dimension: each batch's product is per-row when the
    // other operand is per-row along the same batch dimension, or batch-free
    // without stretching along it (as binary's operands).
    auto batchDim = [&](const Fact &f, int64_t operandRank) -> int64_t {
      return f.kind == Fact::Rows && f.dim < operandRank - 2
                 ? f.dim + rank - operandRank
                 : -1;
    };
    int64_t atA = batchDim(a, rankA), atB = batchDim(b, rankB);
    if (atA >= 0 || atB >= 0) {
      int64_t at = atA >= 0 ? atA : atB;
      auto fits = [&](const Fact &f, int64_t atF, Value v, int64_t r) {
        if (f.kind == Fact::Rows)
          return atF == at;
        if (f.kind != Fact::Free)
          return false;
        int64_t own = at - (rank - r);
        return own < 0 ||
               llvm::cast<RankedTensorType>(v.getType()).getDimSize(own) == 1;
      };
      if (fits(a, atA, lhs, rankA) && fits(b, atB, rhs, rankB))
        return Fact::rows(at);
    }
    if ((a.kind == Fact::Linear && b.kind == Fact::Free) ||
        (a.kind == Fact::Free && b.kind == Fact::Linear))
      return a.kind == Fact::Linear ? a : b;
    if (a.kind == Fact::Linear || b.kind == Fact::Linear)
      return Fact::broken(op, "it multiplies a reduction over the batch rows "
                              "by a value that depends on the batch");
    return Fact::broken(op, "its product mixes the batch rows with another "
                            "dimension");
  }

  Fact reduce(Operation *op, Value input, ArrayRef<int64_t> axes, bool isSum) {
    const Fact &in = fact(input);
    if (in.kind != Fact::Rows)
      return in; // a sum or mean of a linear value is linear
    SmallVector<int64_t> normal = nonNegativeAxes(axes, rankOf(input));
    if (llvm::is_contained(normal, in.dim)) {
      if (isSum)
        sumSources_.insert(op);
      return Fact::linear(!isSum, isSum, false);
    }
    int64_t below =
        llvm::count_if(normal, [&](int64_t a) { return a < in.dim; });
    return Fact::rows(in.dim - below);
  }

  /// A maximum over other axes keeps the rows apart; one over the rows is
  /// no sum of them.
  Fact reduceMax(ReduceMaxOp op) {
    const Fact &in = fact(op.getInput());
    if (in.kind == Fact::Rows) {
      SmallVector<int64_t> normal =
          nonNegativeAxes(op.getAxes(), rankOf(op.getInput()));
      if (!llvm::is_contained(normal, in.dim))
        return Fact::rows(in.dim - llvm::count_if(normal, [&](int64_t a) {
                            return a < in.dim;
                          }));
      return Fact::broken(op, "it takes a maximum over the batch rows");
    }
    return Fact::broken(op, "it takes a maximum of a reduction over the batch "
                            "rows");
  }

  Fact meanLoss(Operation *op, Value a, Value b) {
    const Fact &fa = fact(a), &fb = fact(b);
    bool rowsOrFree = (fa.kind == Fact::Rows || fa.kind == Fact::Free) &&
                      (fb.kind == Fact::Rows || fb.kind == Fact::Free);
    bool sameDim =
        fa.kind != Fact::Rows || fb.kind != Fact::Rows || fa.dim == fb.dim;
    int64_t dim = fa.kind == Fact::Rows ? fa.dim : fb.dim;
    bool leading = dim == 0 || !llvm::isa<SparseSoftmaxCrossEntropyOp>(op);
    if (rowsOrFree && sameDim && leading)
      return Fact::linear(true, false, false);
    return Fact::broken(op, "its operands are not per-row values of the "
                            "batch, along the same dimension");
  }

  /// A causal softmax masks by the positions of its last two dimensions,
  /// which must not be the rows: a replica's local row index is not the
  /// global one.
  Fact softmax(Operation *op, Value input, int64_t axis, bool causal = false) {
    const Fact &in = fact(input);
    if (in.kind == Fact::Rows && causal && in.dim >= rankOf(input) - 2)
      return Fact::broken(op, "its causal mask runs over the batch rows");
    if (in.kind == Fact::Rows && nonNegativeAxis(axis, rankOf(input)) != in.dim)
      return in;
    return Fact::broken(op, in.kind == Fact::Rows
                                ? "it normalizes over the batch rows"
                                : "it applies a nonlinear function to a "
                                  "reduction over the batch rows");
  }

  Fact reshape(ReshapeOp op) {
    const Fact &in = fact(op.getInput());
    if (in.kind == Fact::Linear)
      return in;
    ArrayRef<int64_t> shape = op.getShape();
    if (in.dim == 0 && !shape.empty() && shape[0] == batch_)
      return Fact::rows(0);
    return Fact::broken(op, "it moves the batch rows out of the leading "
                            "dimension");
  }

  Fact transpose(TransposeOp op) {
    const Fact &in = fact(op.getInput());
    if (in.kind == Fact::Linear)
      return in;
    ArrayRef<int64_t> perm = op.getPerm();
    return Fact::rows(llvm::find(perm, in.dim) - perm.begin());
  }

  Fact broadcastTo(BroadcastToOp op) {
    const Fact &in = fact(op.getInput());
    ArrayRef<int64_t> shape = op.getShape();
    int64_t offset = static_cast<int64_t>(shape.size()) - rankOf(op.getInput());
    if (in.kind == Fact::Rows)
      return Fact::rows(in.dim + offset);
    if (in.kind == Fact::Linear)
      return in;
    // A batch-free value stretched to a new leading dimension of the batch's
    // size: identical rows, split like the others (braid-data-parallel).
    bool stretched =
        !shape.empty() && shape[0] == batch_ &&
        (offset > 0 ||
         llvm::cast<RankedTensorType>(op.getInput().getType()).getDimSize(0) !=
             batch_);
    return stretched ? Fact::rows(0) : Fact();
  }

  Fact flatten(FlattenOp op) {
    const Fact &in = fact(op.getInput());
    if (in.kind == Fact::Linear || (in.kind == Fact::Rows && in.dim == 0))
      return in;
    return Fact::broken(op, "it folds the batch rows into another dimension");
  }

  /// conv2d and the pools: the image (operand 0) per-row along N, the
  /// filter and bias batch-free.
  Fact perImage(Operation *op) {
    const Fact &in = fact(op->getOperand(0));
    bool restFree = llvm::all_of(op->getOperands().drop_front(), [&](Value v) {
      return fact(v).kind == Fact::Free;
    });
    if (in.kind == Fact::Rows && in.dim == 0 && restFree)
      return in;
    if (in.kind == Fact::Rows && in.dim >= 2)
      return Fact::broken(op, llvm::isa<MaxPool2DOp>(op)
                                  ? "it takes a maximum over the batch rows"
                                  : "its windows run over the batch rows");
    return Fact::broken(op, "its images are not the batch rows, or its "
                            "filter depends on the batch");
  }

  int64_t batch_;
  llvm::DenseMap<Value, Fact> facts_;
  llvm::DenseSet<Operation *> sumSources_;
  Fact free_;
};

} // namespace

FailureOr<LossBatchReduction>
analyzeLossBatchReduction(func::FuncOp forward, Value loss, int64_t batch) {
  Block &body = forward.getBody().front();
  Analysis analysis(batch);
  for (BlockArgument arg : body.getArguments())
    if (auto dims = forward.getArgAttrOfType<DenseI64ArrayAttr>(
            arg.getArgNumber(), attrs::kBatchDims);
        dims && dims.size() == 1)
      analysis.seed(arg, Fact::rows(dims[0]));
  for (Operation &op : body.without_terminator())
    analysis.visit(op);

  const Fact &result = analysis.fact(loss);
  LossBatchReduction out;
  switch (result.kind) {
  case Fact::Free:
    out.hasBatchFree = true;
    return out;
  case Fact::Linear:
    break;
  case Fact::Rows:
  case Fact::Broken: {
    Operation *culprit = result.culprit ? result.culprit : loss.getDefiningOp();
    InFlightDiagnostic diag =
        culprit ? culprit->emitOpError() : forward.emitError();
    diag << "cannot be split over replicas: "
         << (result.why.empty() ? "it keeps the batch rows" : result.why)
         << ", so the loss is not linear in the batch rows; split over "
            "replicas, a loss must be a sum of means and sums over the batch "
            "rows, each scaled by values that do not depend on the batch";
    diag.attachNote(loss.getLoc()) << "the loss is computed here";
    return failure();
  }
  }
  out.hasMean = result.mean;
  out.hasSum = result.sum;
  out.hasBatchFree = result.free;

  // The sums over the rows that the loss reads: its backward slice, walked
  // once.
  if (out.hasSum) {
    llvm::DenseSet<Operation *> slice;
    SmallVector<Operation *> work;
    if (Operation *def = loss.getDefiningOp())
      work.push_back(def);
    while (!work.empty()) {
      Operation *op = work.pop_back_val();
      if (!slice.insert(op).second)
        continue;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          work.push_back(def);
    }
    for (Operation &op : body.without_terminator())
      if (analysis.sumSources().contains(&op) && slice.contains(&op))
        out.sumTerms.push_back(&op);
  }
  return out;
}

FailureOr<bool> accumulationSums(ModuleOp module) {
  auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain);
  auto k = train ? train.getAs<IntegerAttr>("accumulate") : IntegerAttr();
  if (!k || k.getInt() <= 1)
    return false;
  auto forward = llvm::dyn_cast_or_null<func::FuncOp>(
      SymbolTable::lookupSymbolIn(module, "forward"));
  auto batch = module->getAttrOfType<IntegerAttr>(attrs::kBatch);
  auto loss = train.getAs<StringAttr>("loss");
  if (!forward || !batch || !loss || !forward.getBody().hasOneBlock())
    return false;
  Value value;
  Operation *ret = forward.getBody().front().getTerminator();
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (forward.getResultAttr(i, attrs::kLoss) == loss)
      value = ret->getOperand(i);
  if (!value)
    return false;
  // @forward's rows: the replica's share once braid-data-parallel split it.
  int64_t rows = batch.getInt();
  if (auto replicas = module->getAttrOfType<IntegerAttr>(attrs::kReplicas))
    if (replicas.getInt() > 1)
      rows /= replicas.getInt();
  // The analysis speaks of replicas; its reason is kept for this message.
  std::string why;
  FailureOr<LossBatchReduction> reduction;
  {
    ScopedDiagnosticHandler capture(module.getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error && why.empty())
        why = d.str();
      return success();
    });
    reduction = analyzeLossBatchReduction(forward, value, rows);
  }
  StringRef reason(why);
  size_t marker = reason.find("cannot be split over replicas: ");
  if (marker != StringRef::npos)
    reason =
        reason.drop_front(marker + strlen("cannot be split over replicas: "));
  if (failed(reduction))
    return module.emitError()
           << "accumulate = " << k.getInt() << " cannot stand for a batch of "
           << k.getInt() << " micro-batches: " << reason.split(',').first
           << "; the loss must be linear in the batch rows";
  if (reduction->hasSum && (reduction->hasMean || reduction->hasBatchFree))
    return module.emitError()
           << "accumulate = " << k.getInt() << " cannot stand for a batch of "
           << k.getInt()
           << " micro-batches: the loss adds sums over the batch rows to "
              "means or batch-free terms; make every term a mean (or every "
              "one a sum)";
  return reduction->isPureSum();
}

} // namespace braid
