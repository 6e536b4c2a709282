// Semantic checks of a parsed model: names, types, shapes, initializers and
// the train block. Annotates the AST (expression types, resolved calls) and
// returns the model's interface for MLIRGen.
#ifndef BRAID_FRONTEND_SEMA_H
#define BRAID_FRONTEND_SEMA_H

#include "frontend/AST.h"

namespace braid::frontend {

struct InputInfo {
  std::string name;
  shape::TensorType type;
  Location loc;
  /// The dimensions declared as `B`, in increasing order: the batch rows
  /// that data parallelism splits (braid.batch_dims in the IR).
  std::vector<int64_t> batchDims;
};

/// A trainable parameter: declared with `param`, or created by layer sugar
/// (named "<layer>.w" and "<layer>.b").
struct ParamInfo {
  std::string name;
  shape::TensorType type;
  InitSpec init;
  Location loc;
};

struct TrainInfo {
  std::string loss;
  /// The value the loss names (its last rebinding: Expand.h).
  std::string lossValue;
  std::string optimizer;
  /// Every hyper-parameter of the optimizer, defaults filled in, in the
  /// optimizer's positional order.
  std::vector<std::pair<std::string, double>> hyperParams;
  int64_t batch = 0;
  int64_t epochs = 1;
  /// steps = N (0: epochs decide); accumulate = K.
  int64_t steps = 0;
  int64_t accumulate = 1;
  /// clip_norm = C (0: no clipping).
  double clipNorm = 0;
  /// schedule = NAME(args): empty without one; every argument, defaults
  /// filled in, in the schedule's positional order.
  std::string schedule;
  std::vector<std::pair<std::string, double>> scheduleArgs;
  /// no_decay: names and prefixes ("norm*") of parameters without decay.
  std::vector<std::string> noDecay;
};

/// What MLIRGen needs beyond the annotated AST.
struct CheckedModel {
  std::string name;
  /// The value of B; 0 when B is bound nowhere (then nothing uses it).
  int64_t batch = 0;
  std::vector<InputInfo> inputs;
  std::vector<ParamInfo> params;
  std::vector<OutputDecl::Name> outputs;
  std::optional<TrainInfo> train;
};

struct SemaOptions {
  /// --batch: binds B, overriding the train block's batch.
  std::optional<int64_t> batch;
};

/// Whether `call` is the layer form of conv2d, conv2d(x, 6, kernel = 5): an
/// argument only the layer takes, or a (negated) number second, decides.
bool isConvLayer(const CallExpr &call);

/// Checks `model`, whose calls name functions of `builtins`. Returns its
/// interface, or nullopt when any error was reported (every error it finds is
/// reported, not just the first).
std::optional<CheckedModel> checkModel(Model &model,
                                       const BuiltinTable &builtins,
                                       const SemaOptions &options,
                                       DiagnosticEngine &diags);

} // namespace braid::frontend

#endif // BRAID_FRONTEND_SEMA_H
