// braid-optimizer: turns the gradients that braid-autodiff returns from
// @train_step into in-place optimizer updates, adds the optimizer's state as
// braid.state arguments, and makes @train_step an entry point returning the
// loss.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"

namespace braid {
#define GEN_PASS_DEF_OPTIMIZERPASS
#include "passes/Passes.h.inc"
} // namespace braid

using namespace mlir;

namespace braid {
namespace {

/// A hyper-parameter of the train block (braid.train); the dialect's verifier
/// guarantees it is there.
static FloatAttr hyperParam(DictionaryAttr train, StringRef name) {
  return llvm::cast<FloatAttr>(train.get(name));
}

/// Appends a zero-initialized optimizer state argument named `name`.
static FailureOr<Value> addState(func::FuncOp func, StringRef name, Type type,
                                 Location loc) {
  OpBuilder builder(func.getContext());
  unsigned index = func.getNumArguments();
  DictionaryAttr attrs = builder.getDictionaryAttr(
      builder.getNamedAttr(attrs::kState, builder.getStringAttr(name)));
  if (failed(func.insertArgument(index, type, attrs, loc)))
    return failure();
  return Value(func.getArgument(index));
}

static LogicalResult insertUpdates(func::FuncOp step, DictionaryAttr train) {
  if (!step.getBody().hasOneBlock())
    return step.emitError() << "@train_step must have a single block";
  Block &body = step.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret || step.getNumResults() < 1 || !step.getResultAttr(0, attrs::kLoss))
    return step.emitError() << "@train_step must return the loss first "
                               "(run braid-autodiff first)";
  StringRef optimizer =
      llvm::cast<StringAttr>(train.get("optimizer")).getValue();
  bool adam = optimizer == "adam";
  OpBuilder builder(step.getContext());
  Location loc = step.getLoc();

  // Adam's step count, incremented before any update reads it.
  Value counter;
  if (adam) {
    FailureOr<Value> state =
        addState(step, "optimizer.step",
                 RankedTensorType::get({}, builder.getF32Type()), loc);
    if (failed(state))
      return failure();
    counter = *state;
    builder.setInsertionPointToStart(&body);
    IncrementOp::create(builder, loc, counter);
  }

  llvm::StringMap<Value> params;
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i)
    if (auto name = step.getArgAttrOfType<StringAttr>(i, attrs::kParam))
      params[name.getValue()] = step.getArgument(i);

  // One update per gradient result, at the end, once every gradient exists.
  llvm::BitVector gradients(step.getNumResults());
  for (unsigned i = 1, e = step.getNumResults(); i < e; ++i) {
    auto name = step.getResultAttrOfType<StringAttr>(i, attrs::kGrad);
    if (!name)
      return step.emitError()
             << "result #" << i << " of @train_step is not a braid.grad";
    Value param = params.lookup(name.getValue());
    if (!param)
      return step.emitError() << "gradient of unknown parameter " << name;
    gradients.set(i);
    Value grad = ret.getOperand(i);
    Type type = param.getType();
    std::string prefix = name.getValue().str() + ".";
    builder.setInsertionPoint(ret);
    if (adam) {
      FailureOr<Value> m = addState(step, prefix + "m", type, loc);
      FailureOr<Value> v = addState(step, prefix + "v", type, loc);
      if (failed(m) || failed(v))
        return failure();
      builder.setInsertionPoint(ret);
      AdamUpdateOp::create(builder, loc, param, grad, *m, *v, counter,
                           hyperParam(train, "lr"), hyperParam(train, "beta1"),
                           hyperParam(train, "beta2"),
                           hyperParam(train, "eps"));
    } else {
      FailureOr<Value> velocity =
          addState(step, prefix + "velocity", type, loc);
      if (failed(velocity))
        return failure();
      builder.setInsertionPoint(ret);
      SgdUpdateOp::create(builder, loc, param, grad, *velocity,
                          hyperParam(train, "lr"),
                          hyperParam(train, "momentum"));
    }
  }

  // @train_step now returns the loss alone, under the output name "loss".
  builder.setInsertionPoint(ret);
  func::ReturnOp::create(builder, ret.getLoc(), ret.getOperand(0));
  ret.erase();
  if (failed(step.eraseResults(gradients)))
    return failure();
  step.setResultAttr(0, attrs::kOutput, builder.getStringAttr("loss"));
  step->setAttr(attrs::kEntryPoint, builder.getStringAttr("train_step"));
  return success();
}

struct OptimizerPass : impl::OptimizerPassBase<OptimizerPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain);
    auto step = llvm::dyn_cast_or_null<func::FuncOp>(
        SymbolTable::lookupSymbolIn(module, "train_step"));
    if (!train || !step) {
      module.emitError() << "braid-optimizer needs a braid.train module with "
                            "@train_step (run braid-autodiff first)";
      return signalPassFailure();
    }
    if (failed(insertUpdates(step, train)))
      signalPassFailure();
  }
};

} // namespace
} // namespace braid
