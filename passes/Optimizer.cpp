// braid-optimizer: turns the gradients that braid-autodiff returns from
// @train_step into in-place optimizer updates, adds the optimizer's state as
// braid.state arguments, and makes @train_step an entry point returning the
// loss.
#include "passes/LossBatchReduction.h"
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

/// The train block's settings that decide the updates' form.
struct TrainSettings {
  StringRef optimizer;
  DictionaryAttr schedule; // null: none
  FloatAttr clipNorm;      // null: no clipping
  int64_t accumulate = 1;
  ArrayAttr noDecay; // null: none
  double weightDecay = 0;

  explicit TrainSettings(DictionaryAttr train) {
    optimizer = llvm::cast<StringAttr>(train.get("optimizer")).getValue();
    schedule = train.getAs<DictionaryAttr>("schedule");
    clipNorm = train.getAs<FloatAttr>("clip_norm");
    if (auto k = train.getAs<IntegerAttr>("accumulate"))
      accumulate = k.getInt();
    noDecay = train.getAs<ArrayAttr>("no_decay");
    if (auto wd = train.getAs<FloatAttr>("weight_decay"))
      weightDecay = wd.getValueAsDouble();
  }
  bool adam() const { return optimizer == "adam" || optimizer == "adamw"; }
  /// The updates whose rate and gradient scale are tensors (adamw_update,
  /// sgd_wd_update), with braid.lr_schedule giving the rate; the original
  /// adam_update and sgd_update otherwise, so models without these settings
  /// keep their IR and plans.
  bool tensorRate() const {
    return optimizer == "adamw" || schedule || clipNorm || weightDecay > 0;
  }
  /// Whether parameter `name` of type `type` decays: matrices and larger
  /// (rank >= 2) unless no_decay names them (a trailing '*' is a prefix).
  bool decays(StringRef name, Type type) const {
    if (llvm::cast<RankedTensorType>(type).getRank() < 2)
      return false;
    if (noDecay)
      for (Attribute a : noDecay) {
        StringRef pattern = llvm::cast<StringAttr>(a).getValue();
        if (pattern.consume_back("*") ? name.starts_with(pattern)
                                      : name == pattern)
          return false;
      }
    return true;
  }
};

static Value scalarConstant(OpBuilder &builder, Location loc, float value) {
  auto scalar = RankedTensorType::get({}, builder.getF32Type());
  return ConstantOp::create(
      builder, loc,
      llvm::cast<ElementsAttr>(DenseElementsAttr::get(scalar, value)));
}

/// @accumulate: a copy of @train_step (loss and gradients, before any
/// update) that adds the micro-batch's gradients and loss into the
/// accumulator states and returns nothing. Every gradient result #i (i >= 1)
/// goes into accumulator `accumulators[i - 1]`, the loss into `lossAcc`.
static LogicalResult buildAccumulate(func::FuncOp step, ModuleOp module,
                                     ArrayRef<std::string> accumulators,
                                     StringRef lossAcc) {
  OpBuilder builder(step.getContext());
  builder.setInsertionPointAfter(step);
  auto accumulate = llvm::cast<func::FuncOp>(builder.clone(*step));
  accumulate.setSymName("accumulate");
  SymbolTable(module).insert(accumulate);
  Block &body = accumulate.getBody().front();
  auto ret = llvm::cast<func::ReturnOp>(body.getTerminator());
  StateArgs states(accumulate);
  Location loc = accumulate.getLoc();
  SmallVector<unsigned> slots;
  for (unsigned i = 0, e = accumulate.getNumResults(); i < e; ++i)
    slots.push_back(states.declare(i == 0 ? lossAcc : accumulators[i - 1],
                                   ret.getOperand(i).getType(), loc));
  if (failed(states.insert()))
    return failure();
  builder.setInsertionPoint(ret);
  for (unsigned i = 0, e = ret.getNumOperands(); i < e; ++i)
    AccumulateOp::create(builder, loc, states.get(slots[i]), ret.getOperand(i));
  func::ReturnOp::create(builder, ret.getLoc());
  ret.erase();
  llvm::BitVector all(accumulate.getNumResults(), true);
  if (failed(accumulate.eraseResults(all)))
    return failure();
  accumulate->setAttr(attrs::kEntryPoint, builder.getStringAttr("accumulate"));
  return success();
}

static LogicalResult insertUpdates(func::FuncOp step, DictionaryAttr train) {
  if (!step.getBody().hasOneBlock())
    return step.emitError() << "@train_step must have a single block";
  Block &body = step.getBody().front();
  auto ret = llvm::dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret || step.getNumResults() < 1 || !step.getResultAttr(0, attrs::kLoss))
    return step.emitError() << "@train_step must return the loss first "
                               "(run braid-autodiff first)";
  TrainSettings settings(train);
  bool adam = settings.adam();
  bool tensorRate = settings.tensorRate();
  bool accumulating = settings.accumulate > 1;
  OpBuilder builder(step.getContext());
  Location loc = step.getLoc();
  auto module = step->getParentOfType<ModuleOp>();

  llvm::StringMap<Value> params;
  for (unsigned i = 0, e = step.getNumArguments(); i < e; ++i)
    if (auto name = step.getArgAttrOfType<StringAttr>(i, attrs::kParam))
      params[name.getValue()] = step.getArgument(i);

  // The state: the step count (Adam's, and the schedule's), then per
  // gradient result its moments (Adam) or velocity (SGD), then the
  // accumulators, declared first and appended all at once.
  StateArgs states(step);
  std::optional<unsigned> counterState;
  if (adam || tensorRate)
    counterState = states.declare(
        "optimizer.step", RankedTensorType::get({}, builder.getF32Type()), loc);
  struct Update {
    Value param, grad;
    unsigned firstState;
    std::optional<unsigned> accumulator;
    bool decays;
  };
  SmallVector<Update> updates;
  SmallVector<std::string> accumulatorNames;
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
    std::optional<unsigned> accumulator;
    if (accumulating) {
      accumulatorNames.push_back(prefix + "accum");
      accumulator = states.declare(accumulatorNames.back(), type, loc);
    }
    updates.push_back({param, ret.getOperand(i), first, accumulator,
                       settings.decays(name.getValue(), type)});
  }
  std::optional<unsigned> lossAccState;
  const char *lossAccName = "accumulate.loss";
  if (accumulating) {
    if (failed(buildAccumulate(step, module, accumulatorNames, lossAccName)))
      return failure();
    lossAccState =
        states.declare(lossAccName, ret.getOperand(0).getType(), loc);
  }
  if (failed(states.insert()))
    return failure();

  // The step count, incremented before any update reads it.
  Value counter;
  if (counterState) {
    counter = states.get(*counterState);
    builder.setInsertionPointToStart(&body);
    IncrementOp::create(builder, loc, counter);
  }

  builder.setInsertionPoint(ret);
  // With accumulation, the gradients and loss of the K micro-batches: the
  // accumulated ones plus this step's (the seed dloss is already 1/K for a
  // mean loss, so the gradients sum to those of the K micro-batches' mean
  // loss), and their mean loss (their sum for a loss that sums the rows).
  Value loss = ret.getOperand(0);
  if (accumulating) {
    FailureOr<bool> sums = accumulationSums(module);
    if (failed(sums))
      return failure();
    for (Update &update : updates)
      update.grad = AddOp::create(builder, loc, states.get(*update.accumulator),
                                  update.grad);
    loss = AddOp::create(builder, loc, states.get(*lossAccState), loss);
    if (!*sums)
      loss = MulOp::create(
          builder, loc, loss,
          scalarConstant(builder, loc,
                         static_cast<float>(1.0 / settings.accumulate)));
  }

  // The rate and the clipping scale, once every gradient exists.
  Value rate, norm, scale;
  if (tensorRate) {
    DictionaryAttr schedule = settings.schedule;
    if (!schedule)
      schedule = builder.getDictionaryAttr(
          builder.getNamedAttr("kind", builder.getStringAttr("constant")));
    rate = LrScheduleOp::create(builder, loc, counter.getType(), counter,
                                hyperParam(train, "lr"), schedule);
    if (settings.clipNorm) {
      SmallVector<Value> grads;
      for (const Update &update : updates)
        grads.push_back(update.grad);
      norm = GlobalNormOp::create(builder, loc, counter.getType(), grads);
      scale = ClipScaleOp::create(builder, loc, norm.getType(), norm,
                                  settings.clipNorm);
    } else {
      scale = scalarConstant(builder, loc, 1.f);
    }
  }

  // One update per gradient result, in the order of the results.
  FloatAttr zero = builder.getF64FloatAttr(0);
  for (const Update &update : updates) {
    FloatAttr decay =
        update.decays ? builder.getF64FloatAttr(settings.weightDecay) : zero;
    // Each update is located at its parameter's declaration, so that a
    // trace or profile tells one parameter's update from another's.
    Location loc = update.param.getLoc();
    if (tensorRate && adam)
      AdamWUpdateOp::create(
          builder, loc, update.param, update.grad,
          states.get(update.firstState), states.get(update.firstState + 1),
          counter, rate, scale, hyperParam(train, "beta1"),
          hyperParam(train, "beta2"), hyperParam(train, "eps"), decay);
    else if (tensorRate)
      SgdWdUpdateOp::create(builder, loc, update.param, update.grad,
                            states.get(update.firstState), rate, scale,
                            hyperParam(train, "momentum"), decay);
    else if (adam)
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
  // The accumulators start the next step at zero, once the updates read
  // them.
  if (accumulating) {
    for (const Update &update : updates)
      ResetOp::create(builder, loc, states.get(*update.accumulator));
    ResetOp::create(builder, loc, states.get(*lossAccState));
  }

  // @train_step now returns the loss, under the output name "loss", then
  // the rate ("lr") and the global gradient norm ("grad_norm") when they
  // are computed: the runtime reports them.
  SmallVector<Value> results = {loss};
  SmallVector<StringRef> names = {"loss"};
  if (rate) {
    results.push_back(rate);
    names.push_back("lr");
  }
  if (norm) {
    results.push_back(norm);
    names.push_back("grad_norm");
  }
  builder.setInsertionPoint(ret);
  func::ReturnOp::create(builder, ret.getLoc(), results);
  ret.erase();
  if (failed(step.eraseResults(gradients)))
    return failure();
  if (results.size() > 1) {
    SmallVector<unsigned> at(results.size() - 1, 1);
    SmallVector<Type> types;
    for (Value v : ArrayRef(results).drop_front())
      types.push_back(v.getType());
    SmallVector<DictionaryAttr> attrsList(results.size() - 1,
                                          builder.getDictionaryAttr({}));
    if (failed(step.insertResults(at, types, attrsList)))
      return failure();
  }
  for (auto [i, name] : llvm::enumerate(names))
    step.setResultAttr(i, attrs::kOutput, builder.getStringAttr(name));
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
