// The plan's tables (tensors, parameters, states, constants, entry points)
// as the exporter fills them, and the checks every exported tensor passes.
#ifndef BRAID_TARGET_PLAN_PLANWRITER_H
#define BRAID_TARGET_PLAN_PLANWRITER_H

#include "codegen/NativeCode.h"
#include "runtime/schema/plan_generated.h"

#include "flatbuffers/flatbuffers.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace braid {

/// `type` as a static f32 or i32 tensor, or a located error naming `what`.
mlir::FailureOr<mlir::RankedTensorType>
planType(mlir::Location loc, mlir::Type type, const llvm::Twine &what);

/// Accumulates the plan's tables while the module is walked, in the order
/// the plan lists them; each entry point is written by an EntryPointWriter.
class PlanWriter {
public:
  /// `code`: the module's generated kernels, or null when it has none.
  explicit PlanWriter(const codegen::NativeCode *code = nullptr) : code(code) {}

  /// Adds each parameter of `func` not seen before.
  mlir::LogicalResult addParameters(mlir::func::FuncOp func);
  /// Adds one entry point, its tensors and steps, or fails with a located
  /// error.
  mlir::LogicalResult addEntryPoint(mlir::func::FuncOp func);
  /// Finishes the buffer ("BRPL") with the module's metadata and writes it
  /// to `os`.
  void write(mlir::ModuleOp module, uint64_t moduleHash, llvm::raw_ostream &os);

  /// The builder every table is written with.
  flatbuffers::FlatBufferBuilder &builder() { return fbb; }
  /// Adds a tensor and returns its id.
  /// `batchDim`: an input's batch dimension, -1 for none (Tensor.batch_dim).
  uint32_t addTensor(const std::string &name, mlir::RankedTensorType type,
                     plan::Storage storage, uint64_t offset, uint32_t index,
                     int32_t batchDim = 0);
  /// The tensor of parameter `name` (added by addParameters).
  uint32_t parameterId(llvm::StringRef name) const {
    return parameterIds.lookup(name).first;
  }
  /// The tensor of optimizer state `name`, added on its first use.
  uint32_t stateId(llvm::StringRef name, mlir::RankedTensorType type);
  /// Adds a constant tensor holding `bytes` and returns its id.
  uint32_t addConstant(const std::string &name, mlir::RankedTensorType type,
                       const std::vector<uint8_t> &bytes);
  /// The generated kernels, or null.
  const codegen::NativeCode *nativeCode() const { return code; }

private:
  const codegen::NativeCode *code;
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<plan::Tensor>> tensors;
  std::vector<flatbuffers::Offset<plan::Parameter>> parameters;
  std::vector<flatbuffers::Offset<plan::ConstantData>> constants;
  std::vector<flatbuffers::Offset<plan::EntryPoint>> entryPoints;
  std::vector<flatbuffers::Offset<plan::State>> states;
  /// State name -> tensor id.
  llvm::StringMap<uint32_t> stateIds;
  /// Parameter name -> (tensor id, type).
  llvm::StringMap<std::pair<uint32_t, mlir::Type>> parameterIds;
  llvm::StringMap<bool> entryNames;
  uint64_t arenaBytes = 0;
};

} // namespace braid

#endif // BRAID_TARGET_PLAN_PLANWRITER_H
