// Verifiers of the optimizer ops (updates, schedules, clipping); the
// hyper-parameter ranges are the shared ModelRules the front end and the plan
// loader apply too.
#include "dialects/braid/IR/BraidOps.h"
#include "shape/ModelRules.h"

using namespace mlir;

namespace braid {
namespace {

LogicalResult checkHyperParams(Operation *op, StringRef optimizer,
                               ArrayRef<std::pair<StringRef, double>> values) {
  for (const shape::OptimizerParam &param : *shape::optimizerParams(optimizer))
    for (auto [name, value] : values)
      if (name == param.name)
        if (std::optional<std::string> bad =
                shape::checkOptimizerParam(param, value))
          return op->emitOpError() << *bad;
  return success();
}

LogicalResult expectScalar(Operation *op, Value value, StringRef what) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  if (type.getRank() != 0)
    return op->emitOpError() << what << " must be tensor<f32>, got " << type;
  return success();
}

} // namespace

LogicalResult SgdUpdateOp::verify() {
  return checkHyperParams(*this, "sgd",
                          {{"lr", getLr().convertToDouble()},
                           {"momentum", getMomentum().convertToDouble()}});
}

LogicalResult AdamUpdateOp::verify() {
  if (failed(expectScalar(*this, getStep(), "step")))
    return failure();
  return checkHyperParams(*this, "adam",
                          {{"lr", getLr().convertToDouble()},
                           {"beta1", getBeta1().convertToDouble()},
                           {"beta2", getBeta2().convertToDouble()},
                           {"eps", getEps().convertToDouble()}});
}

LogicalResult IncrementOp::verify() {
  return expectScalar(*this, getCounter(), "counter");
}

LogicalResult verifySchedule(function_ref<InFlightDiagnostic()> emitError,
                             Attribute value) {
  auto schedule = llvm::dyn_cast<DictionaryAttr>(value);
  auto kind = schedule
                  ? llvm::dyn_cast_or_null<StringAttr>(schedule.get("kind"))
                  : StringAttr();
  const std::vector<shape::OptimizerParam> *params =
      shape::scheduleParams(kind ? kind.getValue() : "");
  if (!params)
    return emitError() << "schedule must be a dictionary whose kind is "
                          "\"constant\", \"warmup_cosine\", "
                          "\"warmup_linear\" or \"step_decay\", got "
                       << value;
  std::vector<double> values;
  for (const shape::OptimizerParam &param : *params) {
    Attribute arg = schedule.get(param.name);
    double v;
    if (auto i = llvm::dyn_cast_or_null<IntegerAttr>(arg);
        i && param.integer && i.getType().isInteger(64))
      v = static_cast<double>(i.getInt());
    else if (auto f = llvm::dyn_cast_or_null<FloatAttr>(arg);
             f && !param.integer && f.getType().isF64())
      v = f.getValueAsDouble();
    else
      return emitError() << "schedule " << kind << " needs "
                         << (param.integer ? "an i64 '" : "an f64 '")
                         << param.name << "'";
    if (std::optional<std::string> bad = shape::checkOptimizerParam(param, v))
      return emitError() << "schedule " << *bad;
    values.push_back(v);
  }
  if (schedule.size() != params->size() + 1)
    return emitError() << "schedule " << kind
                       << " has keys it does not take: " << schedule;
  if (std::optional<std::string> bad =
          shape::checkSchedule(kind.getValue(), values))
    return emitError() << *bad;
  return success();
}

LogicalResult LrScheduleOp::verify() {
  if (failed(expectScalar(*this, getStep(), "step")))
    return failure();
  if (!(getLr().convertToDouble() > 0 && getLr().convertToDouble() < 1e6))
    return emitOpError() << "lr = " << getLr().convertToDouble()
                         << " is out of range (0, 1e+06)";
  return verifySchedule([&] { return emitOpError(); }, getSchedule());
}

void LrScheduleOp::fillStepAttributes(PlanStepAttributes &step) {
  step.lr = getLr().convertToDouble();
  DictionaryAttr schedule = getSchedule();
  StringRef kind = llvm::cast<StringAttr>(schedule.get("kind")).getValue();
  step.schedule = kind == "warmup_cosine"   ? plan::LrScheduleKind::WarmupCosine
                  : kind == "warmup_linear" ? plan::LrScheduleKind::WarmupLinear
                  : kind == "step_decay"    ? plan::LrScheduleKind::StepDecay
                                            : plan::LrScheduleKind::Constant;
  auto integer = [&](StringRef name) -> int64_t {
    auto i = llvm::dyn_cast_or_null<IntegerAttr>(schedule.get(name));
    return i ? i.getInt() : 0;
  };
  auto real = [&](StringRef name) -> double {
    auto f = llvm::dyn_cast_or_null<FloatAttr>(schedule.get(name));
    return f ? f.getValueAsDouble() : 0;
  };
  step.warmup = integer("warmup");
  step.total = integer("total");
  step.every = integer("every");
  step.floor = real("floor");
  step.gamma = real("gamma");
}

LogicalResult GlobalNormOp::verify() {
  if (getGrads().empty())
    return emitOpError() << "needs at least one gradient";
  return expectScalar(*this, getNorm(), "result");
}

LogicalResult ClipScaleOp::verify() {
  if (failed(expectScalar(*this, getNorm(), "norm")))
    return failure();
  double maxNorm = getMaxNorm().convertToDouble();
  if (!(maxNorm > 0 && maxNorm < 1e30))
    return emitOpError() << "max_norm = " << maxNorm
                         << " must be positive and finite";
  return success();
}

LogicalResult AdamWUpdateOp::verify() {
  if (failed(expectScalar(*this, getStep(), "step")))
    return failure();
  return checkHyperParams(
      *this, "adamw",
      {{"beta1", getBeta1().convertToDouble()},
       {"beta2", getBeta2().convertToDouble()},
       {"eps", getEps().convertToDouble()},
       {"weight_decay", getWeightDecay().convertToDouble()}});
}

LogicalResult SgdWdUpdateOp::verify() {
  if (failed(expectScalar(*this, getLr(), "lr")))
    return failure();
  return checkHyperParams(
      *this, "sgd",
      {{"momentum", getMomentum().convertToDouble()},
       {"weight_decay", getWeightDecay().convertToDouble()}});
}

LogicalResult AccumulateOp::verify() { return success(); }

LogicalResult ResetOp::verify() { return success(); }

} // namespace braid
