// braid-check-rows: proves that @predict keeps the rows of its batch apart,
// so that one plan may serve any number of rows up to its batch by padding.
#include "passes/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <optional>

namespace braid {
#define GEN_PASS_DEF_CHECKROWSPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// The rows' axis of a value: none for a batch-free value (parameters,
/// constants, inputs fed whole and what only they compute).
using RowAxis = std::optional<int64_t>;

/// The outcome of one op's rule: the result's rows' axis, or a failure
/// already reported on the op.
using RuleResult = FailureOr<RowAxis>;

static int64_t rankOf(Value v) {
  return llvm::cast<RankedTensorType>(v.getType()).getRank();
}

static int64_t dimOf(Value v, int64_t axis) {
  return llvm::cast<RankedTensorType>(v.getType()).getDimSize(axis);
}

static int64_t normalize(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

static RuleResult mixes(Operation *op, const Twine &why) {
  op->emitOpError() << "mixes the rows of the batch: " << why
                    << "; a plan for a range of batch sizes (braidc --batch "
                       "LO..HI) needs a predict whose rows are independent";
  return failure();
}

/// What braid-check-rows knows of the rows' axis of every value so far.
class RowTracker {
public:
  RowAxis of(Value v) const {
    auto it = axes.find(v);
    return it == axes.end() ? RowAxis() : it->second;
  }
  void set(Value v, RowAxis axis) {
    if (axis)
      axes[v] = *axis;
  }

  /// Numpy broadcasting (elementwise ops, where, broadcast_to): operands are
  /// aligned at their last dimension, and every operand with rows must put
  /// them on the same result axis without being stretched there.
  RuleResult broadcast(Operation *op, ValueRange operands, Value result) {
    int64_t resultRank = rankOf(result);
    RowAxis out;
    for (Value operand : operands) {
      RowAxis axis = of(operand);
      if (!axis)
        continue;
      int64_t aligned = *axis + resultRank - rankOf(operand);
      if (dimOf(operand, *axis) != dimOf(result, aligned))
        return mixes(op, "it stretches the rows' axis of an operand");
      if (out && *out != aligned)
        return mixes(op, "its operands have their rows on different axes (" +
                             Twine(*out) + " and " + Twine(aligned) + ")");
      out = aligned;
    }
    return out;
  }

  /// result[..., m, n] = sum_k lhs[..., m, k] * rhs[..., k, n].
  RuleResult matmul(MatmulOp op) {
    int64_t resultRank = rankOf(op.getResult());
    RowAxis out;
    auto side = [&](Value operand, bool transposed,
                    bool isLhs) -> LogicalResult {
      RowAxis axis = of(operand);
      if (!axis)
        return success();
      int64_t rank = rankOf(operand);
      int64_t inner = isLhs != transposed ? rank - 1 : rank - 2;
      int64_t kept;
      if (*axis == inner) {
        (void)mixes(op, "it sums over the rows' axis of its " +
                            Twine(isLhs ? "lhs" : "rhs"));
        return failure();
      }
      if (*axis >= rank - 2)
        kept = isLhs ? resultRank - 2 : resultRank - 1;
      else
        kept = *axis + resultRank - rank;
      if (out && *out != kept) {
        (void)mixes(op, "it multiplies rows of one operand by rows of the "
                        "other");
        return failure();
      }
      out = kept;
      return success();
    };
    if (failed(side(op.getLhs(), op.getTransposeLhs(), true)) ||
        failed(side(op.getRhs(), op.getTransposeRhs(), false)))
      return failure();
    // Both operands' rows meeting on a matrix axis (m or n) would pair rows.
    if (of(op.getLhs()) && of(op.getRhs()) && *out >= resultRank - 2)
      return mixes(op, "it multiplies rows of one operand by rows of the "
                       "other");
    return out;
  }

  /// Softmax-like ops along `axis`; causal ones also read the last two axes.
  RuleResult alongAxis(Operation *op, Value input, int64_t axis, bool causal) {
    RowAxis rows = of(input);
    if (!rows)
      return rows;
    int64_t rank = rankOf(input);
    if (normalize(axis, rank) == *rows || (causal && *rows >= rank - 2))
      return mixes(op, "it normalizes along the rows' axis " + Twine(*rows));
    return rows;
  }

  RuleResult reduce(Operation *op, Value input, ArrayRef<int64_t> axes) {
    RowAxis rows = of(input);
    if (!rows)
      return rows;
    int64_t removed = 0, rank = rankOf(input);
    for (int64_t a : axes) {
      int64_t n = normalize(a, rank);
      if (n == *rows)
        return mixes(op, "it reduces over axis " + Twine(n) + ", the rows'");
      removed += n < *rows;
    }
    return RowAxis(*rows - removed);
  }

  /// Reshape and flatten keep rows whose axis is the leading one and whose
  /// extent they keep: row-major order then leaves every row in its place.
  RuleResult leading(Operation *op, Value input, Value result) {
    RowAxis rows = of(input);
    if (!rows)
      return rows;
    if (*rows != 0 || rankOf(result) == 0 ||
        dimOf(result, 0) != dimOf(input, 0))
      return mixes(op, "it moves elements across the rows (axis " +
                           Twine(*rows) + ")");
    return RowAxis(0);
  }

  /// An op that reads the operands `withRows` row by row and returns the
  /// rows on `axis`, while its other operands (`batchFree`) hold no rows.
  RuleResult rowWise(Operation *op, Value withRows, ValueRange batchFree,
                     std::optional<int64_t> required) {
    for (Value v : batchFree)
      if (of(v))
        return mixes(op, "an operand read as a whole holds rows");
    RowAxis rows = of(withRows);
    if (rows && required && *rows != *required)
      return mixes(op, "it reads its input's rows on axis " + Twine(*rows) +
                           ", where it expects " + Twine(*required));
    return rows;
  }

  RuleResult apply(Operation &op);

private:
  llvm::DenseMap<Value, int64_t> axes;
};

RuleResult RowTracker::apply(Operation &op) {
  // An op that reads no rows returns none, whatever it computes.
  if (llvm::none_of(op.getOperands(), [&](Value v) { return of(v); }))
    return RowAxis();
  if (op.getNumResults() != 1)
    return mixes(&op, "braid-check-rows has no rule for it");
  Value result = op.getResult(0);
  // The op classes are listed here rather than asked through an interface:
  // the rule is about rows only, and a new op without a rule is refused.
  return llvm::TypeSwitch<Operation *, RuleResult>(&op)
      .Case<ReluOp, SigmoidOp, TanhOp, GeluOp, GeluTanhOp, ExpOp, LogOp, SqrtOp,
            RsqrtOp, AbsOp, PowOp, CastOp, DropoutOp, AddOp, SubOp, MulOp,
            DivOp, MaximumOp, MinimumOp, EqualOp, NotEqualOp, LessOp,
            LessEqualOp, GreaterOp, GreaterEqualOp, WhereOp, BroadcastToOp>(
          [&](Operation *o) { return broadcast(o, o->getOperands(), result); })
      .Case<MatmulOp>([&](MatmulOp o) { return matmul(o); })
      .Case<SoftmaxOp>([&](SoftmaxOp o) {
        return alongAxis(o, o.getInput(), static_cast<int64_t>(o.getAxis()),
                         o.getCausal());
      })
      .Case<LogSoftmaxOp>([&](LogSoftmaxOp o) {
        return alongAxis(o, o.getInput(), static_cast<int64_t>(o.getAxis()),
                         false);
      })
      .Case<LayerNormOp>([&](LayerNormOp o) -> RuleResult {
        RuleResult rows =
            rowWise(o, o.getX(), {o.getGain(), o.getBias()}, std::nullopt);
        if (succeeded(rows) && *rows && **rows == rankOf(o.getX()) - 1)
          return mixes(o, "it normalizes along the rows' axis");
        return rows;
      })
      .Case<ReduceSumOp, ReduceMeanOp, ReduceMaxOp>(
          [&](auto o) { return reduce(o, o.getInput(), o.getAxes()); })
      .Case<ReshapeOp, FlattenOp>(
          [&](Operation *o) { return leading(o, o->getOperand(0), result); })
      .Case<TransposeOp>([&](TransposeOp o) -> RuleResult {
        RowAxis rows = of(o.getInput());
        for (auto [i, p] : llvm::enumerate(o.getPerm()))
          if (p == *rows)
            return RowAxis(static_cast<int64_t>(i));
        return mixes(o, "its permutation drops the rows' axis");
      })
      .Case<Conv2DOp, MaxPool2DOp, AvgPool2DOp>([&](Operation *o) {
        return rowWise(o, o->getOperand(0), o->getOperands().drop_front(), 0);
      })
      .Case<EmbeddingOp>([&](EmbeddingOp o) {
        return rowWise(o, o.getIds(), o.getTable(), std::nullopt);
      })
      .Case<SliceOp>([&](SliceOp o) -> RuleResult {
        RowAxis rows = of(o.getInput());
        int64_t axis =
            normalize(static_cast<int64_t>(o.getAxis()), rankOf(o.getInput()));
        if (axis == *rows)
          return mixes(o, "it slices along the rows' axis " + Twine(axis));
        return rows;
      })
      .Case<ConcatOp>([&](ConcatOp o) -> RuleResult {
        int64_t axis =
            normalize(static_cast<int64_t>(o.getAxis()), rankOf(o.getResult()));
        RowAxis out;
        for (Value v : o.getInputs()) {
          RowAxis rows = of(v);
          if (!rows)
            continue;
          if (*rows == axis)
            return mixes(o, "it joins along the rows' axis " + Twine(axis));
          if (out && *out != *rows)
            return mixes(o, "its operands have their rows on different axes");
          out = rows;
        }
        return out;
      })
      .Default([&](Operation *o) {
        return mixes(o, "braid-check-rows has no rule for it");
      });
}

/// Checks @predict: its inputs' rows lead, every op keeps them apart, and
/// every output returns them as its leading dimension.
static LogicalResult checkPredict(func::FuncOp predict) {
  RowTracker tracker;
  Block &body = predict.getBody().front();
  for (BlockArgument arg : body.getArguments()) {
    auto dims = predict.getArgAttrOfType<DenseI64ArrayAttr>(arg.getArgNumber(),
                                                            attrs::kBatchDims);
    if (!dims)
      continue;
    if (dims.size() != 1 || dims[0] != 0)
      return emitError(arg.getLoc())
             << "input of type " << arg.getType()
             << " has the batch B on another dimension than its first; a "
                "plan for a range of batch sizes needs B first";
    tracker.set(arg, 0);
  }
  for (Operation &op : body.without_terminator()) {
    RuleResult rows = tracker.apply(op);
    if (failed(rows))
      return failure();
    if (*rows)
      tracker.set(op.getResult(0), *rows);
  }
  Operation *ret = body.getTerminator();
  for (auto [i, value] : llvm::enumerate(ret->getOperands())) {
    RowAxis rows = tracker.of(value);
    if (rows && *rows == 0)
      continue;
    auto name = predict.getResultAttrOfType<StringAttr>(i, attrs::kOutput);
    InFlightDiagnostic diag = emitError(value.getLoc());
    diag << "output '" << (name ? name.getValue() : "") << "' ";
    if (rows)
      diag << "has the batch's rows on axis " << *rows;
    else
      diag << "does not depend on the batch";
    diag << "; a plan for a range of batch sizes returns each request's "
            "rows as every output's leading dimension";
    return failure();
  }
  return success();
}

struct CheckRowsPass : impl::CheckRowsPassBase<CheckRowsPass> {
  void runOnOperation() override {
    auto predict = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(getOperation(), "predict"));
    if (!predict || predict.isExternal()) {
      markAllAnalysesPreserved();
      return;
    }
    if (failed(checkPredict(predict)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
