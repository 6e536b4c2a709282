// An entry point of the plan, in named steps: bind the func's arguments to
// the plan's inputs, parameters and states; name the outputs; find the
// bucket members packed without padding; add each op (Steps.cpp); list the
// outputs.
#include "target/Plan/EntryPointWriter.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

using namespace mlir;

namespace braid {

EntryPointWriter::EntryPointWriter(PlanWriter &plan, func::FuncOp func,
                                   std::string name)
    : plan(plan), fbb(plan.builder()), func(func), name(std::move(name)) {
  if (auto bytes = func->getAttrOfType<IntegerAttr>(attrs::kArenaBytes))
    arenaBytes = bytes.getInt();
}

FailureOr<flatbuffers::Offset<plan::EntryPoint>> EntryPointWriter::write() {
  if (!func.getBody().hasOneBlock())
    return func.emitError()
           << "cannot be exported to a plan: entry points need one block";
  if (failed(bindArguments()))
    return failure();
  Block &block = func.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(block.getTerminator());
  if (!ret)
    return func.emitError()
           << "cannot be exported to a plan: entry points end in func.return";
  nameOutputs(ret);
  findPackedOps();
  for (auto [position, op] : llvm::enumerate(block.without_terminator()))
    if (failed(addOp(op, position)))
      return failure();
  if (failed(collectOutputs(ret)))
    return failure();
  if (steps.empty())
    return func.emitError() << "cannot be exported to a plan: entry point \""
                            << name << "\" has no steps";
  return plan::CreateEntryPointDirect(fbb, name.c_str(), &inputs, &outputs,
                                      &steps);
}

/// Parameters and states are the plan's tables, shared by every entry
/// point; every other argument is an input of this one.
LogicalResult EntryPointWriter::bindArguments() {
  for (BlockArgument arg : func.getBody().front().getArguments()) {
    unsigned i = arg.getArgNumber();
    if (auto param = func.getArgAttrOfType<StringAttr>(i, attrs::kParam)) {
      ids[arg] = plan.parameterId(param.getValue());
      continue;
    }
    if (auto state = func.getArgAttrOfType<StringAttr>(i, attrs::kState)) {
      FailureOr<RankedTensorType> tensor =
          planType(func.getLoc(), arg.getType(), "state " + state.getValue());
      if (failed(tensor))
        return failure();
      ids[arg] = plan.stateId(state.getValue(), *tensor);
      continue;
    }
    auto input = func.getArgAttrOfType<StringAttr>(i, attrs::kInput);
    if (!input)
      return func.emitError() << "cannot be exported to a plan: argument #" << i
                              << " is neither a braid.input nor a "
                                 "braid.param";
    FailureOr<RankedTensorType> tensor =
        planType(func.getLoc(), arg.getType(), "input " + input.getValue());
    if (failed(tensor))
      return failure();
    // The batch rows: the dimension the model declared B, or none.
    auto batchDims =
        func.getArgAttrOfType<DenseI64ArrayAttr>(i, attrs::kBatchDims);
    int32_t batchDim = batchDims ? static_cast<int32_t>(batchDims[0]) : -1;
    ids[arg] = plan.addTensor(input.getValue().str(), *tensor,
                              plan::Storage::Input, 0, 0, batchDim);
    inputs.push_back(ids[arg]);
  }
  return success();
}

/// The tensor whose bytes `value` names: the value itself, or for the result
/// of an in-place step (a collective), the tensor that step overwrites.
static Value inPlaceSource(Value value) {
  while (auto result = llvm::dyn_cast<OpResult>(value)) {
    auto step = llvm::dyn_cast<PlanStepOpInterface>(result.getOwner());
    if (!step)
      break;
    SmallVector<Value> written = step.getInPlaceOutputs();
    if (result.getResultNumber() >= written.size())
      break;
    value = written[result.getResultNumber()];
  }
  return value;
}

/// Outputs keep their braid.output names; other tensors are named after
/// their entry point, op and position (addOp).
void EntryPointWriter::nameOutputs(func::ReturnOp ret) {
  for (auto [i, value] : llvm::enumerate(ret.getOperands()))
    if (auto output = func.getResultAttrOfType<StringAttr>(i, attrs::kOutput))
      outputNames.try_emplace(inPlaceSource(value), output.getValue().str());
}

/// braid-plan-memory packs a bucket's members (the operands of an
/// all_reduce_start) without padding, so they, and the reshapes and flattens
/// whose bytes they alias, may sit at any multiple of 4.
void EntryPointWriter::findPackedOps() {
  for (auto start : func.getBody().front().getOps<AllReduceStartOp>())
    for (Value member : start.getInputs())
      for (Operation *def = member.getDefiningOp(); def;
           def = llvm::isa<ReshapeOp, FlattenOp>(def)
                     ? def->getOperand(0).getDefiningOp()
                     : nullptr)
        packed.insert(def);
}

LogicalResult EntryPointWriter::addOp(Operation &op, unsigned position) {
  std::string tensorName;
  if (op.getNumResults() == 1)
    tensorName = outputNames.lookup(op.getResult(0));
  if (tensorName.empty())
    tensorName = name + "/" + op.getName().stripDialect().str() + "." +
                 std::to_string(position);
  // A constant's value is plan data, not a step.
  Attribute value;
  if (matchPattern(&op, m_Constant(&value)))
    return addConstant(op, value, tensorName);
  auto step = llvm::dyn_cast<PlanStepOpInterface>(op);
  if (!step)
    return op.emitOpError() << "is not a plan step: no kernel runs it, so it "
                               "cannot be exported to a plan";
  return addStep(step, tensorName);
}

LogicalResult EntryPointWriter::collectOutputs(func::ReturnOp ret) {
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    if (!computed.contains(value))
      return ret.emitOpError()
             << "cannot be exported to a plan: result #" << i
             << " is not computed by a step of entry point \"" << name << "\"";
    outputs.push_back(ids[value]);
  }
  return success();
}

} // namespace braid
