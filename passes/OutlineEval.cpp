// braid-outline-eval: the evaluation entry point @eval, outlined from
// @forward: the loss and, for a sparse softmax cross-entropy loss, the
// accuracy of its logits.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace braid {
#define GEN_PASS_DEF_OUTLINEEVALPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

static LogicalResult outlineEval(ModuleOp module, func::FuncOp forward) {
  if (SymbolTable::lookupSymbolIn(module, "eval"))
    return forward.emitError()
           << "the module already has an @eval; it would be overwritten";
  if (!forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must have a single block";
  Block &body = forward.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  std::optional<unsigned> lossIndex;
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (forward.getResultAttr(i, attrs::kLoss))
      lossIndex = i;
  if (!lossIndex)
    return forward.emitError() << "@forward has no braid.loss result to "
                                  "evaluate";

  OpBuilder builder(module.getContext());
  builder.setInsertionPointAfter(forward);
  auto eval = func::FuncOp::create(builder, forward.getLoc(), "eval",
                                   forward.getFunctionType());
  // All at once: setting one argument's attributes rebuilds the whole array.
  if (ArrayAttr argAttrs = forward.getAllArgAttrs())
    eval.setAllArgAttrs(argAttrs);
  Block *entry = eval.addEntryBlock();
  IRMapping mapping;
  mapping.map(body.getArguments(), entry->getArguments());
  builder.setInsertionPointToEnd(entry);
  for (Operation &op : body.without_terminator()) {
    // Dropout is the identity in evaluation.
    if (auto dropout = llvm::dyn_cast<DropoutOp>(op)) {
      mapping.map(dropout.getResult(),
                  mapping.lookupOrDefault(dropout.getInput()));
      continue;
    }
    builder.clone(op, mapping);
  }

  Value loss = mapping.lookup(ret.getOperand(*lossIndex));
  SmallVector<Value> results = {loss};
  SmallVector<StringRef> names = {"loss"};
  if (auto ce = loss.getDefiningOp<SparseSoftmaxCrossEntropyOp>()) {
    results.push_back(AccuracyOp::create(builder, ce.getLoc(), ce.getLogits(),
                                         ce.getLabels()));
    names.push_back("accuracy");
  }
  func::ReturnOp::create(builder, ret.getLoc(), results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  eval.setFunctionType(
      builder.getFunctionType(forward.getArgumentTypes(), resultTypes));
  for (auto [i, name] : llvm::enumerate(names))
    eval.setResultAttr(i, attrs::kOutput, builder.getStringAttr(name));
  eval.setResultAttr(0, attrs::kLoss,
                     forward.getResultAttr(*lossIndex, attrs::kLoss));
  eval->setAttr(attrs::kEntryPoint, builder.getStringAttr("eval"));
  return success();
}

struct OutlineEvalPass : impl::OutlineEvalPassBase<OutlineEvalPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(module, "forward"));
    if (!forward) {
      module.emitError() << "braid-outline-eval needs @forward";
      return signalPassFailure();
    }
    if (failed(outlineEval(module, forward)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
