// Type inference of the braid ops that have no family base class in ODS, and
// the builtin interface of those a model calls as functions; the families
// (unary, binary, softmax, reductions, pooling) define theirs in BraidOps.td.
// Every one of them calls the op's rule in ShapeRules.
#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;

#include "dialects/braid/IR/BraidBuiltinInterfaces.cpp.inc"

namespace braid {

LogicalResult verifyEps(Operation *op, double eps) {
  if (!(eps > 0 && eps < 1))
    return op->emitOpError() << "eps must be in (0, 1), got " << eps;
  return success();
}

ArrayRef<StringLiteral> MatmulOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"a", "b"};
  return names;
}

shape::RuleResult
MatmulOp::inferBuiltinType(const std::vector<shape::TensorType> &operands) {
  return shape::matmul(operands[0], operands[1]);
}

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto lhs = call.operand("lhs", adaptor.getLhs());
  auto rhs = call.operand("rhs", adaptor.getRhs());
  return lhs && rhs
             ? call.apply(shape::matmul(*lhs, *rhs, adaptor.getTransposeLhs(),
                                        adaptor.getTransposeRhs()))
             : failure();
}

ArrayRef<StringLiteral> SparseSoftmaxCrossEntropyOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"logits", "labels"};
  return names;
}

shape::RuleResult SparseSoftmaxCrossEntropyOp::inferBuiltinType(
    const std::vector<shape::TensorType> &operands) {
  return shape::sparseSoftmaxCrossEntropy(operands[0], operands[1]);
}

LogicalResult SparseSoftmaxCrossEntropyOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto logits = call.operand("logits", adaptor.getLogits());
  auto labels = call.operand("labels", adaptor.getLabels());
  return logits && labels ? call.apply(inferBuiltinType({*logits, *labels}))
                          : failure();
}

ArrayRef<StringLiteral> MeanSquaredErrorOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"prediction", "target"};
  return names;
}

shape::RuleResult MeanSquaredErrorOp::inferBuiltinType(
    const std::vector<shape::TensorType> &operands) {
  return shape::meanSquaredError(operands[0], operands[1]);
}

LogicalResult MeanSquaredErrorOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto prediction = call.operand("prediction", adaptor.getPrediction());
  auto target = call.operand("target", adaptor.getTarget());
  return prediction && target
             ? call.apply(inferBuiltinType({*prediction, *target}))
             : failure();
}

LogicalResult ReshapeOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input ? call.apply(shape::reshape(*input, adaptor.getShape().vec()))
               : failure();
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *context,
                                            std::optional<Location> location,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input ? call.apply(shape::transpose(*input, adaptor.getPerm().vec()))
               : failure();
}

LogicalResult BroadcastToOp::inferReturnTypes(MLIRContext *context,
                                              std::optional<Location> location,
                                              Adaptor adaptor,
                                              SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input
             ? call.apply(shape::broadcastTo(*input, adaptor.getShape().vec()))
             : failure();
}

ArrayRef<StringLiteral> FlattenOp::getBuiltinArguments() {
  static constexpr StringLiteral names[] = {"x"};
  return names;
}

shape::RuleResult
FlattenOp::inferBuiltinType(const std::vector<shape::TensorType> &operands) {
  return shape::flatten(operands[0]);
}

LogicalResult FlattenOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> location,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  return input ? call.apply(inferBuiltinType({*input})) : failure();
}

LogicalResult Conv2DOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> location,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  RuleCall call(context, location, getOperationName(), inferred);
  auto input = call.operand("input", adaptor.getInput());
  auto filter = call.operand("filter", adaptor.getFilter());
  std::optional<shape::TensorType> bias;
  if (adaptor.getBias()) {
    bias = call.operand("bias", adaptor.getBias());
    if (!bias)
      return failure();
  }
  if (!input || !filter)
    return failure();
  return call.apply(
      shape::conv2d(*input, *filter, bias, adaptor.getStrides().vec(),
                    adaptor.getPadding().vec(), adaptor.getDilations().vec()));
}

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location> location,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  std::string why;
  Type type = adaptor.getValue() ? adaptor.getValue().getType() : Type();
  if (!toShapeType(type, &why)) {
    std::string shown;
    llvm::raw_string_ostream os(shown);
    if (type)
      os << type;
    return emitOptionalError(location, "'", getOperationName(), "' op value ",
                             why, ", got ", shown);
  }
  inferred.push_back(type);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

} // namespace braid

#define GET_OP_CLASSES
#include "dialects/braid/IR/BraidOps.cpp.inc"
