// Semantic checks of declarations, names, expressions and the train block.
// Calls of builtins are checked in SemaCalls.cpp.
#include "frontend/SemaInternal.h"
#include "shape/ModelRules.h"

#include <cmath>
#include <limits>
#include <set>

namespace braid::frontend {

std::optional<CheckedModel> checkModel(Model &model,
                                       const BuiltinTable &builtins,
                                       const SemaOptions &options,
                                       DiagnosticEngine &diags) {
  return Sema(builtins, options, diags).run(model);
}

std::optional<CheckedModel> Sema::run(Model &model) {
  result_.name = model.name;
  bindBatch(model);
  for (const Item &item : model.items)
    if (auto *stmt = std::get_if<AssignStmt>(&item))
      laterDefinitions_.emplace(stmt->name, stmt->loc);
    else if (auto *decl = std::get_if<InputDecl>(&item))
      laterDefinitions_.emplace(decl->name, decl->loc);
    else if (auto *decl = std::get_if<ParamDecl>(&item))
      laterDefinitions_.emplace(decl->name, decl->loc);

  const TrainBlock *train = nullptr;
  for (Item &item : model.items) {
    if (diags_.tooManyErrors())
      return std::nullopt;
    if (auto *decl = std::get_if<InputDecl>(&item))
      checkInput(*decl);
    else if (auto *decl = std::get_if<ParamDecl>(&item))
      checkParam(*decl);
    else if (auto *stmt = std::get_if<AssignStmt>(&item))
      checkAssign(*stmt);
    else if (auto *block = std::get_if<TrainBlock>(&item)) {
      if (train) {
        diags_.error(block->loc, "a model has one train block");
        diags_.note(train->loc, "the first train block is here");
      }
      train = block;
    }
  }
  // Outputs and the loss may name anything defined in the model, wherever
  // they stand.
  for (const Item &item : model.items)
    if (auto *decl = std::get_if<OutputDecl>(&item))
      checkOutputs(*decl);
  if (train)
    checkTrain(*train);
  if (!train && result_.outputs.empty() && !diags_.hasErrors())
    diags_.warning(model.loc, "model '" + model.name +
                                  "' has no outputs and no train block");
  if (diags_.hasErrors())
    return std::nullopt;
  return std::move(result_);
}

void Sema::bindBatch(const Model &model) {
  if (options_.batch) {
    result_.batch = *options_.batch;
    return;
  }
  for (const Item &item : model.items)
    if (auto *block = std::get_if<TrainBlock>(&item))
      if (block->batch) {
        result_.batch = block->batch->value;
        return;
      }
}

std::optional<int64_t> Sema::batchAt(Location loc) {
  if (result_.batch > 0)
    return result_.batch;
  if (!batchReported_)
    diags_.error(loc, "the batch size B is not bound: add 'batch = N' to the "
                      "train block or pass --batch N");
  batchReported_ = true;
  return std::nullopt;
}

void Sema::duplicateParam(const std::string &name, Location loc,
                          Location first) {
  diags_.error(loc, "parameter '" + name +
                        "' is created twice; give each instance or layer its "
                        "own name with 'as', e.g. 'as layers[i]'");
  // In a block, the parameter's line is the same for both: show where the
  // first instance was made.
  diags_.note(diags_.useSite(first), "'" + name + "' was first created here");
}

bool Sema::define(const std::string &name, Location loc,
                  std::optional<shape::TensorType> type) {
  if (name == "B") {
    diags_.error(loc, "'B' is the batch size symbol and cannot name a tensor");
    return false;
  }
  auto [it, inserted] = symbols_.emplace(name, Symbol{std::move(type), loc});
  if (!inserted && name.find('.') != std::string::npos) {
    duplicateParam(name, loc, it->second.loc);
    // Its uses would mix the two instances' shapes: keep them silent.
    it->second.type.reset();
    return false;
  }
  if (!inserted) {
    diags_.error(loc, "redefinition of '" + name + "'");
    diags_.note(it->second.loc, "'" + name + "' was first defined here");
    return false;
  }
  return true;
}

std::optional<shape::TensorType> Sema::resolveType(const TypeSpec &spec) {
  shape::TensorType type{spec.element, {}};
  for (const Dim &dim : spec.dims) {
    if (dim.isBatch) {
      std::optional<int64_t> batch = batchAt(dim.loc);
      if (!batch)
        return std::nullopt;
      type.dims.push_back(*batch);
    } else if (dim.value <= 0) {
      diags_.error(dim.loc, "dimension " + std::to_string(dim.value) +
                                " must be positive");
      return std::nullopt;
    } else {
      type.dims.push_back(dim.value);
    }
  }
  if (std::optional<std::string> invalid = shape::checkValid(type)) {
    diags_.error(spec.loc, *invalid);
    return std::nullopt;
  }
  return type;
}

void Sema::checkInput(const InputDecl &decl) {
  std::optional<shape::TensorType> type = resolveType(decl.type);
  if (!define(decl.name, decl.loc, type) || !type)
    return;
  std::vector<int64_t> batchDims;
  for (size_t i = 0; i < decl.type.dims.size(); ++i)
    if (decl.type.dims[i].isBatch)
      batchDims.push_back(static_cast<int64_t>(i));
  result_.inputs.push_back({decl.name, *type, decl.loc, std::move(batchDims)});
}

void Sema::checkParam(const ParamDecl &decl) {
  std::optional<shape::TensorType> type;
  for (const Dim &dim : decl.type.dims)
    if (dim.isBatch) {
      diags_.error(dim.loc, "parameter '" + decl.name +
                                "' cannot depend on the batch size B");
      define(decl.name, decl.loc, std::nullopt);
      return;
    }
  type = resolveType(decl.type);
  if (type && type->element != shape::ElementType::F32) {
    diags_.error(decl.type.loc, "parameter '" + decl.name +
                                    "' must be f32 to be trainable, got " +
                                    shape::toString(*type));
    type.reset();
  }
  bool ok = type.has_value();
  if (!decl.init) {
    diags_.error(decl.loc, "parameter '" + decl.name +
                               "' needs an initializer, e.g. '= "
                               "glorot_uniform' or '= zeros'");
    ok = false;
  } else if (std::optional<std::string> bad =
                 shape::checkInitializer(decl.init->kind, decl.init->args)) {
    diags_.error(decl.init->loc, *bad);
    ok = false;
  }
  if (auto first = paramNames_.find(decl.name); first != paramNames_.end()) {
    duplicateParam(decl.name, decl.loc, first->second);
    // Its uses would mix the two instances' shapes: keep them silent.
    if (auto symbol = symbols_.find(decl.name); symbol != symbols_.end())
      symbol->second.type.reset();
    return;
  }
  if (define(decl.name, decl.loc, ok ? type : std::nullopt) && ok) {
    paramNames_.emplace(decl.name, decl.loc);
    result_.params.push_back({decl.name, *type, *decl.init, decl.loc});
  }
}

void Sema::checkAssign(AssignStmt &stmt) {
  // A null value failed to parse (already reported): define the name without
  // a type, so that its uses stay silent.
  std::optional<shape::TensorType> type;
  if (stmt.value)
    type = checkExpr(*stmt.value, stmt.target.value_or(stmt.name));
  define(stmt.name, stmt.loc, type);
}

void Sema::checkOutputs(const OutputDecl &decl) {
  for (const OutputDecl::Name &output : decl.names) {
    auto it = symbols_.find(output.value.empty() ? output.name : output.value);
    if (it == symbols_.end()) {
      diags_.error(output.loc,
                   "output '" + output.name + "' is not defined in the model");
      continue;
    }
    bool duplicate = false;
    for (const OutputDecl::Name &seen : result_.outputs)
      if (seen.name == output.name) {
        diags_.error(output.loc, "'" + output.name + "' is output twice");
        diags_.note(seen.loc, "first output here");
        duplicate = true;
      }
    if (!duplicate && it->second.type)
      result_.outputs.push_back(output);
  }
}

void Sema::checkTrain(const TrainBlock &block) {
  if (!block.loss || !block.optimizer) {
    diags_.error(block.loc, "the train block needs 'minimize LOSS with "
                            "OPTIMIZER', e.g. 'minimize loss with "
                            "adam(lr = 0.001)'");
    return;
  }
  TrainInfo train;
  train.loss = *block.loss;
  train.lossValue = block.lossValue.empty() ? train.loss : block.lossValue;
  train.batch = result_.batch;
  train.epochs = block.epochs ? block.epochs->value : 1;

  auto it = symbols_.find(train.lossValue);
  if (it == symbols_.end()) {
    diags_.error(block.lossLoc,
                 "loss '" + train.loss + "' is not defined in the model");
  } else if (it->second.type &&
             (it->second.type->rank() != 0 ||
              it->second.type->element != shape::ElementType::F32)) {
    diags_.error(block.lossLoc, "the loss '" + train.loss +
                                    "' must be a scalar f32[], got " +
                                    shape::toString(*it->second.type) +
                                    "; reduce it, e.g. with reduce_mean");
  }
  if (train.batch == 0)
    diags_.error(block.loc, "the train block needs 'batch = N' (or pass "
                            "--batch N)");

  const OptimizerSpec &spec = *block.optimizer;
  train.optimizer = spec.name;
  const std::vector<shape::OptimizerParam> *params =
      shape::optimizerParams(spec.name);
  if (!params) {
    diags_.error(spec.loc, "unknown optimizer '" + spec.name + "'; expected " +
                               shape::optimizerSignatures());
    return;
  }
  std::optional<std::vector<std::pair<std::string, double>>> hyper =
      bindArguments(spec, *params);
  if (!hyper)
    return;
  train.hyperParams = std::move(*hyper);

  if (block.steps)
    train.steps = block.steps->value;
  if (block.accumulate)
    train.accumulate = block.accumulate->value;
  if (block.clipNorm)
    train.clipNorm = *block.clipNorm;
  if (block.schedule) {
    const OptimizerSpec &sched = *block.schedule;
    const std::vector<shape::OptimizerParam> *args =
        shape::scheduleParams(sched.name);
    if (!args) {
      diags_.error(sched.loc, "unknown schedule '" + sched.name +
                                  "'; expected " + shape::scheduleSignatures());
      return;
    }
    std::optional<std::vector<std::pair<std::string, double>>> bound =
        bindArguments(sched, *args);
    if (!bound)
      return;
    std::vector<double> values;
    for (const auto &[name, value] : *bound)
      values.push_back(value);
    if (std::optional<std::string> bad =
            shape::checkSchedule(sched.name, values)) {
      diags_.error(sched.loc, *bad);
      return;
    }
    train.schedule = sched.name;
    train.scheduleArgs = std::move(*bound);
  }
  for (const TrainBlock::Name &entry : block.noDecay) {
    std::string pattern = entry.name;
    bool prefix = !pattern.empty() && pattern.back() == '*';
    if (prefix)
      pattern.pop_back();
    bool found = false;
    for (const ParamInfo &p : result_.params)
      found |= prefix ? p.name.compare(0, pattern.size(), pattern) == 0
                      : p.name == pattern;
    if (!found) {
      std::string names;
      for (const ParamInfo &p : result_.params)
        names += (names.empty() ? "" : ", ") + p.name;
      diags_.error(entry.loc, "no_decay: '" + entry.name +
                                  "' names no parameter; the parameters are " +
                                  names);
      continue;
    }
    train.noDecay.push_back(entry.name);
  }
  result_.train = std::move(train);
}

std::optional<std::vector<std::pair<std::string, double>>>
Sema::bindArguments(const OptimizerSpec &spec,
                    const std::vector<shape::OptimizerParam> &params) {
  bool ok = true;
  std::vector<std::optional<double>> values(params.size());
  for (size_t i = 0; i < spec.args.size(); ++i) {
    const OptimizerSpec::Arg &arg = spec.args[i];
    size_t slot = i;
    if (!arg.name.empty()) {
      slot = params.size();
      for (size_t j = 0; j < params.size(); ++j)
        if (arg.name == params[j].name)
          slot = j;
      if (slot == params.size()) {
        std::string names;
        for (const auto &p : params)
          names += (names.empty() ? "" : ", ") + std::string(p.name);
        diags_.error(arg.loc, spec.name + " has no argument '" + arg.name +
                                  "'; it takes " +
                                  (names.empty() ? "none" : names));
        ok = false;
        continue;
      }
    } else if (slot >= params.size()) {
      diags_.error(arg.loc, spec.name + " takes at most " +
                                std::to_string(params.size()) + " arguments");
      ok = false;
      continue;
    }
    if (values[slot]) {
      diags_.error(arg.loc, std::string(params[slot].name) + " is given twice");
      ok = false;
      continue;
    }
    if (std::optional<std::string> bad =
            shape::checkOptimizerParam(params[slot], arg.value)) {
      diags_.error(arg.loc, spec.name + ": " + *bad);
      ok = false;
    }
    values[slot] = arg.value;
  }
  std::vector<std::pair<std::string, double>> bound;
  for (size_t j = 0; j < params.size(); ++j) {
    if (!values[j] && std::isnan(params[j].defaultValue)) {
      diags_.error(spec.loc,
                   spec.name + " needs its argument '" + params[j].name + "'");
      ok = false;
      continue;
    }
    if (!values[j] && params[j].optional)
      continue;
    bound.emplace_back(params[j].name,
                       values[j].value_or(params[j].defaultValue));
  }
  if (!ok)
    return std::nullopt;
  return bound;
}

std::optional<shape::TensorType> Sema::checkName(NameExpr &expr) {
  if (expr.name == "B") {
    diags_.error(expr.loc, "'B' is the batch size symbol, not a tensor");
    return std::nullopt;
  }
  // A name in a block that the block cannot see: not a model name.
  auto it = expr.outsideBlock ? symbols_.end() : symbols_.find(expr.name);
  if (it != symbols_.end())
    return it->second.type;
  if (expr.outsideBlock) {
    diags_.error(expr.loc, "unknown name '" + expr.name +
                               "' in a block; a block sees its parameters, "
                               "its own names and the file's constants");
    return std::nullopt;
  }
  auto later = laterDefinitions_.find(expr.name);
  if (later != laterDefinitions_.end()) {
    diags_.error(expr.loc, "'" + expr.name + "' is used before its definition");
    diags_.note(later->second, "'" + expr.name + "' is defined here");
    return std::nullopt;
  }
  std::vector<std::string> known;
  for (const auto &[name, symbol] : symbols_)
    // Names the expander made (`h'1`, `a/x`, `a.w`) cannot be written.
    if (name.find_first_of("'/.") == std::string::npos)
      known.push_back(name);
  std::string suggestion = closestMatch(expr.name, known);
  diags_.error(expr.loc, "unknown name '" + expr.name + "'" +
                             (suggestion.empty()
                                  ? std::string()
                                  : "; did you mean '" + suggestion + "'?"));
  return std::nullopt;
}

std::optional<shape::TensorType> Sema::checkExpr(Expr &expr,
                                                 const std::string &target) {
  std::optional<shape::TensorType> type;
  switch (expr.kind) {
  case ExprKind::Number: {
    // A number is a scalar tensor, broadcast against the other operand. It
    // must fit f32: MLIRGen converts it, and a double past f32's range does
    // not convert.
    const auto &number = as<NumberExpr>(expr);
    if (!(std::fabs(number.value) <= std::numeric_limits<float>::max())) {
      diags_.error(expr.loc, "number '" + number.spelling +
                                 "' is out of the range of f32");
      break;
    }
    type = shape::TensorType{shape::ElementType::F32, {}};
    break;
  }
  case ExprKind::Name:
    type = checkName(as<NameExpr>(expr));
    break;
  case ExprKind::List:
    diags_.error(expr.loc, "a list is not a tensor; lists give shapes, axes "
                           "and window sizes to calls");
    break;
  case ExprKind::Unary: {
    auto &unary = as<UnaryExpr>(expr);
    std::optional<shape::TensorType> operand = checkExpr(*unary.operand);
    if (!operand)
      break;
    shape::RuleResult r = shape::unaryFloat(*operand);
    if (r)
      type = r.type();
    else
      diags_.error(expr.loc, "'-': " + r.error());
    break;
  }
  case ExprKind::Binary: {
    auto &binary = as<BinaryExpr>(expr);
    std::optional<shape::TensorType> lhs = checkExpr(*binary.lhs);
    std::optional<shape::TensorType> rhs = checkExpr(*binary.rhs);
    if (!lhs || !rhs)
      break;
    shape::RuleResult r = shape::broadcastBinary(*lhs, *rhs);
    if (r)
      type = r.type();
    else
      diags_.error(expr.loc, std::string("'") + binary.op + "': " + r.error());
    break;
  }
  case ExprKind::Call:
    type = checkCall(as<CallExpr>(expr), target);
    break;
  }
  expr.type = type;
  return type;
}

} // namespace braid::frontend
