// braid-outline-predict: the inference entry point @predict, outlined from
// @forward as the backward slice of its outputs.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace braid {
#define GEN_PASS_DEF_OUTLINEPREDICTPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// The ops of `block` that compute `roots`, directly or through other ops.
static llvm::DenseSet<Operation *> backwardSlice(Block &block,
                                                 ArrayRef<Value> roots) {
  llvm::DenseSet<Operation *> slice;
  SmallVector<Value> worklist(roots.begin(), roots.end());
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != &block || !slice.insert(def).second)
      continue;
    llvm::append_range(worklist, def->getOperands());
  }
  return slice;
}

/// Builds @predict after `forward`, or fails with a located error.
static LogicalResult outlinePredict(ModuleOp module, func::FuncOp forward) {
  if (SymbolTable::lookupSymbolIn(module, "predict"))
    return forward.emitError()
           << "the module already has a @predict; it would be overwritten";
  if (!forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must have a single block, got "
                               << forward.getBody().getBlocks().size();
  Block &body = forward.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return forward.emitError() << "@forward must end in func.return";

  SmallVector<unsigned> outputIndices;
  SmallVector<Value> outputs;
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (forward.getResultAttr(i, attrs::kOutput)) {
      outputIndices.push_back(i);
      outputs.push_back(ret.getOperand(i));
    }
  if (outputs.empty())
    return forward.emitError() << "model has no outputs to predict";

  llvm::DenseSet<Operation *> slice = backwardSlice(body, outputs);
  llvm::DenseSet<Value> used(outputs.begin(), outputs.end());
  for (Operation *op : slice)
    used.insert(op->operand_begin(), op->operand_end());

  // The inputs the slice reads, then every parameter, in @forward's order.
  SmallVector<unsigned> argIndices;
  for (BlockArgument arg : body.getArguments())
    if (forward.getArgAttr(arg.getArgNumber(), attrs::kInput) &&
        used.contains(arg))
      argIndices.push_back(arg.getArgNumber());
  for (BlockArgument arg : body.getArguments())
    if (forward.getArgAttr(arg.getArgNumber(), attrs::kParam))
      argIndices.push_back(arg.getArgNumber());
  llvm::BitVector kept(body.getNumArguments());
  for (unsigned i : argIndices)
    kept.set(i);
  for (BlockArgument arg : body.getArguments())
    if (used.contains(arg) && !kept.test(arg.getArgNumber()))
      return forward.emitError()
             << "argument #" << arg.getArgNumber()
             << " is neither a braid.input nor a braid.param";

  SmallVector<Type> argTypes, resultTypes;
  for (unsigned i : argIndices)
    argTypes.push_back(forward.getArgumentTypes()[i]);
  for (Value v : outputs)
    resultTypes.push_back(v.getType());

  OpBuilder builder(module.getContext());
  builder.setInsertionPointAfter(forward);
  auto predict =
      func::FuncOp::create(builder, forward.getLoc(), "predict",
                           builder.getFunctionType(argTypes, resultTypes));
  // All at once: setting one argument's attributes rebuilds the whole array.
  SmallVector<DictionaryAttr> argAttrs, resultAttrs;
  for (unsigned oldIndex : argIndices)
    argAttrs.push_back(forward.getArgAttrDict(oldIndex));
  for (unsigned oldIndex : outputIndices)
    resultAttrs.push_back(forward.getResultAttrDict(oldIndex));
  predict.setAllArgAttrs(argAttrs);
  predict.setAllResultAttrs(resultAttrs);
  predict->setAttr(attrs::kEntryPoint, builder.getStringAttr("predict"));

  Block *entry = predict.addEntryBlock();
  IRMapping mapping;
  for (auto [newIndex, oldIndex] : llvm::enumerate(argIndices))
    mapping.map(body.getArgument(oldIndex), entry->getArgument(newIndex));
  builder.setInsertionPointToEnd(entry);
  for (Operation &op : body.without_terminator()) {
    if (!slice.contains(&op))
      continue;
    // Dropout is the identity in inference.
    if (auto dropout = llvm::dyn_cast<DropoutOp>(op)) {
      mapping.map(dropout.getResult(),
                  mapping.lookupOrDefault(dropout.getInput()));
      continue;
    }
    builder.clone(op, mapping);
  }
  SmallVector<Value> results;
  for (Value v : outputs)
    results.push_back(mapping.lookupOrDefault(v));
  func::ReturnOp::create(builder, ret.getLoc(), results);
  return success();
}

struct OutlinePredictPass : impl::OutlinePredictPassBase<OutlinePredictPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(module, "forward"));
    if (!forward)
      return markAllAnalysesPreserved();
    if (failed(outlinePredict(module, forward)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
