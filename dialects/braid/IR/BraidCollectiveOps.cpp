// Verifiers of the collective ops (all_reduce, all_reduce_start,
// all_reduce_wait, broadcast).
#include "dialects/braid/IR/BraidOps.h"

#include "llvm/ADT/DenseSet.h"

using namespace mlir;

namespace braid {
namespace {

/// (c1) at least one operand, (c3) none twice and, when `f32Only`, (c2)
/// every one an f32 tensor.
LogicalResult verifyOperands(Operation *op, ValueRange inputs, bool f32Only) {
  if (inputs.empty())
    return op->emitOpError() << "needs at least one operand";
  llvm::SmallDenseSet<Value> seen;
  for (auto [i, value] : llvm::enumerate(inputs)) {
    if (!seen.insert(value).second)
      return op->emitOpError()
             << "operand #" << i << " repeats an earlier operand; each "
             << "tensor may be reduced once";
    auto type = llvm::cast<RankedTensorType>(value.getType());
    if (f32Only && !type.getElementType().isF32())
      return op->emitOpError() << "operand #" << i << " has type " << type
                               << "; reductions take f32 tensors";
  }
  return success();
}

} // namespace

LogicalResult AllReduceOp::verify() {
  return verifyOperands(*this, getInputs(), /*f32Only=*/true);
}

LogicalResult AllReduceStartOp::verify() {
  if (failed(verifyOperands(*this, getInputs(), /*f32Only=*/true)))
    return failure();
  Value request = getRequest();
  if (!request.hasOneUse() ||
      !llvm::isa<AllReduceWaitOp>(*request.getUsers().begin()))
    return emitOpError() << "request must have exactly one use, a "
                            "braid.all_reduce_wait; it has "
                         << std::distance(request.use_begin(),
                                          request.use_end())
                         << " uses";
  return success();
}

LogicalResult AllReduceWaitOp::verify() {
  AllReduceStartOp start = getStart();
  if (!start)
    return emitOpError()
           << "request must be the result of a braid.all_reduce_start";
  if (start->getBlock() != (*this)->getBlock() ||
      !start->isBeforeInBlock(*this))
    return emitOpError() << "must follow its braid.all_reduce_start in the "
                            "same block";
  TypeRange expected = start.getInputs().getTypes();
  if (getResults().size() != expected.size())
    return emitOpError() << "has " << getResults().size()
                         << " results; its start reduces " << expected.size()
                         << " tensors";
  for (auto [i, pair] : llvm::enumerate(llvm::zip(getResultTypes(), expected)))
    if (std::get<0>(pair) != std::get<1>(pair))
      return emitOpError() << "result #" << i << " has type "
                           << std::get<0>(pair) << " but its start reduces "
                           << std::get<1>(pair);
  return success();
}

LogicalResult BroadcastOp::verify() {
  int64_t root = getRootAttr().getInt();
  if (root < 0)
    return emitOpError() << "root must be non-negative, got " << root;
  return verifyOperands(*this, getInputs(), /*f32Only=*/false);
}

} // namespace braid
