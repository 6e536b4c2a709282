// Glue between MLIR types and the plain-C++ shape rules: converts operand
// types and turns a rule's outcome into an inferred type or a diagnostic.
#ifndef BRAID_DIALECTS_BRAID_IR_SHAPEBRIDGE_H
#define BRAID_DIALECTS_BRAID_IR_SHAPEBRIDGE_H

#include "shape/ShapeRules.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace braid {

/// The shape-rule form of `type`, or nullopt (with `why` set) when it is not a
/// statically shaped f32 or i32 tensor of a valid size.
std::optional<shape::TensorType> toShapeType(mlir::Type type,
                                             std::string *why = nullptr);

/// The MLIR tensor type of a shape-rule type.
mlir::RankedTensorType toMlirType(mlir::MLIRContext *context,
                                  const shape::TensorType &type);

/// One call of a shape rule from an op's inferReturnTypes. Diagnostics name
/// the op as the verifier's do: "'braid.matmul' op <message>".
class RuleCall {
public:
  RuleCall(mlir::MLIRContext *context, std::optional<mlir::Location> location,
           llvm::StringRef opName, llvm::SmallVectorImpl<mlir::Type> &inferred)
      : context(context), location(location), opName(opName),
        inferred(inferred) {}

  /// The operand's shape-rule type; emits an error naming `role` when the
  /// operand is not a usable tensor.
  std::optional<shape::TensorType> operand(llvm::StringRef role,
                                           mlir::Value value);
  /// Appends the rule's result type, or emits its message.
  llvm::LogicalResult apply(const shape::RuleResult &result);

private:
  mlir::MLIRContext *context;
  std::optional<mlir::Location> location;
  llvm::StringRef opName;
  llvm::SmallVectorImpl<mlir::Type> &inferred;
};

/// Checks a layer normalisation's eps: in (0, 1), so that 1 / sqrt(var +
/// eps) is finite and eps is a small stabiliser (BraidOps.cpp).
llvm::LogicalResult verifyEps(mlir::Operation *op, double eps);

} // namespace braid

#endif // BRAID_DIALECTS_BRAID_IR_SHAPEBRIDGE_H
