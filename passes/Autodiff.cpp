// braid-autodiff: @train_step, the loss of @forward followed by its gradient
// with respect to every parameter, built by a generic reverse sweep over the
// ops' VJPs (VJPOpInterface, docs/gradients.md).
#include "passes/LossBatchReduction.h"
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace braid {
#define GEN_PASS_DEF_AUTODIFFPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// Only floating-point tensors carry gradients; integer values (labels) get
/// none.
static bool isDifferentiable(Value value) {
  auto type = llvm::dyn_cast<RankedTensorType>(value.getType());
  return type && llvm::isa<FloatType>(type.getElementType());
}

/// A braid.constant splat of `value` of type `type`.
static Value splat(OpBuilder &b, Location loc, RankedTensorType type,
                   float value) {
  return ConstantOp::create(
      b, loc, llvm::cast<ElementsAttr>(DenseElementsAttr::get(type, value)));
}

/// The values of `body` that depend on a parameter through differentiable
/// values, not through stop_gradient: the only ones that need a gradient.
static llvm::DenseSet<Value> activeValues(Block &body,
                                          ArrayRef<BlockArgument> params) {
  llvm::DenseSet<Value> active(params.begin(), params.end());
  for (Operation &op : body.without_terminator()) {
    if (llvm::isa<StopGradientOp>(op) ||
        llvm::none_of(op.getOperands(),
                      [&](Value v) { return active.contains(v); }))
      continue;
    for (Value result : op.getResults())
      if (isDifferentiable(result))
        active.insert(result);
  }
  return active;
}

/// Walks `body`'s ops from last to first, appending each one's VJP at `b`'s
/// insertion point, and sums into `grads` the gradient of every active value
/// (the loss's seed already there). Every op reached must implement the VJP
/// interface.
static LogicalResult reverseSweep(OpBuilder &b, Block &body,
                                  const llvm::DenseSet<Value> &active,
                                  llvm::DenseMap<Value, Value> &grads) {
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value r) { return grads.contains(r); }))
      continue;
    auto vjp = llvm::dyn_cast<VJPOpInterface>(op);
    if (!vjp)
      return op->emitError() << "'" << op->getName() << "' has no gradient";
    // A result the loss does not depend on contributes a zero gradient.
    SmallVector<Value> resultGrads;
    for (Value result : op->getResults()) {
      Value g = grads.lookup(result);
      resultGrads.push_back(
          g ? g
            : splat(b, op->getLoc(),
                    llvm::cast<RankedTensorType>(result.getType()), 0.0f));
    }
    SmallVector<Value> operandGrads;
    if (failed(vjp.buildVJP(b, resultGrads, operandGrads)))
      return failure();
    if (operandGrads.size() != op->getNumOperands())
      return op->emitError() << "the VJP of '" << op->getName() << "' gave "
                             << operandGrads.size() << " gradients for "
                             << op->getNumOperands() << " operands";
    for (auto [index, operand, g] :
         llvm::enumerate(op->getOperands(), operandGrads)) {
      if (!g || !active.contains(operand))
        continue;
      if (g.getType() != operand.getType())
        return op->emitError()
               << "the VJP of '" << op->getName() << "' gave operand #" << index
               << " of type " << operand.getType() << " a gradient of type "
               << g.getType();
      Value &sum = grads[operand];
      sum = sum ? Value(AddOp::create(b, op->getLoc(), sum, g)) : g;
    }
  }
  return success();
}

/// Builds @train_step after `forward`, or fails with a located error.
static LogicalResult buildTrainStep(ModuleOp module, func::FuncOp forward,
                                    double lossScale) {
  if (SymbolTable::lookupSymbolIn(module, "train_step"))
    return forward.emitError()
           << "the module already has a @train_step; it would be overwritten";
  auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain);
  if (!train)
    return forward.emitError() << "the module has no '" << attrs::kTrain
                               << "': no loss to differentiate";
  auto lossName = train.getAs<StringAttr>("loss");
  if (!forward.getBody().hasOneBlock())
    return forward.emitError() << "@forward must have a single block, got "
                               << forward.getBody().getBlocks().size();
  Block &body = forward.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return forward.emitError() << "@forward must end in func.return";
  std::optional<unsigned> lossIndex;
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (lossName && forward.getResultAttr(i, attrs::kLoss) == lossName)
      lossIndex = i;
  if (!lossIndex)
    return forward.emitError()
           << "@forward has no braid.loss result named " << lossName;

  SmallVector<unsigned> paramIndices;
  SmallVector<Type> resultTypes = {forward.getResultTypes()[*lossIndex]};
  for (unsigned i = 0, e = forward.getNumArguments(); i < e; ++i)
    if (forward.getArgAttr(i, attrs::kParam)) {
      paramIndices.push_back(i);
      resultTypes.push_back(forward.getArgumentTypes()[i]);
    }

  OpBuilder b(module.getContext());
  b.setInsertionPointAfter(forward);
  auto step = func::FuncOp::create(
      b, forward.getLoc(), "train_step",
      b.getFunctionType(forward.getArgumentTypes(), resultTypes));
  // All at once: setting one argument's or result's attributes rebuilds the
  // whole array, O(n^2) for n parameters.
  if (ArrayAttr argAttrs = forward.getAllArgAttrs())
    step.setAllArgAttrs(argAttrs);
  SmallVector<DictionaryAttr> resultAttrs = {
      forward.getResultAttrDict(*lossIndex)};
  for (unsigned i : paramIndices)
    resultAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(attrs::kGrad, forward.getArgAttr(i, attrs::kParam))));
  step.setAllResultAttrs(resultAttrs);

  // The forward ops, cloned; the parameters keep their source locations.
  SmallVector<Location> argLocs;
  for (BlockArgument arg : body.getArguments())
    argLocs.push_back(arg.getLoc());
  Block *entry =
      b.createBlock(&step.getBody(), {}, forward.getArgumentTypes(), argLocs);
  IRMapping mapping;
  mapping.map(body.getArguments(), entry->getArguments());
  for (Operation &op : body.without_terminator())
    b.clone(op, mapping);
  Value loss = mapping.lookupOrDefault(ret.getOperand(*lossIndex));

  // The reverse sweep from dloss = the loss scale (1 unless data-parallel).
  SmallVector<BlockArgument> params;
  for (unsigned i : paramIndices)
    params.push_back(entry->getArgument(i));
  llvm::DenseSet<Value> active = activeValues(*entry, params);
  llvm::DenseMap<Value, Value> grads;
  if (active.contains(loss))
    grads[loss] =
        splat(b, ret.getLoc(), llvm::cast<RankedTensorType>(loss.getType()),
              static_cast<float>(lossScale));
  if (failed(reverseSweep(b, *entry, active, grads)))
    return failure();

  SmallVector<Value> results = {loss};
  for (auto [k, param] : llvm::enumerate(params)) {
    Value g = grads.lookup(param);
    if (!g) {
      emitWarning(param.getLoc())
          << "parameter '"
          << forward
                 .getArgAttrOfType<StringAttr>(paramIndices[k], attrs::kParam)
                 .getValue()
          << "' does not affect the loss; its gradient is zero";
      g = splat(b, param.getLoc(),
                llvm::cast<RankedTensorType>(param.getType()), 0.0f);
    }
    results.push_back(g);
  }
  func::ReturnOp::create(b, ret.getLoc(), results);

  // Drop what the loss and the parameters' gradients do not need: the
  // outputs' ops and the gradients of inputs the VJPs also built.
  for (Operation &op :
       llvm::make_early_inc_range(llvm::reverse(entry->getOperations())))
    if (isOpTriviallyDead(&op))
      op.erase();
  return success();
}

struct AutodiffPass : impl::AutodiffPassBase<AutodiffPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(module, "forward"));
    if (!forward)
      return markAllAnalysesPreserved();
    // With `accumulate = K`, each micro-batch's gradients are 1/K of its
    // loss's, so that the K of them sum to the gradient of their mean loss.
    // (A loss that sums over the rows sums over the micro-batches too.)
    double scale = lossScale;
    FailureOr<bool> sums = accumulationSums(module);
    if (failed(sums))
      return signalPassFailure();
    if (auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain))
      if (auto k = train.getAs<IntegerAttr>("accumulate"))
        if (k.getInt() > 1 && !*sums)
          scale /= static_cast<double>(k.getInt());
    if (failed(buildTrainStep(module, forward, scale)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
