// The braid dialect: registration of its ops and attributes, and verification
// of the attributes that carry a model's interface (braid.input, braid.param,
// braid.init, braid.output, braid.loss, braid.model, braid.batch,
// braid.train, braid.replicas), of the autodiff pass's (braid.grad) and of the
// lowering passes' (braid.entry_point, braid.arena_bytes, braid.offset).
#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"
#include "shape/ModelRules.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <climits>
#include <optional>

using namespace mlir;

#include "dialects/braid/IR/BraidDialect.cpp.inc"

namespace braid {

void BraidDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialects/braid/IR/BraidOps.cpp.inc"
      >();
  registerAttributes();
  registerTypes();
}

namespace {

LogicalResult expectName(Operation *op, NamedAttribute attr) {
  auto name = llvm::dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' must be a non-empty string, got "
                           << attr.getValue();
  return success();
}

/// A positive i64, as braid.batch and the train block's batch and epochs are.
LogicalResult expectPositiveInt(Operation *op, StringRef what,
                                Attribute value) {
  auto i = llvm::dyn_cast_or_null<IntegerAttr>(value);
  if (!i || !i.getType().isInteger(64) || i.getInt() <= 0) {
    InFlightDiagnostic diag =
        op->emitError() << "'" << what << "' must be a positive i64, got ";
    if (value)
      diag << value;
    else
      diag << "nothing";
    return diag;
  }
  return success();
}

/// The train block's optional settings: steps and accumulate (positive
/// i64), clip_norm (positive f64), schedule (a dictionary: kind and exactly
/// its arguments, ModelRules' scheduleParams), no_decay (strings).
LogicalResult verifyTrainSettings(ModuleOp module, DictionaryAttr train) {
  for (StringRef key : {"steps", "accumulate"})
    if (Attribute value = train.get(key))
      if (failed(
              expectPositiveInt(module, ("braid.train " + key).str(), value)))
        return failure();
  if (Attribute value = train.get("clip_norm")) {
    auto f = llvm::dyn_cast<FloatAttr>(value);
    if (!f || !f.getType().isF64() || !(f.getValueAsDouble() > 0) ||
        !(f.getValueAsDouble() < 1e30))
      return module.emitError()
             << "'braid.train' clip_norm must be a positive f64, got " << value;
  }
  if (Attribute value = train.get("no_decay")) {
    auto names = llvm::dyn_cast<ArrayAttr>(value);
    if (!names || !llvm::all_of(names, [](Attribute a) {
          auto s = llvm::dyn_cast<StringAttr>(a);
          return s && !s.getValue().empty();
        }))
      return module.emitError() << "'braid.train' no_decay must be an array "
                                   "of parameter names, got "
                                << value;
  }
  Attribute value = train.get("schedule");
  if (!value)
    return success();
  return verifySchedule([&] { return module.emitError() << "'braid.train' "; },
                        value);
}

/// braid.train: the loss (which must name a braid.loss result of @forward),
/// the optimizer and exactly its hyper-parameters (ModelRules), batch (equal to
/// braid.batch) and epochs.
LogicalResult verifyTrain(ModuleOp module, Attribute value) {
  auto train = llvm::dyn_cast<DictionaryAttr>(value);
  if (!train)
    return module.emitError()
           << "'braid.train' must be a dictionary, got " << value;
  auto loss = llvm::dyn_cast_or_null<StringAttr>(train.get("loss"));
  if (!loss || loss.getValue().empty())
    return module.emitError() << "'braid.train' needs a string 'loss'";
  if (failed(
          expectPositiveInt(module, "braid.train batch", train.get("batch"))) ||
      failed(
          expectPositiveInt(module, "braid.train epochs", train.get("epochs"))))
    return failure();
  auto batch = module->getAttrOfType<IntegerAttr>(attrs::kBatch);
  int64_t trainBatch = llvm::cast<IntegerAttr>(train.get("batch")).getInt();
  if (batch && batch.getInt() != trainBatch)
    return module.emitError()
           << "'braid.train' batch = " << trainBatch
           << " differs from braid.batch = " << batch.getInt();

  auto optimizer = llvm::dyn_cast_or_null<StringAttr>(train.get("optimizer"));
  const std::vector<shape::OptimizerParam> *params =
      shape::optimizerParams(optimizer ? optimizer.getValue() : "");
  if (!params) {
    InFlightDiagnostic diag = module.emitError()
                              << "'braid.train' optimizer must be \"sgd\", "
                                 "\"adam\" or \"adamw\", got ";
    if (Attribute given = train.get("optimizer"))
      diag << given;
    else
      diag << "nothing";
    return diag;
  }
  for (const shape::OptimizerParam &param : *params) {
    auto f = llvm::dyn_cast_or_null<FloatAttr>(train.get(param.name));
    if (!train.get(param.name) && param.optional)
      continue;
    if (!f || !f.getType().isF64())
      return module.emitError() << "'braid.train' needs an f64 '" << param.name
                                << "' for " << optimizer;
    if (std::optional<std::string> bad =
            shape::checkOptimizerParam(param, f.getValueAsDouble()))
      return module.emitError() << "'braid.train' " << *bad;
  }
  for (NamedAttribute entry : train) {
    StringRef key = entry.getName().getValue();
    bool known = key == "loss" || key == "optimizer" || key == "batch" ||
                 key == "epochs" || key == "steps" || key == "accumulate" ||
                 key == "clip_norm" || key == "schedule" || key == "no_decay";
    for (const shape::OptimizerParam &param : *params)
      known |= key == param.name;
    if (!known)
      return module.emitError() << "'braid.train' has unknown key '" << key
                                << "' for optimizer " << optimizer;
  }

  if (failed(verifyTrainSettings(module, train)))
    return failure();

  // The loss must be a result of @forward marked braid.loss, when the module
  // has a @forward.
  auto forward = llvm::dyn_cast_or_null<FunctionOpInterface>(
      SymbolTable::lookupSymbolIn(module, "forward"));
  if (!forward)
    return success();
  for (unsigned i = 0, e = forward.getNumResults(); i < e; ++i)
    if (forward.getResultAttr(i, attrs::kLoss) == loss)
      return success();
  return module.emitError() << "'braid.train' loss " << loss
                            << " is not a braid.loss result of @forward";
}

/// The index of `func`'s first argument named by braid.input, braid.param or
/// braid.state, if any.
std::optional<unsigned> firstNamedArg(FunctionOpInterface func) {
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    for (StringRef key : {attrs::kInput, attrs::kParam, attrs::kState})
      if (func.getArgAttr(i, key))
        return i;
  return std::nullopt;
}

/// Two arguments may not share a name: an input or parameter no earlier
/// input or parameter's, optimizer state (named like parameters) no
/// parameter's nor earlier state's. Checked for the whole function at once,
/// with hash maps, so that a function of n arguments costs O(n) and not the
/// O(n^2) of a search per argument. Names that are not non-empty strings are
/// left to expectName.
LogicalResult expectUniqueArgNames(FunctionOpInterface func) {
  // The names of each argument, read once; names are uniqued StringAttrs,
  // so the maps below compare pointers.
  struct Names {
    StringAttr input, param, state;
  };
  unsigned count = func.getNumArguments();
  SmallVector<Names> names(count);
  auto named = [](DictionaryAttr dict, StringRef key) {
    auto name = dict.getAs<StringAttr>(key);
    return name && !name.getValue().empty() ? name : StringAttr();
  };
  for (unsigned i = 0; i < count; ++i)
    if (DictionaryAttr dict = func.getArgAttrDict(i))
      names[i] = {named(dict, attrs::kInput), named(dict, attrs::kParam),
                  named(dict, attrs::kState)};
  // The two lowest indices of the parameters of each name: a state argument
  // may not share a name with any other parameter, earlier or later.
  llvm::DenseMap<StringAttr, std::pair<unsigned, unsigned>> params;
  params.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    if (!names[i].param)
      continue;
    auto [it, inserted] =
        params.try_emplace(names[i].param, std::make_pair(i, UINT_MAX));
    if (!inserted && it->second.second == UINT_MAX)
      it->second.second = i;
  }
  llvm::DenseMap<StringAttr, unsigned> inputsAndParams, states;
  inputsAndParams.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    std::optional<unsigned> clash;
    StringAttr clashName;
    auto consider = [&](unsigned j, StringAttr name) {
      if (!clash || j < *clash) {
        clash = j;
        clashName = name;
      }
    };
    for (StringAttr name : {names[i].input, names[i].param}) {
      if (!name)
        continue;
      auto [it, inserted] = inputsAndParams.try_emplace(name, i);
      if (!inserted)
        consider(it->second, name);
    }
    if (StringAttr name = names[i].state) {
      auto param = params.find(name);
      if (param != params.end()) {
        unsigned j = param->second.first != i ? param->second.first
                                              : param->second.second;
        if (j != UINT_MAX)
          consider(j, name);
      }
      auto [it, inserted] = states.try_emplace(name, i);
      if (!inserted)
        consider(it->second, name);
    }
    if (clash)
      return func.emitError() << "arguments #" << *clash << " and #" << i
                              << " are both named " << clashName;
  }
  return success();
}

/// The uniqueness of the arguments' names, checked once per function: when
/// the attribute being verified is on its first named argument.
LogicalResult expectUniqueArgName(FunctionOpInterface func, unsigned argIndex) {
  if (firstNamedArg(func) != argIndex)
    return success();
  return expectUniqueArgNames(func);
}

/// Every braid.grad result names a braid.param argument of the same
/// function and has its type. Checked for all results at once, on the first
/// braid.grad result, with a map from the parameters' names: O(arguments +
/// results) rather than a search of the arguments per gradient.
LogicalResult expectGradsMatchParams(FunctionOpInterface func,
                                     unsigned resultIndex) {
  for (unsigned r = 0; r < resultIndex; ++r)
    if (func.getResultAttr(r, attrs::kGrad))
      return success();
  llvm::StringMap<unsigned> params;
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kParam))
      params.try_emplace(name.getValue(), i);
  for (unsigned r = resultIndex, e = func.getNumResults(); r < e; ++r) {
    auto name = func.getResultAttrOfType<StringAttr>(r, attrs::kGrad);
    if (!name || name.getValue().empty())
      continue;
    Type type = func.getResultTypes()[r];
    auto param = params.find(name.getValue());
    if (param == params.end())
      return func.emitError() << "gradient result #" << r
                              << " names no braid.param argument: " << name;
    Type paramType = func.getArgumentTypes()[param->second];
    if (paramType != type)
      return func.emitError()
             << "gradient result #" << r << " has type " << type
             << " but parameter " << name << " has type " << paramType;
  }
  return success();
}

/// braid.predict_batches: positive, strictly ascending, the last braid.batch.
LogicalResult verifyPredictBatches(ModuleOp module, Attribute value) {
  auto batches = llvm::dyn_cast<DenseI64ArrayAttr>(value);
  auto batch = module->getAttrOfType<IntegerAttr>(attrs::kBatch);
  if (!batches || batches.empty())
    return module.emitError()
           << "'" << attrs::kPredictBatches
           << "' must be a non-empty array<i64>, got " << value;
  for (auto [i, b] : llvm::enumerate(batches.asArrayRef()))
    if (b <= 0 || (i > 0 && b <= batches[i - 1]))
      return module.emitError()
             << "'" << attrs::kPredictBatches
             << "' must be positive and strictly ascending, got " << value;
  if (!batch || batch.getInt() != batches.asArrayRef().back())
    return module.emitError() << "'" << attrs::kPredictBatches
                              << "' must end with braid.batch, got " << value;
  return success();
}

} // namespace

LogicalResult BraidDialect::verifyOperationAttribute(Operation *op,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == attrs::kInput || name == attrs::kParam || name == attrs::kInit)
    return op->emitError() << "'" << name << "' belongs on a function argument";
  if (name == attrs::kOutput || name == attrs::kLoss || name == attrs::kGrad)
    return op->emitError() << "'" << name << "' belongs on a function result";
  if (name == attrs::kEntryPoint || name == attrs::kArenaBytes) {
    if (!llvm::isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << name << "' belongs on a function";
    return name == attrs::kEntryPoint
               ? expectName(op, attr)
               : expectPositiveInt(op, name, attr.getValue());
  }
  if (name == attrs::kKernel) {
    if (!llvm::isa<FunctionOpInterface>(op) ||
        !llvm::isa<UnitAttr>(attr.getValue()))
      return op->emitError()
             << "'" << name << "' must be a unit attribute on a function";
    return success();
  }
  if (name == attrs::kOffset) {
    auto offset = llvm::dyn_cast<IntegerAttr>(attr.getValue());
    if (!llvm::isa_and_nonnull<BraidDialect>(op->getDialect()))
      return op->emitError() << "'" << name << "' belongs on a braid op";
    if (!offset || !offset.getType().isInteger(64) || offset.getInt() < 0)
      return op->emitError()
             << "'" << name << "' must be a non-negative i64, got "
             << attr.getValue();
    return success();
  }
  auto module = llvm::dyn_cast<ModuleOp>(op);
  if (!module)
    return op->emitError() << "'" << name << "' belongs on the module";
  if (name == attrs::kModel)
    return expectName(op, attr);
  if (name == attrs::kBatch || name == attrs::kReplicas)
    return expectPositiveInt(op, name, attr.getValue());
  if (name == attrs::kTrain)
    return verifyTrain(module, attr.getValue());
  if (name == attrs::kPredictBatches)
    return verifyPredictBatches(module, attr.getValue());
  return op->emitError() << "unknown module attribute '" << name << "'";
}

LogicalResult BraidDialect::verifyRegionArgAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned argIndex,
                                                     NamedAttribute attr) {
  auto func = llvm::dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' belongs on a function argument";
  StringRef name = attr.getName().getValue();
  Type type = func.getArgumentTypes()[argIndex];
  std::optional<shape::TensorType> tensor = toShapeType(type);
  if (name == attrs::kInput) {
    if (!tensor)
      return op->emitError()
             << "input argument #" << argIndex
             << " must be a static f32 or i32 tensor, got " << type;
    return failure(failed(expectName(op, attr)) ||
                   failed(expectUniqueArgName(func, argIndex)));
  }
  if (name == attrs::kParam) {
    if (!tensor || tensor->element != shape::ElementType::F32)
      return op->emitError() << "parameter argument #" << argIndex
                             << " must be a static f32 tensor, got " << type;
    if (!func.getArgAttr(argIndex, attrs::kInit))
      return op->emitError()
             << "parameter argument #" << argIndex << " has no 'braid.init'";
    return failure(failed(expectName(op, attr)) ||
                   failed(expectUniqueArgName(func, argIndex)));
  }
  if (name == attrs::kInit) {
    if (!llvm::isa<InitializerAttr>(attr.getValue()))
      return op->emitError()
             << "'braid.init' must be a #braid.init, got " << attr.getValue();
    if (!func.getArgAttr(argIndex, attrs::kParam))
      return op->emitError() << "'braid.init' on argument #" << argIndex
                             << ", which is not a 'braid.param'";
    return success();
  }
  if (name == attrs::kBatchDims) {
    // The batch rows of an input: distinct dimensions in increasing order,
    // all of one size (the batch, or a replica's share of it).
    auto dims = llvm::dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!dims || dims.empty())
      return op->emitError() << "'braid.batch_dims' must be a non-empty "
                                "array<i64>, got "
                             << attr.getValue();
    if (!func.getArgAttr(argIndex, attrs::kInput))
      return op->emitError() << "'braid.batch_dims' on argument #" << argIndex
                             << ", which is not a 'braid.input'";
    int64_t previous = -1;
    for (int64_t dim : dims.asArrayRef()) {
      if (!tensor || dim <= previous ||
          dim >= static_cast<int64_t>(tensor->rank()))
        return op->emitError() << "'braid.batch_dims' of argument #" << argIndex
                               << " must be increasing dimensions of its type "
                               << type << ", got " << attr.getValue();
      if (tensor->dims[dim] != tensor->dims[dims[0]])
        return op->emitError()
               << "'braid.batch_dims' of argument #" << argIndex
               << " names dimensions of different sizes in " << type;
      previous = dim;
    }
    return success();
  }
  if (name == attrs::kState) {
    if (!tensor || tensor->element != shape::ElementType::F32)
      return op->emitError() << "state argument #" << argIndex
                             << " must be a static f32 tensor, got " << type;
    return failure(failed(expectName(op, attr)) ||
                   failed(expectUniqueArgName(func, argIndex)));
  }
  return op->emitError() << "unknown argument attribute '" << name << "'";
}

LogicalResult BraidDialect::verifyRegionResultAttribute(Operation *op,
                                                        unsigned regionIndex,
                                                        unsigned resultIndex,
                                                        NamedAttribute attr) {
  auto func = llvm::dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' belongs on a function result";
  StringRef name = attr.getName().getValue();
  if (name == attrs::kOutput)
    return expectName(op, attr);
  if (name == attrs::kLoss) {
    Type type = func.getResultTypes()[resultIndex];
    std::optional<shape::TensorType> tensor = toShapeType(type);
    if (!tensor || tensor->element != shape::ElementType::F32 ||
        tensor->rank() != 0)
      return op->emitError() << "loss result #" << resultIndex
                             << " must be tensor<f32>, got " << type;
    return expectName(op, attr);
  }
  if (name == attrs::kGrad) {
    if (failed(expectName(op, attr)))
      return failure();
    return expectGradsMatchParams(func, resultIndex);
  }
  return op->emitError() << "unknown result attribute '" << name << "'";
}

} // namespace braid
