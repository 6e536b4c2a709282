// The braid dialect: registration of its ops and attributes, and verification
// of the attributes that carry a model's interface (braid.input, braid.param,
// braid.init, braid.output, braid.loss, braid.model, braid.batch,
// braid.train).
#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;

#include "dialects/braid/IR/BraidDialect.cpp.inc"

namespace braid {

void BraidDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/braid/IR/BraidOps.cpp.inc"
      >();
  registerAttributes();
}

namespace {

LogicalResult expectName(Operation *op, NamedAttribute attr) {
  auto name = llvm::dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' must be a non-empty string, got "
                           << attr.getValue();
  return success();
}

/// A positive i64, as braid.batch and the train block's batch and epochs are.
LogicalResult expectPositiveInt(Operation *op, StringRef what,
                                Attribute value) {
  auto i = llvm::dyn_cast_or_null<IntegerAttr>(value);
  if (!i || !i.getType().isInteger(64) || i.getInt() <= 0)
    return op->emitError() << "'" << what << "' must be a positive i64, got "
                           << value;
  return success();
}

/// An f64 in [min, max) (max exclusive unless `maxInclusive`).
LogicalResult expectFloatIn(Operation *op, DictionaryAttr train, StringRef key,
                            double min, double max, bool minExclusive) {
  auto f = llvm::dyn_cast_or_null<FloatAttr>(train.get(key));
  if (!f || !f.getType().isF64())
    return op->emitError() << "'braid.train' needs an f64 '" << key << "'";
  double v = f.getValueAsDouble();
  if (!(minExclusive ? v > min : v >= min) || !(v < max))
    return op->emitError() << "'braid.train' " << key << " = " << v
                           << " is out of range " << (minExclusive ? "(" : "[")
                           << min << ", " << max << ")";
  return success();
}

LogicalResult verifyTrain(Operation *op, Attribute value) {
  auto train = llvm::dyn_cast<DictionaryAttr>(value);
  if (!train)
    return op->emitError() << "'braid.train' must be a dictionary, got "
                           << value;
  auto loss = llvm::dyn_cast_or_null<StringAttr>(train.get("loss"));
  if (!loss || loss.getValue().empty())
    return op->emitError() << "'braid.train' needs a string 'loss'";
  if (failed(expectPositiveInt(op, "braid.train batch", train.get("batch"))) ||
      failed(expectPositiveInt(op, "braid.train epochs", train.get("epochs"))))
    return failure();
  if (failed(expectFloatIn(op, train, "lr", 0, 1e6, /*minExclusive=*/true)))
    return failure();
  auto optimizer = llvm::dyn_cast_or_null<StringAttr>(train.get("optimizer"));
  StringRef name = optimizer ? optimizer.getValue() : "";
  if (name == "sgd")
    return expectFloatIn(op, train, "momentum", 0, 1, false);
  if (name == "adam")
    return failure(
        failed(expectFloatIn(op, train, "beta1", 0, 1, false)) ||
        failed(expectFloatIn(op, train, "beta2", 0, 1, false)) ||
        failed(expectFloatIn(op, train, "eps", 0, 1, /*minExclusive=*/true)));
  return op->emitError()
         << "'braid.train' optimizer must be \"sgd\" or \"adam\", got "
         << train.get("optimizer");
}

} // namespace

LogicalResult BraidDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (!llvm::isa<ModuleOp>(op))
    return op->emitError() << "'" << name << "' belongs on the module";
  if (name == attrs::kModel)
    return expectName(op, attr);
  if (name == attrs::kBatch)
    return expectPositiveInt(op, name, attr.getValue());
  if (name == attrs::kTrain)
    return verifyTrain(op, attr.getValue());
  return op->emitError() << "unknown module attribute '" << name << "'";
}

LogicalResult BraidDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  auto func = llvm::dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' belongs on a function argument";
  StringRef name = attr.getName().getValue();
  Type type = func.getArgumentTypes()[argIndex];
  std::optional<shape::TensorType> tensor = toShapeType(type);
  if (name == attrs::kInput) {
    if (!tensor)
      return op->emitError()
             << "input argument #" << argIndex
             << " must be a static f32 or i32 tensor, got " << type;
    return expectName(op, attr);
  }
  if (name == attrs::kParam) {
    if (!tensor || tensor->element != shape::ElementType::F32)
      return op->emitError() << "parameter argument #" << argIndex
                             << " must be a static f32 tensor, got " << type;
    if (!func.getArgAttr(argIndex, attrs::kInit))
      return op->emitError()
             << "parameter argument #" << argIndex << " has no 'braid.init'";
    return expectName(op, attr);
  }
  if (name == attrs::kInit) {
    if (!llvm::isa<InitializerAttr>(attr.getValue()))
      return op->emitError()
             << "'braid.init' must be a #braid.init, got " << attr.getValue();
    if (!func.getArgAttr(argIndex, attrs::kParam))
      return op->emitError() << "'braid.init' on argument #" << argIndex
                             << ", which is not a 'braid.param'";
    return success();
  }
  return op->emitError() << "unknown argument attribute '" << name << "'";
}

LogicalResult BraidDialect::verifyRegionResultAttribute(Operation *op,
                                                        unsigned regionIndex,
                                                        unsigned resultIndex,
                                                        NamedAttribute attr) {
  auto func = llvm::dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' belongs on a function result";
  StringRef name = attr.getName().getValue();
  if (name == attrs::kOutput)
    return expectName(op, attr);
  if (name == attrs::kLoss) {
    Type type = func.getResultTypes()[resultIndex];
    std::optional<shape::TensorType> tensor = toShapeType(type);
    if (!tensor || tensor->element != shape::ElementType::F32 ||
        tensor->rank() != 0)
      return op->emitError() << "loss result #" << resultIndex
                             << " must be tensor<f32>, got " << type;
    return expectName(op, attr);
  }
  return op->emitError() << "unknown result attribute '" << name << "'";
}

} // namespace braid
