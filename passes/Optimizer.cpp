// braid-optimizer: turns the gradients that braid-autodiff returns from
// @train_step into in-place optimizer updates, adds the optimizer's state as
// braid.state arguments, and makes @train_step an entry point returning the
// loss.
#include "passes/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/StringMap.h"

#include <optional>

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

/// The optimizer state arguments of @train_step, appended all at once: a
/// function's signature and argument attributes are rebuilt whole on every
/// insertion, so one insertion per state would cost O(n^2) for n arguments.
class StateArgs {
public:
  explicit StateArgs(func::FuncOp func)
      : func(func), base(func.getNumArguments()) {}

  /// Declares a zero-initialized state argument named `name`; returns its
  /// position among the declared states.
  unsigned declare(StringRef name, Type type, Location loc) {
    Builder builder(func.getContext());
    types.push_back(type);
    argAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr(attrs::kState, builder.getStringAttr(name))));
    locs.push_back(loc);
    return types.size() - 1;
  }

  /// Appends every declared state to the function's arguments.
  LogicalResult insert() {
    SmallVector<unsigned> indices(types.size(), base);
    return func.insertArguments(indices, types, argAttrs, locs);
  }

  /// The argument of the `k`th declared state, once inserted.
  Value get(unsigned k) { return func.getArgument(base + k); }

private:
  func::FuncOp func;
  unsigned base;
  SmallVector<Type> types;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<Location> locs;
};

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

  llvm::StringMap<Value> params;
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i)
    if (auto name = step.getArgAttrOfType<StringAttr>(i, attrs::kParam))
      params[name.getValue()] = step.getArgument(i);

  // The state: Adam's step count, then per gradient result its moments
  // (Adam) or velocity (SGD), declared first and appended all at once.
  StateArgs states(step);
  std::optional<unsigned> counterState;
  if (adam)
    counterState = states.declare(
        "optimizer.step", RankedTensorType::get({}, builder.getF32Type()), loc);
  struct Update {
    Value param, grad;
    unsigned firstState;
  };
  SmallVector<Update> updates;
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
    Type type = param.getType();
    std::string prefix = name.getValue().str() + ".";
    unsigned first = adam ? states.declare(prefix + "m", type, loc)
                          : states.declare(prefix + "velocity", type, loc);
    if (adam)
      states.declare(prefix + "v", type, loc);
    updates.push_back({param, ret.getOperand(i), first});
  }
  if (failed(states.insert()))
    return failure();

  // Adam's step count, incremented before any update reads it.
  Value counter;
  if (counterState) {
    counter = states.get(*counterState);
    builder.setInsertionPointToStart(&body);
    IncrementOp::create(builder, loc, counter);
  }

  // One update per gradient result, at the end, once every gradient exists.
  builder.setInsertionPoint(ret);
  for (const Update &update : updates) {
    if (adam)
      AdamUpdateOp::create(
          builder, loc, update.param, update.grad,
          states.get(update.firstState), states.get(update.firstState + 1),
          counter, hyperParam(train, "lr"), hyperParam(train, "beta1"),
          hyperParam(train, "beta2"), hyperParam(train, "eps"));
    else
      SgdUpdateOp::create(builder, loc, update.param, update.grad,
                          states.get(update.firstState),
                          hyperParam(train, "lr"),
                          hyperParam(train, "momentum"));
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
