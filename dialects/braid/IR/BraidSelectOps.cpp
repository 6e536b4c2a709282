// Type inference, builtin interfaces, folders and canonicalization of the ops
// of BraidSelectOps.td: concat, slice, slice_grad, where, cast, dropout (the
// comparisons define theirs in ODS). Every one calls the op's rule in
// ShapeRules.
#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace braid {
namespace {

ArrayRef<int64_t> shapeOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getShape();
}

} // namespace

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  std::vector<shape::TensorType> inputs;
  for (Value input : adaptor.getInputs()) {
    auto type = call.operand("input", input);
    if (!type)
      return failure();
    inputs.push_back(*type);
  }
  return call.apply(shape::concat(inputs, adaptor.getAxis()));
}

OpFoldResult ConcatOp::fold(FoldAdaptor) {
  // One operand: the operand itself.
  if (getInputs().size() == 1)
    return getInputs()[0];
  return {};
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input ? call.apply(shape::slice(*input, adaptor.getAxis(),
                                         adaptor.getStart(), adaptor.getSize()))
               : failure();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  // The whole extent: the operand itself.
  if (getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

LogicalResult SliceGradOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  return dy ? call.apply(shape::sliceGrad(*dy, adaptor.getInputShape().vec(),
                                          adaptor.getAxis(),
                                          adaptor.getStart()))
            : failure();
}

OpFoldResult SliceGradOp::fold(FoldAdaptor) {
  // dy covering the whole operand: no zeros to add.
  if (getDy().getType() == getResult().getType())
    return getDy();
  return {};
}

ArrayRef<StringLiteral> WhereOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"mask", "a", "b"};
  return names;
}

shape::RuleResult
WhereOp::inferBuiltinType(const std::vector<shape::TensorType> &operands) {
  return shape::where(operands[0], operands[1], operands[2]);
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *context,
                                        std::optional<Location> location,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto mask = call.operand("mask", adaptor.getMask());
  auto a = call.operand("a", adaptor.getA());
  auto b = call.operand("b", adaptor.getB());
  return mask && a && b ? call.apply(inferBuiltinType({*mask, *a, *b}))
                        : failure();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> location,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  if (!input)
    return failure();
  Type element = adaptor.getElement();
  if (!element.isF32() && !element.isSignlessInteger(32)) {
    std::string shown;
    llvm::raw_string_ostream os(shown);
    os << element;
    return call.apply(shape::RuleResult::fail(
        "element type must be f32 or i32, got " + shown));
  }
  return call.apply(shape::cast(*input, element.isF32()
                                            ? shape::ElementType::F32
                                            : shape::ElementType::I32));
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getResult().getType())
    return getInput();
  return {};
}

LogicalResult DropoutOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  if (!input)
    return failure();
  if (input->rank() == 0)
    return call.apply(shape::RuleResult::fail(
        "operand must have rank 1 or more (its leading dimension indexes the "
        "batch rows), got " +
        shape::toString(*input)));
  return call.apply(shape::dropout(*input, adaptor.getP().convertToDouble()));
}

OpFoldResult DropoutOp::fold(FoldAdaptor) {
  // p = 0 keeps every element, unscaled.
  if (getP().convertToDouble() == 0)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Canonicalization
//===----------------------------------------------------------------------===//

namespace {

/// concat(..., concat(a, b), ...) along one axis -> concat(..., a, b, ...).
struct FlattenNestedConcat : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    int64_t rank = shapeOf(op.getResult()).size();
    int64_t axis = nonNegativeAxis(op.getAxis(), rank);
    SmallVector<Value> inputs;
    bool changed = false;
    for (Value input : op.getInputs()) {
      auto inner = input.getDefiningOp<ConcatOp>();
      if (inner && nonNegativeAxis(inner.getAxis(), rank) == axis) {
        inputs.append(inner.getInputs().begin(), inner.getInputs().end());
        changed = true;
      } else {
        inputs.push_back(input);
      }
    }
    if (!changed)
      return rewriter.notifyMatchFailure(op, "no operand is a concat");
    rewriter.replaceOpWithNewOp<ConcatOp>(op, inputs, axis);
    return success();
  }
};

/// add(slice_grad(a, s, axis, i), slice_grad(b, s, axis, i + |a|)) ->
/// slice_grad(concat(a, b, axis), s, axis, i): the gradients of adjacent
/// slices of one tensor written side by side, with one zero fill (none once
/// the ranges cover the axis: slice_grad's folder). The reverse sweep sums
/// the slices' gradients pairwise, so repeated application joins any number
/// of slices that tile a range.
struct JoinAdjacentSliceGrads : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    auto lhs = op.getLhs().getDefiningOp<SliceGradOp>();
    auto rhs = op.getRhs().getDefiningOp<SliceGradOp>();
    if (!lhs || !rhs || lhs.getInputShape() != rhs.getInputShape())
      return rewriter.notifyMatchFailure(op, "not two slice_grads of a shape");
    int64_t rank = lhs.getInputShape().size();
    int64_t axis = nonNegativeAxis(lhs.getAxis(), rank);
    if (nonNegativeAxis(rhs.getAxis(), rank) != axis)
      return rewriter.notifyMatchFailure(op, "slices along different axes");
    SliceGradOp first = lhs, second = rhs;
    if (second.getStart() + shapeOf(second.getDy())[axis] == first.getStart())
      std::swap(first, second);
    if (first.getStart() + shapeOf(first.getDy())[axis] != second.getStart())
      return rewriter.notifyMatchFailure(op, "ranges are not adjacent");
    Value joined = ConcatOp::create(
        rewriter, op.getLoc(), ValueRange{first.getDy(), second.getDy()}, axis);
    rewriter.replaceOpWithNewOp<SliceGradOp>(op, joined, first.getInputShape(),
                                             axis, first.getStart());
    return success();
  }
};

} // namespace

void ConcatOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<FlattenNestedConcat>(context);
}

void SliceGradOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<JoinAdjacentSliceGrads>(context);
}

} // namespace braid
