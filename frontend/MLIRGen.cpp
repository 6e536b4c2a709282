// MLIRGen: the checked AST to the braid dialect.
#include "frontend/MLIRGen.h"
#include "shape/ModelRules.h"

#include "dialects/braid/IR/BraidOps.h"
#include "dialects/braid/IR/ShapeBridge.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include <map>

using namespace mlir;

namespace braid::frontend {
namespace {

class Generator {
public:
  Generator(MLIRContext &context, const CheckedModel &checked,
            llvm::StringRef fileName,
            const std::vector<InstanceNote> *instances)
      : context_(context), builder_(&context), checked_(checked),
        fileName_(StringAttr::get(&context, fileName)), instances_(instances) {}

  OwningOpRef<ModuleOp> run(const Model &model);

private:
  mlir::Location loc(frontend::Location l) {
    mlir::Location at = FileLineColLoc::get(fileName_, l.line, l.column);
    // In a block instance: called from the use site (loop iterations add
    // nothing a reader needs; they are skipped).
    for (uint32_t id = l.instance; instances_ && id && id <= instances_->size();
         id = (*instances_)[id - 1].loc.instance) {
      const InstanceNote &instance = (*instances_)[id - 1];
      if (instance.isCall)
        return CallSiteLoc::get(at, loc(instance.loc));
    }
    return at;
  }
  void setInterfaceAttrs(ModuleOp module);
  func::FuncOp createForward(const Model &model);
  Value gen(const Expr &expr);
  Value genCall(const CallExpr &call);
  Value createByName(llvm::StringRef opName, ValueRange operands,
                     mlir::Location at);
  Value activate(Value value, Activation activation, mlir::Location at);
  Value scalar(double value, mlir::Location at);

  MLIRContext &context_;
  OpBuilder builder_;
  const CheckedModel &checked_;
  StringAttr fileName_;
  const std::vector<InstanceNote> *instances_;
  std::map<std::string, Value> values_;
  /// Block arguments of the parameters, by index in checked_.params.
  std::vector<Value> params_;
  /// The dropouts generated so far: the next one's salt is this plus 1.
  int32_t dropouts_ = 0;
};

void Generator::setInterfaceAttrs(ModuleOp module) {
  module->setAttr(attrs::kModel, builder_.getStringAttr(checked_.name));
  if (checked_.batch > 0)
    module->setAttr(attrs::kBatch, builder_.getI64IntegerAttr(checked_.batch));
  if (const std::optional<TrainInfo> &train = checked_.train) {
    SmallVector<NamedAttribute> entries = {
        builder_.getNamedAttr("loss", builder_.getStringAttr(train->loss)),
        builder_.getNamedAttr("optimizer",
                              builder_.getStringAttr(train->optimizer)),
        builder_.getNamedAttr("batch",
                              builder_.getI64IntegerAttr(train->batch)),
        builder_.getNamedAttr("epochs",
                              builder_.getI64IntegerAttr(train->epochs)),
    };
    for (const auto &[name, value] : train->hyperParams)
      entries.push_back(
          builder_.getNamedAttr(name, builder_.getF64FloatAttr(value)));
    // The settings transformers need, each only when the block sets it, so
    // that models without them keep their IR.
    if (train->steps > 0)
      entries.push_back(builder_.getNamedAttr(
          "steps", builder_.getI64IntegerAttr(train->steps)));
    if (train->accumulate > 1)
      entries.push_back(builder_.getNamedAttr(
          "accumulate", builder_.getI64IntegerAttr(train->accumulate)));
    if (train->clipNorm > 0)
      entries.push_back(builder_.getNamedAttr(
          "clip_norm", builder_.getF64FloatAttr(train->clipNorm)));
    if (!train->schedule.empty()) {
      SmallVector<NamedAttribute> schedule = {builder_.getNamedAttr(
          "kind", builder_.getStringAttr(train->schedule))};
      const std::vector<shape::OptimizerParam> &params =
          *shape::scheduleParams(train->schedule);
      for (auto [param, arg] : llvm::zip(params, train->scheduleArgs))
        schedule.push_back(builder_.getNamedAttr(
            arg.first, param.integer
                           ? Attribute(builder_.getI64IntegerAttr(
                                 static_cast<int64_t>(arg.second)))
                           : Attribute(builder_.getF64FloatAttr(arg.second))));
      entries.push_back(builder_.getNamedAttr(
          "schedule", builder_.getDictionaryAttr(schedule)));
    }
    if (!train->noDecay.empty()) {
      SmallVector<Attribute> names;
      for (const std::string &name : train->noDecay)
        names.push_back(builder_.getStringAttr(name));
      entries.push_back(
          builder_.getNamedAttr("no_decay", builder_.getArrayAttr(names)));
    }
    module->setAttr(attrs::kTrain, builder_.getDictionaryAttr(entries));
  }
}

func::FuncOp Generator::createForward(const Model &model) {
  SmallVector<Type> argTypes, resultTypes;
  for (const InputInfo &input : checked_.inputs)
    argTypes.push_back(toMlirType(&context_, input.type));
  for (const ParamInfo &param : checked_.params)
    argTypes.push_back(toMlirType(&context_, param.type));
  // Results: the outputs in order, then the loss unless it is an output too.
  // They are looked up by the value each names (its last rebinding).
  std::vector<std::string> results;
  for (const OutputDecl::Name &output : checked_.outputs)
    results.push_back(output.value.empty() ? output.name : output.value);
  int lossIndex = -1;
  if (checked_.train) {
    auto it =
        std::find(results.begin(), results.end(), checked_.train->lossValue);
    lossIndex = it - results.begin();
    if (it == results.end())
      results.push_back(checked_.train->lossValue);
  }
  // Result types are filled in once the body exists.
  auto func = func::FuncOp::create(builder_, loc(model.loc), "forward",
                                   builder_.getFunctionType(argTypes, {}));
  // The argument attributes are set all at once: setting one argument's
  // rebuilds the whole array, O(n^2) for n parameters.
  SmallVector<DictionaryAttr> argAttrs;
  for (const InputInfo &input : checked_.inputs) {
    SmallVector<NamedAttribute, 2> attrs{builder_.getNamedAttr(
        attrs::kInput, builder_.getStringAttr(input.name))};
    if (!input.batchDims.empty())
      attrs.push_back(builder_.getNamedAttr(
          attrs::kBatchDims, builder_.getDenseI64ArrayAttr(input.batchDims)));
    argAttrs.push_back(builder_.getDictionaryAttr(attrs));
  }
  for (const ParamInfo &param : checked_.params) {
    std::optional<InitKind> kind = symbolizeInitKind(param.init.kind);
    argAttrs.push_back(builder_.getDictionaryAttr(
        {builder_.getNamedAttr(attrs::kParam,
                               builder_.getStringAttr(param.name)),
         builder_.getNamedAttr(
             attrs::kInit,
             InitializerAttr::get(&context_, *kind, param.init.args))}));
  }
  func.setAllArgAttrs(argAttrs);

  Block *entry = func.addEntryBlock();
  builder_.setInsertionPointToStart(entry);
  // Arguments are located at their declarations, so that diagnostics about
  // a parameter (an unused one, say) point at its `param` line.
  for (size_t i = 0; i < checked_.inputs.size(); ++i) {
    entry->getArgument(i).setLoc(loc(checked_.inputs[i].loc));
    values_[checked_.inputs[i].name] = entry->getArgument(i);
  }
  for (size_t j = 0; j < checked_.params.size(); ++j) {
    BlockArgument value = entry->getArgument(checked_.inputs.size() + j);
    value.setLoc(loc(checked_.params[j].loc));
    params_.push_back(value);
    values_[checked_.params[j].name] = value;
  }

  for (const Item &item : model.items) {
    const auto *stmt = std::get_if<AssignStmt>(&item);
    if (!stmt)
      continue;
    Value value = gen(*stmt->value);
    // Name the op that computes an assignment after its target, so the IR
    // reads like the model (an alias `h = x` renames nothing).
    if (stmt->value->kind != ExprKind::Name)
      if (Operation *op = value.getDefiningOp())
        op->setLoc(
            NameLoc::get(builder_.getStringAttr(stmt->name), op->getLoc()));
    values_[stmt->name] = value;
  }

  SmallVector<Value> returned;
  for (const std::string &name : results) {
    returned.push_back(values_.at(name));
    resultTypes.push_back(returned.back().getType());
  }
  func::ReturnOp::create(builder_, loc(model.loc), returned);
  func.setFunctionType(builder_.getFunctionType(argTypes, resultTypes));
  for (size_t i = 0; i < checked_.outputs.size(); ++i)
    func.setResultAttr(i, attrs::kOutput,
                       builder_.getStringAttr(checked_.outputs[i].name));
  if (lossIndex >= 0)
    func.setResultAttr(lossIndex, attrs::kLoss,
                       builder_.getStringAttr(checked_.train->loss));
  return func;
}

Value Generator::scalar(double value, mlir::Location at) {
  auto type = RankedTensorType::get({}, builder_.getF32Type());
  return ConstantOp::create(
      builder_, at, DenseElementsAttr::get(type, static_cast<float>(value)));
}

Value Generator::activate(Value value, Activation activation,
                          mlir::Location at) {
  switch (activation) {
  case Activation::None:
    return value;
  case Activation::Relu:
    return ReluOp::create(builder_, at, value);
  case Activation::Sigmoid:
    return SigmoidOp::create(builder_, at, value);
  case Activation::Tanh:
    return TanhOp::create(builder_, at, value);
  case Activation::Gelu:
    return GeluOp::create(builder_, at, value);
  case Activation::Softmax:
    return SoftmaxOp::create(builder_, at, value,
                             builder_.getI64IntegerAttr(-1));
  }
  return value;
}

Value Generator::gen(const Expr &expr) {
  mlir::Location at = loc(expr.loc);
  switch (expr.kind) {
  case ExprKind::Number:
    return scalar(as<NumberExpr>(expr).value, at);
  case ExprKind::Name:
    return values_.at(as<NameExpr>(expr).name);
  case ExprKind::Unary: {
    Value operand = gen(*as<UnaryExpr>(expr).operand);
    return SubOp::create(builder_, at, scalar(0, at), operand);
  }
  case ExprKind::Binary: {
    const auto &binary = as<BinaryExpr>(expr);
    Value lhs = gen(*binary.lhs), rhs = gen(*binary.rhs);
    switch (binary.op) {
    case '+':
      return AddOp::create(builder_, at, lhs, rhs);
    case '-':
      return SubOp::create(builder_, at, lhs, rhs);
    case '*':
      return MulOp::create(builder_, at, lhs, rhs);
    default:
      return DivOp::create(builder_, at, lhs, rhs);
    }
  }
  case ExprKind::Call:
    return genCall(as<CallExpr>(expr));
  case ExprKind::List:
    break; // Sema rejects lists where a tensor is expected.
  }
  llvm_unreachable("expression kind without a tensor value");
}

/// The op that a function the op declares (OpBuiltin) stands for, created
/// by name: the op's own type inference gives its result type.
Value Generator::createByName(llvm::StringRef opName, ValueRange operands,
                              mlir::Location at) {
  std::optional<RegisteredOperationName> name =
      RegisteredOperationName::lookup(opName, &context_);
  auto *inference = name ? name->getInterface<InferTypeOpInterface>() : nullptr;
  if (!inference)
    llvm::report_fatal_error("builtin op '" + opName +
                             "' is not registered with type inference");
  OperationState state(at, *name);
  state.addOperands(operands);
  // Sema applied the same rule, so inference cannot fail here.
  if (failed(inference->inferReturnTypes(
          &context_, at, state.operands,
          state.attributes.getDictionary(&context_), state.getRawProperties(),
          state.regions, state.types)))
    llvm::report_fatal_error("builtin op '" + opName +
                             "' rejected operands that Sema accepted");
  return builder_.create(state)->getResult(0);
}

Value Generator::genCall(const CallExpr &call) {
  const ResolvedCall &r = *call.resolved;
  mlir::Location at = loc(call.loc);
  SmallVector<Value> t;
  for (const Expr *operand : r.tensors)
    t.push_back(operand ? gen(*operand) : Value());
  auto i64 = [&](int64_t v) { return builder_.getI64IntegerAttr(v); };
  auto array = [&](ArrayRef<int64_t> v) {
    return builder_.getDenseI64ArrayAttr(v);
  };
  switch (r.kind) {
  case BuiltinKind::Op:
    return createByName(r.opName, t, at);
  case BuiltinKind::Softmax:
    return SoftmaxOp::create(builder_, at, t[0], i64(r.axis),
                             r.flags.count("causal") && r.flags.at("causal")
                                 ? builder_.getUnitAttr()
                                 : UnitAttr());
  case BuiltinKind::LogSoftmax:
    return LogSoftmaxOp::create(builder_, at, t[0], i64(r.axis));
  case BuiltinKind::ReduceSum:
  case BuiltinKind::ReduceMean:
  case BuiltinKind::ReduceMax: {
    Value reduced;
    if (r.kind == BuiltinKind::ReduceSum)
      reduced = ReduceSumOp::create(builder_, at, t[0], array(r.axes));
    else if (r.kind == BuiltinKind::ReduceMean)
      reduced = ReduceMeanOp::create(builder_, at, t[0], array(r.axes));
    else
      reduced = ReduceMaxOp::create(builder_, at, t[0], array(r.axes));
    auto flag = r.flags.find("keepdims");
    if (flag == r.flags.end() || !flag->second)
      return reduced;
    // keepdims: the reduced axes as 1s, a reshape that costs no copy (the
    // plan aliases a reshape's result with its operand).
    SmallVector<int64_t> kept(
        llvm::cast<RankedTensorType>(t[0].getType()).getShape());
    int64_t rank = static_cast<int64_t>(kept.size());
    for (int64_t axis : r.axes)
      kept[axis < 0 ? axis + rank : axis] = 1;
    return ReshapeOp::create(builder_, at, reduced, array(kept));
  }
  case BuiltinKind::Reshape:
    return ReshapeOp::create(builder_, at, t[0], array(r.shape));
  case BuiltinKind::Transpose:
    return TransposeOp::create(builder_, at, t[0], array(r.perm));
  case BuiltinKind::BroadcastTo:
    return BroadcastToOp::create(builder_, at, t[0], array(r.shape));
  case BuiltinKind::Gelu:
    if (r.activation == Activation::Tanh)
      return GeluTanhOp::create(builder_, at, t[0]);
    return GeluOp::create(builder_, at, t[0]);
  case BuiltinKind::Pow:
    return PowOp::create(builder_, at, t[0],
                         builder_.getF64FloatAttr(r.exponent));
  case BuiltinKind::Concat:
    return ConcatOp::create(builder_, at, t, r.axis);
  case BuiltinKind::Slice:
    return SliceOp::create(builder_, at, t[0], r.axis, r.start, r.size);
  case BuiltinKind::Cast:
    return CastOp::create(builder_, at, t[0],
                          TypeAttr::get(r.element == shape::ElementType::F32
                                            ? Type(builder_.getF32Type())
                                            : Type(builder_.getI32Type())));
  case BuiltinKind::Dropout:
    // p = 0 is the identity; each other dropout gets its own salt, so that
    // no two draw the same mask.
    if (r.probability == 0)
      return t[0];
    return DropoutOp::create(builder_, at, t[0],
                             builder_.getF64FloatAttr(r.probability),
                             builder_.getI32IntegerAttr(++dropouts_));
  case BuiltinKind::LayerNorm:
    return LayerNormOp::create(builder_, at, t[0], t[1], t[2],
                               builder_.getF64FloatAttr(r.eps));
  case BuiltinKind::Conv2D:
    return Conv2DOp::create(builder_, at, t[0], t[1],
                            t.size() > 2 ? t[2] : Value(), array(r.strides),
                            array(r.padding), array(r.dilations));
  case BuiltinKind::MaxPool2D:
    return MaxPool2DOp::create(builder_, at, t[0], array(r.kernel),
                               array(r.strides), array(r.padding));
  case BuiltinKind::AvgPool2D:
    return AvgPool2DOp::create(builder_, at, t[0], array(r.kernel),
                               array(r.strides), array(r.padding));
  case BuiltinKind::Dense: {
    Value product = MatmulOp::create(builder_, at, t[0], params_[r.params[0]]);
    Value biased = AddOp::create(builder_, at, product, params_[r.params[1]]);
    return activate(biased, r.activation, at);
  }
  case BuiltinKind::Conv2DLayer: {
    Value conv = Conv2DOp::create(builder_, at, t[0], params_[r.params[0]],
                                  params_[r.params[1]], array(r.strides),
                                  array(r.padding), array(r.dilations));
    return activate(conv, r.activation, at);
  }
  }
  llvm_unreachable("unknown builtin kind");
}

OwningOpRef<ModuleOp> Generator::run(const Model &model) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc(model.loc));
  setInterfaceAttrs(*module);
  builder_.setInsertionPointToEnd(module->getBody());
  createForward(model);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

} // namespace

OwningOpRef<ModuleOp>
generateModule(MLIRContext &context, const Model &model,
               const CheckedModel &checked, llvm::StringRef fileName,
               const std::vector<InstanceNote> *instances) {
  context.loadDialect<BraidDialect, func::FuncDialect>();
  return Generator(context, checked, fileName, instances).run(model);
}

} // namespace braid::frontend
