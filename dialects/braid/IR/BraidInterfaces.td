// The braid dialect's op interfaces: the VJP builder through which each
// differentiable op supplies its own gradient (docs/gradients.md).
#ifndef BRAID_INTERFACES_TD
#define BRAID_INTERFACES_TD

include "mlir/IR/OpBase.td"

def BraidVJPOpInterface : OpInterface<"VJPOpInterface"> {
  let cppNamespace = "::braid";
  let description = [{
    An op that can be differentiated in reverse mode builds its
    vector-Jacobian product: given the gradients of the loss with respect to
    its results, the ops that compute the gradients with respect to its
    operands. The autodiff pass (braid-autodiff) is generic over this
    interface, so a new op brings its own gradient. The VJP of every op is
    fixed by docs/gradients.md; the implementations are in BraidVJPs.cpp, or
    in the op's own ODS definition (a unary elementwise op's
    `vjpDefinition`) when it is built from other ops.

    Ops without a gradient (constant, accuracy, stop_gradient, the gradient
    ops themselves) do not implement it.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at `builder`'s insertion point, the gradients of the op's
        operands from `resultGrads` (one per result, each of its result's
        type) and appends one value per operand to `operandGrads`, of that
        operand's type, or a null value for an operand that gets no gradient
        (integer labels). Fails, with an error at the op, only when the
        gradient cannot be built.
      }],
      "::llvm::LogicalResult", "buildVJP",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

#endif // BRAID_INTERFACES_TD
