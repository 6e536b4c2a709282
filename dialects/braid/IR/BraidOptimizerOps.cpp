// Verifiers of the optimizer update ops; the hyper-parameter ranges are the
// shared ModelRules the front end and the plan loader apply too.
#include "dialects/braid/IR/BraidOps.h"
#include "shape/ModelRules.h"

using namespace mlir;

namespace braid {
namespace {

LogicalResult checkHyperParams(Operation *op, StringRef optimizer,
                               ArrayRef<std::pair<StringRef, double>> values) {
  for (const shape::OptimizerParam &param : *shape::optimizerParams(optimizer))
    for (auto [name, value] : values)
      if (name == param.name)
        if (std::optional<std::string> bad =
                shape::checkOptimizerParam(param, value))
          return op->emitOpError() << *bad;
  return success();
}

LogicalResult expectScalar(Operation *op, Value value, StringRef what) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  if (type.getRank() != 0)
    return op->emitOpError() << what << " must be tensor<f32>, got " << type;
  return success();
}

} // namespace

LogicalResult SgdUpdateOp::verify() {
  return checkHyperParams(*this, "sgd",
                          {{"lr", getLr().convertToDouble()},
                           {"momentum", getMomentum().convertToDouble()}});
}

LogicalResult AdamUpdateOp::verify() {
  if (failed(expectScalar(*this, getStep(), "step")))
    return failure();
  return checkHyperParams(*this, "adam",
                          {{"lr", getLr().convertToDouble()},
                           {"beta1", getBeta1().convertToDouble()},
                           {"beta2", getBeta2().convertToDouble()},
                           {"eps", getEps().convertToDouble()}});
}

LogicalResult IncrementOp::verify() {
  return expectScalar(*this, getCounter(), "counter");
}

} // namespace braid
