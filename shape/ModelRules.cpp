// Rules of parameter initializers and optimizer hyper-parameters.
#include "shape/ModelRules.h"

#include <cmath>
#include <initializer_list>
#include <sstream>

namespace braid::shape {
namespace {

size_t arity(std::string_view kind) {
  if (kind == "constant")
    return 1;
  if (kind == "uniform" || kind == "normal")
    return 2;
  return 0;
}

std::string format(double value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

} // namespace

const std::vector<std::string_view> &initializerKinds() {
  static const std::vector<std::string_view> kinds = {
      "zeros",  "ones",           "constant", "uniform",
      "normal", "glorot_uniform", "he_normal"};
  return kinds;
}

std::optional<std::string> checkInitializer(std::string_view kind,
                                            const std::vector<double> &args) {
  bool known = false;
  for (std::string_view k : initializerKinds())
    known |= k == kind;
  if (!known)
    return "unknown initializer '" + std::string(kind) +
           "'; expected zeros, ones, constant(v), uniform(low, high), "
           "normal(mean, std), glorot_uniform or he_normal";
  if (args.size() != arity(kind))
    return "initializer '" + std::string(kind) + "' takes " +
           std::to_string(arity(kind)) + " argument(s), got " +
           std::to_string(args.size());
  for (double a : args)
    if (!std::isfinite(a))
      return "initializer '" + std::string(kind) +
             "' has a non-finite argument";
  if (kind == "uniform" && !(args[0] < args[1]))
    return "uniform(" + format(args[0]) + ", " + format(args[1]) +
           ") needs low < high";
  if (kind == "normal" && !(args[1] > 0))
    return "normal(" + format(args[0]) + ", " + format(args[1]) +
           ") needs a positive standard deviation";
  return std::nullopt;
}

const std::vector<OptimizerParam> *optimizerParams(std::string_view optimizer) {
  static const std::vector<OptimizerParam> sgd = {
      {"lr", 0.01, 0, 1e6, true},
      {"momentum", 0.0, 0, 1, false},
      {"weight_decay", 0.0, 0, 1e6, false, /*optional=*/true},
  };
  // PyTorch's AdamW defaults.
  static const std::vector<OptimizerParam> adamw = {
      {"lr", 0.001, 0, 1e6, true},           {"beta1", 0.9, 0, 1, false},
      {"beta2", 0.999, 0, 1, false},         {"eps", 1e-8, 0, 1, true},
      {"weight_decay", 0.01, 0, 1e6, false},
  };
  static const std::vector<OptimizerParam> adam = {
      {"lr", 0.001, 0, 1e6, true},
      {"beta1", 0.9, 0, 1, false},
      {"beta2", 0.999, 0, 1, false},
      {"eps", 1e-8, 0, 1, true},
  };
  if (optimizer == "sgd")
    return &sgd;
  if (optimizer == "adam")
    return &adam;
  if (optimizer == "adamw")
    return &adamw;
  return nullptr;
}

const std::vector<OptimizerParam> *scheduleParams(std::string_view schedule) {
  const double required = std::nan("");
  static const std::vector<OptimizerParam> constant = {};
  static const std::vector<OptimizerParam> warmup = {
      {"warmup", required, 0, 1e12, false, false, true},
      {"total", required, 1, 1e12, false, false, true},
      {"floor", 0.0, 0, 1, false, false, false, /*maxInclusive=*/true},
  };
  static const std::vector<OptimizerParam> stepDecay = {
      {"every", required, 1, 1e12, false, false, true},
      {"gamma", required, 0, 1, true, false, false, /*maxInclusive=*/true},
  };
  if (schedule == "constant")
    return &constant;
  if (schedule == "warmup_cosine" || schedule == "warmup_linear")
    return &warmup;
  if (schedule == "step_decay")
    return &stepDecay;
  return nullptr;
}

namespace {
/// "a(x, y), b or c(z)": each name with its arguments from `lookup`.
std::string
signatures(std::initializer_list<std::string_view> names,
           const std::vector<OptimizerParam> *(*lookup)(std::string_view)) {
  std::string text;
  size_t i = 0;
  for (std::string_view name : names) {
    if (i++)
      text += i == names.size() ? " or " : ", ";
    text += name;
    const std::vector<OptimizerParam> &params = *lookup(name);
    for (size_t j = 0; j < params.size(); ++j)
      text += (j ? ", " : "(") + std::string(params[j].name);
    if (!params.empty())
      text += ")";
  }
  return text;
}
} // namespace

std::string optimizerSignatures() {
  return signatures({"sgd", "adam", "adamw"}, optimizerParams);
}

std::string scheduleSignatures() {
  return signatures(
      {"constant", "warmup_cosine", "warmup_linear", "step_decay"},
      scheduleParams);
}

std::optional<std::string> checkSchedule(std::string_view schedule,
                                         const std::vector<double> &values) {
  if ((schedule == "warmup_cosine" || schedule == "warmup_linear") &&
      values.size() == 3 && values[0] > values[1])
    return std::string(schedule) + ": warmup = " + format(values[0]) +
           " is longer than total = " + format(values[1]);
  return std::nullopt;
}

std::optional<std::string> checkOptimizerParam(const OptimizerParam &param,
                                               double value) {
  bool aboveMin = param.minExclusive ? value > param.min : value >= param.min;
  if (param.integer && value != std::floor(value))
    return std::string(param.name) + " = " + format(value) +
           " is not an integer";
  bool belowMax = param.maxInclusive ? value <= param.max : value < param.max;
  if (std::isfinite(value) && aboveMin && belowMax)
    return std::nullopt;
  return std::string(param.name) + " = " + format(value) + " is out of range " +
         (param.minExclusive ? "(" : "[") + format(param.min) + ", " +
         format(param.max) + (param.maxInclusive ? "]" : ")");
}

} // namespace braid::shape
