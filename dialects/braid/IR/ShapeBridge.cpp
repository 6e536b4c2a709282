// Glue between MLIR types and the plain-C++ shape rules.
#include "dialects/braid/IR/ShapeBridge.h"

#include "mlir/IR/Diagnostics.h"

namespace braid {

std::optional<shape::TensorType> toShapeType(mlir::Type type,
                                             std::string *why) {
  auto fail = [&](std::string message) -> std::optional<shape::TensorType> {
    if (why)
      *why = std::move(message);
    return std::nullopt;
  };
  auto tensor = llvm::dyn_cast_or_null<mlir::RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape())
    return fail("must be a statically shaped tensor");
  shape::TensorType result;
  if (tensor.getElementType().isF32())
    result.element = shape::ElementType::F32;
  else if (tensor.getElementType().isSignlessInteger(32))
    result.element = shape::ElementType::I32;
  else
    return fail("must have element type f32 or i32");
  result.dims.assign(tensor.getShape().begin(), tensor.getShape().end());
  if (shape::checkValid(result))
    return fail("must have positive dimensions and at most 2^40 elements");
  return result;
}

mlir::RankedTensorType toMlirType(mlir::MLIRContext *context,
                                  const shape::TensorType &type) {
  mlir::Type element = type.element == shape::ElementType::F32
                           ? mlir::Type(mlir::Float32Type::get(context))
                           : mlir::Type(mlir::IntegerType::get(context, 32));
  return mlir::RankedTensorType::get(type.dims, element);
}

std::optional<shape::TensorType> RuleCall::operand(llvm::StringRef role,
                                                   mlir::Value value) {
  std::string why;
  std::optional<shape::TensorType> type =
      value ? toShapeType(value.getType(), &why) : std::nullopt;
  if (!type) {
    std::string shown;
    llvm::raw_string_ostream os(shown);
    if (value)
      os << value.getType();
    (void)mlir::emitOptionalError(location, "'", opName, "' op ", role, " ",
                                  why, ", got ", shown);
  }
  return type;
}

llvm::LogicalResult RuleCall::apply(const shape::RuleResult &result) {
  if (!result)
    return mlir::emitOptionalError(location, "'", opName, "' op ",
                                   result.error());
  inferred.push_back(toMlirType(context, result.type()));
  return llvm::success();
}

} // namespace braid
