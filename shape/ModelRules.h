// Rules of a model's interface attributes that the dialect's verifiers and the
// front end's semantic checks share: parameter initializers and optimizer
// hyper-parameters. Plain C++, like the shape rules beside it.
#ifndef BRAID_SHAPE_MODELRULES_H
#define BRAID_SHAPE_MODELRULES_H

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace braid::shape {

/// The initializer kinds, as written in the language and in #braid.init.
const std::vector<std::string_view> &initializerKinds();

/// Why `kind(args)` is not a valid initializer, or nullopt when it is: a known
/// kind, the right number of finite arguments, low < high for uniform and a
/// positive standard deviation for normal.
std::optional<std::string> checkInitializer(std::string_view kind,
                                            const std::vector<double> &args);

/// One hyper-parameter of an optimizer, with its default and valid range.
struct OptimizerParam {
  const char *name;
  double defaultValue;
  double min;
  double max; // exclusive
  bool minExclusive;
  /// May be absent from braid.train (then its default): sgd's weight_decay,
  /// so that models written before it keep their IR.
  bool optional = false;
  /// Takes integers only (a schedule's step counts).
  bool integer = false;
  /// max itself is allowed (a schedule's floor and gamma may be 1).
  bool maxInclusive = false;
};

/// The hyper-parameters of "sgd" (lr, momentum) or "adam" (lr, beta1, beta2,
/// eps) in positional order, or null for an unknown optimizer. Defaults are
/// Keras's learning rates and PyTorch's other defaults.
const std::vector<OptimizerParam> *optimizerParams(std::string_view optimizer);

/// The optimizers as a user writes them, for an error's "expected ...":
/// "sgd(lr, momentum, weight_decay), adam(...) or adamw(...)".
std::string optimizerSignatures();

/// The arguments of a learning-rate schedule ("constant", "warmup_cosine",
/// "warmup_linear", "step_decay") in positional order, or null for an
/// unknown schedule. An argument with default NaN is required.
const std::vector<OptimizerParam> *scheduleParams(std::string_view schedule);

/// The schedules as a user writes them, for an error's "expected ...".
std::string scheduleSignatures();

/// Why a schedule's complete arguments (in scheduleParams order) do not
/// agree with each other (warm-up longer than the total), or nullopt.
std::optional<std::string> checkSchedule(std::string_view schedule,
                                         const std::vector<double> &values);

/// Why `value` is out of `param`'s range, or nullopt.
std::optional<std::string> checkOptimizerParam(const OptimizerParam &param,
                                               double value);

} // namespace braid::shape

#endif // BRAID_SHAPE_MODELRULES_H
