// The semantic checker's state, shared by Sema.cpp (declarations, names, the
// train block) and SemaCalls.cpp (calls of builtins). Not a public header.
#ifndef BRAID_FRONTEND_SEMAINTERNAL_H
#define BRAID_FRONTEND_SEMAINTERNAL_H

#include "frontend/Sema.h"
#include "shape/ModelRules.h"

#include <map>

namespace braid::frontend {

class Sema {
public:
  Sema(const BuiltinTable &builtins, const SemaOptions &options,
       DiagnosticEngine &diags)
      : builtins_(builtins), options_(options), diags_(diags) {}

  std::optional<CheckedModel> run(Model &model);

private:
  struct Symbol {
    /// Unset when the definition had an error: uses stay silent.
    std::optional<shape::TensorType> type;
    Location loc;
  };

  // Sema.cpp
  void bindBatch(const Model &model);
  bool define(const std::string &name, Location loc,
              std::optional<shape::TensorType> type);
  std::optional<shape::TensorType> resolveType(const TypeSpec &spec);
  void checkInput(const InputDecl &decl);
  void checkParam(const ParamDecl &decl);
  void checkAssign(AssignStmt &stmt);
  void checkOutputs(const OutputDecl &decl);
  void checkTrain(const TrainBlock &block);
  /// Binds `spec`'s positional and named arguments to `params`, reporting
  /// unknown, repeated, missing (default NaN) and out-of-range ones; every
  /// value, defaults filled in, or nullopt after an error. Optional
  /// parameters not given are left out.
  std::optional<std::vector<std::pair<std::string, double>>>
  bindArguments(const OptimizerSpec &spec,
                const std::vector<shape::OptimizerParam> &params);
  /// The tensor type of `expr`, or nullopt after reporting why it has none.
  /// `target` is the assignment's name when `expr` is its whole right side.
  std::optional<shape::TensorType> checkExpr(Expr &expr,
                                             const std::string &target = "");
  std::optional<shape::TensorType> checkName(NameExpr &expr);
  std::optional<int64_t> batchAt(Location loc);

  // SemaCalls.cpp
  std::optional<shape::TensorType> checkCall(CallExpr &call,
                                             const std::string &target);
  std::optional<int64_t> evalInt(const Expr *expr, const char *what);
  std::optional<double> evalFloat(const Expr *expr, const char *what);
  std::optional<std::vector<int64_t>> evalIntPair(const Expr *expr,
                                                  const char *what);
  std::optional<std::vector<int64_t>> evalIntList(const Expr *expr,
                                                  const char *what);
  std::optional<std::vector<int64_t>> evalShape(const Expr *expr,
                                                bool allowInferred);
  std::optional<Activation> evalActivation(const Expr *expr);
  /// gelu's `approximate`: none (the erf form) or tanh, as PyTorch's.
  std::optional<Activation> evalApproximation(const Expr *expr);
  std::optional<bool> evalBool(const Expr *expr, const char *what);
  /// Creates a layer's parameter and returns its index in params.
  size_t addLayerParam(const std::string &name, shape::TensorType type,
                       const char *init, Location loc);
  std::string layerName(const std::string &target, const char *kind);
  /// Reports a parameter name created twice (two instances or layers with
  /// one name).
  void duplicateParam(const std::string &name, Location loc, Location first);

  const BuiltinTable &builtins_;
  const SemaOptions &options_;
  DiagnosticEngine &diags_;
  CheckedModel result_;
  std::map<std::string, Symbol> symbols_;
  /// Inputs, parameters and assignments anywhere in the model, to tell "used
  /// before its definition" from "unknown".
  std::map<std::string, Location> laterDefinitions_;
  /// Where B was bound (the train block's batch), for messages.
  bool batchReported_ = false;
  std::map<std::string, unsigned> layerCounts_;
  /// Every parameter's name, declared or created by a layer.
  std::map<std::string, Location> paramNames_;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_SEMAINTERNAL_H
