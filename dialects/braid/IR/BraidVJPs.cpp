// The VJPs of the differentiable braid ops, one small function per op,
// exactly as docs/gradients.md fixes them; and the VJP interface's generated
// definitions. `dy` is the gradient at the op's result, pushed gradients are
// in operand order.
#include "dialects/braid/IR/BraidOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;

#include "dialects/braid/IR/BraidInterfaces.cpp.inc"

namespace braid {
namespace {

ArrayRef<int64_t> shapeOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getShape();
}

/// A braid.constant f32[] holding `value`.
Value scalar(OpBuilder &b, Location loc, float value) {
  auto type = RankedTensorType::get({}, b.getF32Type());
  return ConstantOp::create(
      b, loc, llvm::cast<ElementsAttr>(DenseElementsAttr::get(type, value)));
}

/// -g, as g times a constant -1 (exact).
Value negate(OpBuilder &b, Location loc, Value g) {
  return MulOp::create(b, loc, g, scalar(b, loc, -1.0f));
}

/// `value` reshaped to `shape`; `value` itself when it has that shape.
Value reshapeTo(OpBuilder &b, Location loc, Value value,
                ArrayRef<int64_t> shape) {
  if (shapeOf(value) == shape)
    return value;
  return ReshapeOp::create(b, loc, value, shape);
}

/// unbroadcast(g, x): reduce_sum of g over the axes that broadcasting added
/// or stretched from 1, then reshape to x's shape (nothing when the shapes
/// match).
Value unbroadcast(OpBuilder &b, Location loc, Value g, Value x) {
  ArrayRef<int64_t> gShape = shapeOf(g), xShape = shapeOf(x);
  if (gShape == xShape)
    return g;
  int64_t added = static_cast<int64_t>(gShape.size() - xShape.size());
  SmallVector<int64_t> axes;
  for (int64_t i = 0, e = gShape.size(); i < e; ++i)
    if (i < added || (xShape[i - added] == 1 && gShape[i] != 1))
      axes.push_back(i);
  Value sum = axes.empty() ? g : ReduceSumOp::create(b, loc, g, axes);
  return reshapeTo(b, loc, sum, xShape);
}

/// The VJP of a reduction over `axes` of `input`, `dy` already scaled:
/// broadcast_to(reshape(dy, keepdims shape), input's shape).
Value unreduce(OpBuilder &b, Location loc, Value dy, Value input,
               ArrayRef<int64_t> axes) {
  SmallVector<int64_t> keep(shapeOf(input));
  int64_t rank = keep.size();
  for (int64_t axis : axes)
    keep[axis < 0 ? axis + rank : axis] = 1;
  Value kept = reshapeTo(b, loc, dy, keep);
  if (shapeOf(kept) == shapeOf(input))
    return kept;
  return BroadcastToOp::create(b, loc, kept, shapeOf(input));
}

} // namespace

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult ReluOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      ReluGradOp::create(b, getLoc(), resultGrads[0], getInput()));
  return success();
}

LogicalResult SigmoidOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      SigmoidGradOp::create(b, getLoc(), resultGrads[0], getResult()));
  return success();
}

LogicalResult TanhOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      TanhGradOp::create(b, getLoc(), resultGrads[0], getResult()));
  return success();
}

LogicalResult GeluTanhOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                   SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      GeluTanhGradOp::create(b, getLoc(), resultGrads[0], getInput()));
  return success();
}

LogicalResult GeluOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      GeluGradOp::create(b, getLoc(), resultGrads[0], getInput()));
  return success();
}

LogicalResult SqrtOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // d sqrt(x) = dy * 0.5 / y, from the result as PyTorch's.
  Location loc = getLoc();
  Value half = MulOp::create(b, loc, resultGrads[0], scalar(b, loc, 0.5f));
  operandGrads.push_back(DivOp::create(b, loc, half, getResult()));
  return success();
}

LogicalResult RsqrtOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // d x^-1/2 = dy * -0.5 * x^-3/2 = dy * -0.5 * y^3.
  Location loc = getLoc();
  Value y = getResult();
  Value cube = MulOp::create(b, loc, MulOp::create(b, loc, y, y), y);
  Value scaled = MulOp::create(b, loc, resultGrads[0], scalar(b, loc, -0.5f));
  operandGrads.push_back(MulOp::create(b, loc, scaled, cube));
  return success();
}

LogicalResult AbsOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // dy * sign(x) = dy * (x > 0) - dy * (-x > 0): 0 at x = 0, as PyTorch's,
  // with relu's gradient as the masks (no sign kernel).
  Location loc = getLoc();
  Value dy = resultGrads[0], x = getInput();
  Value positive = ReluGradOp::create(b, loc, dy, x);
  Value negative = ReluGradOp::create(b, loc, dy, negate(b, loc, x));
  operandGrads.push_back(SubOp::create(b, loc, positive, negative));
  return success();
}

LogicalResult PowOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // dy * p * x^(p - 1); zeros for p = 0, as PyTorch's (x^-1 would be inf at
  // x = 0).
  Location loc = getLoc();
  double p = getExponentAttr().getValueAsDouble();
  Value dy = resultGrads[0];
  if (p == 0) {
    auto type = llvm::cast<RankedTensorType>(dy.getType());
    operandGrads.push_back(ConstantOp::create(
        b, loc, llvm::cast<ElementsAttr>(DenseElementsAttr::get(type, 0.0f))));
    return success();
  }
  Value power = PowOp::create(b, loc, getInput(), b.getF64FloatAttr(p - 1));
  Value derivative =
      MulOp::create(b, loc, power, scalar(b, loc, static_cast<float>(p)));
  operandGrads.push_back(MulOp::create(b, loc, dy, derivative));
  return success();
}

LogicalResult AddOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  Value dy = resultGrads[0];
  operandGrads.push_back(unbroadcast(b, getLoc(), dy, getLhs()));
  operandGrads.push_back(unbroadcast(b, getLoc(), dy, getRhs()));
  return success();
}

LogicalResult SubOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // unbroadcast(-dy, b), negated after the sum: the same value, exactly, on
  // the smaller tensor.
  Value dy = resultGrads[0];
  operandGrads.push_back(unbroadcast(b, getLoc(), dy, getLhs()));
  operandGrads.push_back(
      negate(b, getLoc(), unbroadcast(b, getLoc(), dy, getRhs())));
  return success();
}

LogicalResult MulOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  Value dy = resultGrads[0];
  Location loc = getLoc();
  operandGrads.push_back(
      unbroadcast(b, loc, MulOp::create(b, loc, dy, getRhs()), getLhs()));
  operandGrads.push_back(
      unbroadcast(b, loc, MulOp::create(b, loc, dy, getLhs()), getRhs()));
  return success();
}

LogicalResult DivOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                              SmallVectorImpl<Value> &operandGrads) {
  // da = unbroadcast(dy / b, a); db = unbroadcast(-dy * a / (b * b), b), the
  // negation applied after the sum as in SubOp.
  Value dy = resultGrads[0];
  Location loc = getLoc();
  operandGrads.push_back(
      unbroadcast(b, loc, DivOp::create(b, loc, dy, getRhs()), getLhs()));
  Value numerator = MulOp::create(b, loc, dy, getLhs());
  Value square = MulOp::create(b, loc, getRhs(), getRhs());
  Value quotient = DivOp::create(b, loc, numerator, square);
  operandGrads.push_back(
      negate(b, loc, unbroadcast(b, loc, quotient, getRhs())));
  return success();
}

namespace {

/// The VJP of maximum (or, with `larger` false, minimum): dy goes to the
/// operand that was chosen, half to each on a tie, as PyTorch's. The masks
/// are relu's gradient at lhs - rhs and rhs - lhs, which are 0 exactly on a
/// tie: ga = 0.5 * (dy + dy * (a > b) - dy * (a < b)) for maximum (the two
/// masks swapped for minimum), gb = dy - ga, each exact.
void buildSelectVJP(OpBuilder &b, Location loc, Value dy, Value lhs, Value rhs,
                    bool larger, SmallVectorImpl<Value> &operandGrads) {
  Value difference = SubOp::create(b, loc, lhs, rhs);
  Value lhsLarger = ReluGradOp::create(b, loc, dy, difference);
  Value rhsLarger = ReluGradOp::create(b, loc, dy, negate(b, loc, difference));
  Value chosen = larger ? lhsLarger : rhsLarger;
  Value other = larger ? rhsLarger : lhsLarger;
  Value twice = SubOp::create(b, loc, AddOp::create(b, loc, dy, chosen), other);
  Value ga = MulOp::create(b, loc, twice, scalar(b, loc, 0.5f));
  Value gb = SubOp::create(b, loc, dy, ga);
  operandGrads.push_back(unbroadcast(b, loc, ga, lhs));
  operandGrads.push_back(unbroadcast(b, loc, gb, rhs));
}

} // namespace

LogicalResult MaximumOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  buildSelectVJP(b, getLoc(), resultGrads[0], getLhs(), getRhs(), true,
                 operandGrads);
  return success();
}

LogicalResult MinimumOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  buildSelectVJP(b, getLoc(), resultGrads[0], getLhs(), getRhs(), false,
                 operandGrads);
  return success();
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

/// The product of a's leading dimensions but its last: a [..., R, C]
/// operand read as one [prod(...) * R, C] matrix.
static SmallVector<int64_t> flattenedRows(Value value) {
  ArrayRef<int64_t> shape = shapeOf(value);
  int64_t rows = 1;
  for (int64_t d : shape.drop_back())
    rows *= d;
  return {rows, shape.back()};
}

LogicalResult MatmulOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  // With y = op_a(a) @ op_b(b) (per batch): d op_a(a) = dy @ op_b(b)^T and
  // d op_b(b) = op_a(a)^T @ dy. Undoing op_a and op_b turns each into one
  // product with transpose flags, so no transpose is ever materialized:
  //   da = dy @ op_b(b)^T            or, transposed, op_b(b) @ dy^T
  //   db = op_a(a)^T @ dy            or, transposed, dy^T @ op_a(a)
  // A batch dimension that broadcasting added or stretched is summed away
  // (unbroadcast), as for add.
  Value dy = resultGrads[0], a = getLhs(), bm = getRhs();
  bool ta = getTransposeLhs(), tb = getTransposeRhs();
  Location loc = getLoc();
  int64_t rankA = shapeOf(a).size(), rankB = shapeOf(bm).size();
  Value da = ta ? MatmulOp::create(b, loc, bm, dy, tb, true)
                : MatmulOp::create(b, loc, dy, bm, false, !tb);
  operandGrads.push_back(unbroadcast(b, loc, da, a));
  if (rankB == 2 && rankA > 2 && !ta) {
    // A weight shared by every batch (x f32[B, T, K] @ w f32[K, N]): its
    // gradient sums the batches' products, which is one GEMM over the rows
    // of all of them, [prod(batch) * M, K]^T @ [prod(batch) * M, N], read
    // through free reshapes: no per-batch products to add up.
    Value rowsA = reshapeTo(b, loc, a, flattenedRows(a));
    Value rowsDy = reshapeTo(b, loc, dy, flattenedRows(dy));
    operandGrads.push_back(
        tb ? MatmulOp::create(b, loc, rowsDy, rowsA, true, false)
           : MatmulOp::create(b, loc, rowsA, rowsDy, true, false));
    return success();
  }
  Value db = tb ? MatmulOp::create(b, loc, dy, a, true, ta)
                : MatmulOp::create(b, loc, a, dy, !ta, false);
  operandGrads.push_back(unbroadcast(b, loc, db, bm));
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax and losses
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  // A causal softmax's masked entries are 0 in y, so they take no part in
  // the sum and get no gradient; the causal kernel writes exact zeros there.
  operandGrads.push_back(SoftmaxGradOp::create(
      b, getLoc(), resultGrads[0], getResult(), getAxis(), getCausal()));
  return success();
}

LogicalResult LogSoftmaxOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                     SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(LogSoftmaxGradOp::create(b, getLoc(), resultGrads[0],
                                                  getResult(), getAxis()));
  return success();
}

LogicalResult
SparseSoftmaxCrossEntropyOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                      SmallVectorImpl<Value> &operandGrads) {
  // The labels get no gradient.
  operandGrads.push_back(SparseSoftmaxCrossEntropyGradOp::create(
      b, getLoc(), resultGrads[0], getLogits(), getLabels()));
  operandGrads.push_back(Value());
  return success();
}

LogicalResult
MeanSquaredErrorOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                             SmallVectorImpl<Value> &operandGrads) {
  // dp = mean_squared_error_grad(dloss, p, t); dt = -dp.
  Value dp = MeanSquaredErrorGradOp::create(b, getLoc(), resultGrads[0],
                                            getPrediction(), getTarget());
  operandGrads.push_back(dp);
  operandGrads.push_back(negate(b, getLoc(), dp));
  return success();
}

//===----------------------------------------------------------------------===//
// Embedding and layer normalisation
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  // The table's rows receive dy scatter-added; the ids get no gradient.
  operandGrads.push_back(EmbeddingGradOp::create(
      b, getLoc(), resultGrads[0], getIds(), shapeOf(getTable())[0]));
  operandGrads.push_back(Value());
  return success();
}

LogicalResult LayerNormOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  // The statistics are recomputed once, here, for both gradient kernels
  // (the forward keeps none: predict and eval need only y).
  Location loc = getLoc();
  Value dy = resultGrads[0];
  Value stats = LayerNormStatsOp::create(b, loc, getX(), getEpsAttr());
  operandGrads.push_back(
      LayerNormGradOp::create(b, loc, dy, getX(), stats, getGain()));
  operandGrads.push_back(
      LayerNormGainGradOp::create(b, loc, dy, getX(), stats));
  // dbias: dy summed over every axis but the last.
  SmallVector<int64_t> rows;
  for (int64_t i = 0, e = shapeOf(dy).size() - 1; i < e; ++i)
    rows.push_back(i);
  operandGrads.push_back(rows.empty() ? dy
                                      : ReduceSumOp::create(b, loc, dy, rows));
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

LogicalResult ReduceSumOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      unreduce(b, getLoc(), resultGrads[0], getInput(), getAxes()));
  return success();
}

LogicalResult ReduceMeanOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                     SmallVectorImpl<Value> &operandGrads) {
  // As reduce_sum, times 1 / (the product of the reduced extents), applied
  // to dy before it is broadcast.
  ArrayRef<int64_t> shape = shapeOf(getInput());
  int64_t count = 1;
  for (int64_t axis : getAxes())
    count *= shape[axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis];
  Location loc = getLoc();
  Value scaled = MulOp::create(
      b, loc, resultGrads[0], scalar(b, loc, 1.0f / static_cast<float>(count)));
  operandGrads.push_back(unreduce(b, loc, scaled, getInput(), getAxes()));
  return success();
}

LogicalResult ReduceMaxOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(ReduceMaxGradOp::create(
      b, getLoc(), resultGrads[0], getInput(), getResult(), getAxes()));
  return success();
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

LogicalResult ReshapeOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      reshapeTo(b, getLoc(), resultGrads[0], shapeOf(getInput())));
  return success();
}

LogicalResult FlattenOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      reshapeTo(b, getLoc(), resultGrads[0], shapeOf(getInput())));
  return success();
}

LogicalResult TransposeOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  // dx = transpose(dy, inverse(perm)).
  ArrayRef<int64_t> perm = getPerm();
  SmallVector<int64_t> inverse(perm.size());
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = static_cast<int64_t>(i);
  operandGrads.push_back(
      TransposeOp::create(b, getLoc(), resultGrads[0], inverse));
  return success();
}

LogicalResult BroadcastToOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                      SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(unbroadcast(b, getLoc(), resultGrads[0], getInput()));
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

LogicalResult Conv2DOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  // dx = conv2d_backward_data(dy, w), dw = conv2d_backward_filter(dy, x),
  // db = reduce_sum(dy, [0, 2, 3]).
  Value dy = resultGrads[0];
  Location loc = getLoc();
  operandGrads.push_back(
      Conv2DBackwardDataOp::create(b, loc, dy, getFilter(), shapeOf(getInput()),
                                   getStrides(), getPadding(), getDilations()));
  operandGrads.push_back(Conv2DBackwardFilterOp::create(
      b, loc, dy, getInput(), shapeOf(getFilter()), getStrides(), getPadding(),
      getDilations()));
  if (getBias())
    operandGrads.push_back(
        ReduceSumOp::create(b, loc, dy, ArrayRef<int64_t>{0, 2, 3}));
  return success();
}

LogicalResult MaxPool2DOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(MaxPool2DGradOp::create(b, getLoc(), resultGrads[0],
                                                 getInput(), getKernel(),
                                                 getStrides(), getPadding()));
  return success();
}

LogicalResult AvgPool2DOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                    SmallVectorImpl<Value> &operandGrads) {
  operandGrads.push_back(
      AvgPool2DGradOp::create(b, getLoc(), resultGrads[0], shapeOf(getInput()),
                              getKernel(), getStrides(), getPadding()));
  return success();
}

//===----------------------------------------------------------------------===//
// Slicing, joining, masks and dropout
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                 SmallVectorImpl<Value> &operandGrads) {
  // Each operand's gradient is its range of dy along the axis.
  Location loc = getLoc();
  int64_t axis = nonNegativeAxis(
      getAxis(), static_cast<int64_t>(shapeOf(getResult()).size()));
  int64_t start = 0;
  for (Value input : getInputs()) {
    int64_t size = shapeOf(input)[axis];
    operandGrads.push_back(
        SliceOp::create(b, loc, resultGrads[0], axis, start, size));
    start += size;
  }
  return success();
}

LogicalResult SliceOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // dy placed at the slice's range of zeros (canonicalization joins the
  // gradients of slices that tile the operand into one concat).
  ArrayRef<int64_t> shape = shapeOf(getInput());
  operandGrads.push_back(SliceGradOp::create(
      b, getLoc(), resultGrads[0], shape,
      nonNegativeAxis(getAxis(), static_cast<int64_t>(shape.size())),
      getStart()));
  return success();
}

LogicalResult WhereOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                SmallVectorImpl<Value> &operandGrads) {
  // dy to a where the mask is set, to b elsewhere, each unbroadcast as add's;
  // the mask gets none.
  Location loc = getLoc();
  Value dy = resultGrads[0], zero = scalar(b, loc, 0.0f), mask = getMask();
  operandGrads.push_back(Value());
  operandGrads.push_back(
      unbroadcast(b, loc, WhereOp::create(b, loc, mask, dy, zero), getA()));
  operandGrads.push_back(
      unbroadcast(b, loc, WhereOp::create(b, loc, mask, zero, dy), getB()));
  return success();
}

LogicalResult CastOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                               SmallVectorImpl<Value> &operandGrads) {
  // Only an f32 to f32 cast (the identity) passes a gradient: no gradient
  // flows through an integer.
  bool identity = getInput().getType() == getResult().getType();
  operandGrads.push_back(identity ? resultGrads[0] : Value());
  return success();
}

LogicalResult DropoutOp::buildVJP(OpBuilder &b, ValueRange resultGrads,
                                  SmallVectorImpl<Value> &operandGrads) {
  // dy * mask / (1 - p): a dropout of dy with the same p and salt, which
  // regenerates the forward's mask from the same counters.
  operandGrads.push_back(DropoutOp::create(b, getLoc(), resultGrads[0],
                                           getPAttr(), getSaltAttr()));
  return success();
}

} // namespace braid
