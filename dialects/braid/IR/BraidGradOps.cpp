// Type inference of the gradient ops that have no family base class in ODS
// (BraidGradOps.td), each calling its rule in ShapeRules/GradRules.cpp; and
// stop_gradient's builtin interface (BraidBuiltinInterfaces.td).
#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"

using namespace mlir;

namespace braid {

LogicalResult SparseSoftmaxCrossEntropyGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dloss = call.operand("dloss", adaptor.getDloss());
  auto logits = call.operand("logits", adaptor.getLogits());
  auto labels = call.operand("labels", adaptor.getLabels());
  if (!dloss || !logits || !labels)
    return failure();
  return call.apply(
      shape::sparseSoftmaxCrossEntropyGrad(*dloss, *logits, *labels));
}

LogicalResult MeanSquaredErrorGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dloss = call.operand("dloss", adaptor.getDloss());
  auto prediction = call.operand("prediction", adaptor.getPrediction());
  auto target = call.operand("target", adaptor.getTarget());
  if (!dloss || !prediction || !target)
    return failure();
  return call.apply(shape::meanSquaredErrorGrad(*dloss, *prediction, *target));
}

LogicalResult Conv2DBackwardDataOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  auto filter = call.operand("filter", adaptor.getFilter());
  if (!dy || !filter)
    return failure();
  return call.apply(shape::conv2dBackwardData(
      *dy, *filter, adaptor.getInputShape().vec(), adaptor.getStrides().vec(),
      adaptor.getPadding().vec(), adaptor.getDilations().vec()));
}

LogicalResult Conv2DBackwardFilterOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  auto input = call.operand("input", adaptor.getInput());
  if (!dy || !input)
    return failure();
  return call.apply(shape::conv2dBackwardFilter(
      *dy, *input, adaptor.getFilterShape().vec(), adaptor.getStrides().vec(),
      adaptor.getPadding().vec(), adaptor.getDilations().vec()));
}

LogicalResult MaxPool2DGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  auto x = call.operand("x", adaptor.getX());
  if (!dy || !x)
    return failure();
  return call.apply(shape::maxPool2dGrad(*dy, *x, adaptor.getKernel().vec(),
                                         adaptor.getStrides().vec(),
                                         adaptor.getPadding().vec()));
}

LogicalResult ReduceMaxGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  auto x = call.operand("x", adaptor.getX());
  auto y = call.operand("y", adaptor.getY());
  if (!dy || !x || !y)
    return failure();
  return call.apply(shape::reduceMaxGrad(*dy, *x, *y, adaptor.getAxes().vec()));
}

LogicalResult AvgPool2DGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto dy = call.operand("dy", adaptor.getDy());
  if (!dy)
    return failure();
  return call.apply(shape::avgPool2dGrad(
      *dy, adaptor.getInputShape().vec(), adaptor.getKernel().vec(),
      adaptor.getStrides().vec(), adaptor.getPadding().vec()));
}

LogicalResult AccuracyOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location> location,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto logits = call.operand("logits", adaptor.getLogits());
  auto labels = call.operand("labels", adaptor.getLabels());
  return logits && labels ? call.apply(shape::accuracy(*logits, *labels))
                          : failure();
}

ArrayRef<StringLiteral> StopGradientOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"x"};
  return names;
}

shape::RuleResult StopGradientOp::inferBuiltinType(
    const std::vector<shape::TensorType> &operands) {
  // The identity's rule: any usable tensor, unchanged.
  return shape::RuleResult::ok(operands[0]);
}

LogicalResult StopGradientOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input ? call.apply(inferBuiltinType({*input})) : failure();
}

} // namespace braid
