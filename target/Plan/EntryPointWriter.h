// One entry point of the plan: its arguments bound to tensors, each op
// turned into a constant or a step, and its outputs.
#ifndef BRAID_TARGET_PLAN_ENTRYPOINTWRITER_H
#define BRAID_TARGET_PLAN_ENTRYPOINTWRITER_H

#include "target/Plan/PlanWriter.h"

#include "dialects/braid/IR/BraidOps.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <string>
#include <vector>

namespace braid {

/// Writes the entry point of one func tagged braid.entry_point into a
/// PlanWriter's tables. Every value of the func gets a tensor id: arguments
/// the plan's inputs, parameters and states; ops' results new arena
/// tensors, constants, or (in-place steps) the tensors they overwrite.
class EntryPointWriter {
public:
  EntryPointWriter(PlanWriter &plan, mlir::func::FuncOp func, std::string name);

  /// Writes the entry point and returns it, or fails with a located error.
  mlir::FailureOr<flatbuffers::Offset<plan::EntryPoint>> write();
  /// The arena the entry point needs: the func's braid.arena_bytes.
  uint64_t getArenaBytes() const { return arenaBytes; }

private:
  // The named steps of write(), in order.
  mlir::LogicalResult bindArguments();
  void nameOutputs(mlir::func::ReturnOp ret);
  void findPackedOps();
  mlir::LogicalResult addOp(mlir::Operation &op, unsigned position);
  mlir::LogicalResult collectOutputs(mlir::func::ReturnOp ret);

  // One op (Steps.cpp).
  mlir::LogicalResult addConstant(mlir::Operation &op, mlir::Attribute value,
                                  const std::string &name);
  mlir::LogicalResult addStep(PlanStepOpInterface step,
                              const std::string &name);
  mlir::FailureOr<std::vector<uint32_t>> placeResult(mlir::Operation &op,
                                                     const std::string &name);
  mlir::FailureOr<std::vector<uint32_t>> overwrite(mlir::Operation &op,
                                                   mlir::ValueRange written);
  mlir::FailureOr<std::vector<uint32_t>> idsOf(mlir::Operation &op,
                                               mlir::ValueRange values);
  uint32_t requestId(mlir::Value request);
  /// A fused op's kernel_index and work_items, from its `kernel` symbol and
  /// the plan's generated code.
  mlir::FailureOr<std::pair<uint32_t, int64_t>>
  fusedKernel(mlir::Operation &op);

  PlanWriter &plan;
  flatbuffers::FlatBufferBuilder &fbb;
  mlir::func::FuncOp func;
  std::string name;
  /// braid.arena_bytes of the func.
  uint64_t arenaBytes = 0;
  /// The tensor id of every value bound so far.
  llvm::DenseMap<mlir::Value, uint32_t> ids;
  /// Values whose tensor a step of this entry point computes.
  llvm::DenseSet<mlir::Value> computed;
  /// The braid.output names of the returned values' tensors.
  llvm::DenseMap<mlir::Value, std::string> outputNames;
  /// Ops whose results sit in a bucket packed without padding.
  llvm::DenseSet<mlir::Operation *> packed;
  /// The number of each request, in the order the requests start.
  llvm::DenseMap<mlir::Value, uint32_t> requests;
  std::vector<uint32_t> inputs, outputs;
  std::vector<flatbuffers::Offset<plan::Step>> steps;
};

} // namespace braid

#endif // BRAID_TARGET_PLAN_ENTRYPOINTWRITER_H
