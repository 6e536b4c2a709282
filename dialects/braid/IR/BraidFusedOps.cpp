// braid.fused: the ops its body may hold, and its verifier.
#include "dialects/braid/IR/BraidOps.h"

using namespace mlir;

namespace braid {

// The ops whose scalar semantics the code generator lowers: those that
// give their scalar body (FusibleOpInterface, BraidScalarBodies.cpp).
bool FusedOp::isFusibleBodyOp(Operation *op) {
  return llvm::isa<FusibleOpInterface>(op);
}

bool FusedOp::isKernelType(Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getElementType().isF32();
}

LogicalResult FusedOp::verify() {
  Block &body = getBody().front();
  // (c1) the block's arguments are the operands.
  if (body.getNumArguments() != getInputs().size())
    return emitOpError() << "body has " << body.getNumArguments()
                         << " arguments; expected one per operand ("
                         << getInputs().size() << ")";
  for (auto [i, operand, argument] :
       llvm::enumerate(getInputs(), body.getArguments()))
    if (operand.getType() != argument.getType())
      return emitOpError() << "body argument #" << i << " has type "
                           << argument.getType() << "; expected operand #" << i
                           << "'s type " << operand.getType();
  // (c4) static shapes (ODS checked f32): the generated loops have fixed
  // bounds.
  for (auto [i, operand] : llvm::enumerate(getInputs()))
    if (!isKernelType(operand.getType()))
      return emitOpError() << "operand #" << i << " has type "
                           << operand.getType()
                           << "; a fused kernel takes static shapes";
  if (!isKernelType(getResult().getType()))
    return emitOpError() << "result has type " << getResult().getType()
                         << "; a fused kernel computes a static shape";
  // (c2) the body ends in a yield of the result's type.
  auto yield = body.empty() ? YieldOp() : llvm::dyn_cast<YieldOp>(body.back());
  if (!yield)
    return emitOpError() << "body must end in braid.yield";
  if (yield.getValue().getType() != getResult().getType())
    return emitOpError() << "body yields " << yield.getValue().getType()
                         << "; expected the result's type "
                         << getResult().getType();
  // (c3) only fusible ops, (c4) on static f32 tensors.
  for (Operation &op : body.without_terminator()) {
    if (!isFusibleBodyOp(&op))
      return emitOpError() << "body holds '" << op.getName()
                           << "', which cannot be fused; a fused body holds "
                              "only elementwise ops and braid.yield";
    for (Type type : op.getResultTypes())
      if (!isKernelType(type))
        return emitOpError() << "body computes a value of type " << type
                             << " in '" << op.getName()
                             << "'; a fused body computes f32 tensors of "
                                "static shape";
  }
  return success();
}

} // namespace braid
