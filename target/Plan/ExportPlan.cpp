// Plan export: tensors, parameters, constants and one entry point per
// braid.entry_point func, written with FlatBuffers' builder.
#include "target/Plan/ExportPlan.h"

#include "braid/Version.h"
#include "dialects/braid/IR/BraidOps.h"
#include "runtime/plan/PlanFormat.h"
#include "runtime/schema/plan_generated.h"

#include "flatbuffers/flatbuffers.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Endian.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using namespace mlir;

namespace braid {
namespace {

using flatbuffers::Offset;

/// 64-bit FNV-1a.
static uint64_t fnv1a(StringRef text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

static std::optional<plan::ElementType> elementType(Type type) {
  if (type.isF32())
    return plan::ElementType::F32;
  if (type.isSignlessInteger(32))
    return plan::ElementType::I32;
  return std::nullopt;
}

static plan::InitKind initKind(braid::InitKind kind) {
  switch (kind) {
  case braid::InitKind::zeros:
    return plan::InitKind::Zeros;
  case braid::InitKind::ones:
    return plan::InitKind::Ones;
  case braid::InitKind::constant:
    return plan::InitKind::Constant;
  case braid::InitKind::uniform:
    return plan::InitKind::Uniform;
  case braid::InitKind::normal:
    return plan::InitKind::Normal;
  case braid::InitKind::glorot_uniform:
    return plan::InitKind::GlorotUniform;
  case braid::InitKind::he_normal:
    return plan::InitKind::HeNormal;
  }
  llvm_unreachable("unknown initializer kind");
}

/// The kernel of a braid op that becomes a step, or nothing.
static std::optional<plan::KernelKind> kernelKind(Operation *op) {
  using K = plan::KernelKind;
  return llvm::TypeSwitch<Operation *, std::optional<K>>(op)
      .Case<MatmulOp>([](auto) { return K::Matmul; })
      .Case<AddOp>([](auto) { return K::Add; })
      .Case<SubOp>([](auto) { return K::Sub; })
      .Case<MulOp>([](auto) { return K::Mul; })
      .Case<DivOp>([](auto) { return K::Div; })
      .Case<ReluOp>([](auto) { return K::Relu; })
      .Case<SigmoidOp>([](auto) { return K::Sigmoid; })
      .Case<TanhOp>([](auto) { return K::Tanh; })
      .Case<GeluOp>([](auto) { return K::Gelu; })
      .Case<SoftmaxOp>([](auto) { return K::Softmax; })
      .Case<LogSoftmaxOp>([](auto) { return K::LogSoftmax; })
      .Case<SparseSoftmaxCrossEntropyOp>(
          [](auto) { return K::SparseSoftmaxCrossEntropy; })
      .Case<MeanSquaredErrorOp>([](auto) { return K::MeanSquaredError; })
      .Case<ReduceSumOp>([](auto) { return K::ReduceSum; })
      .Case<ReduceMeanOp>([](auto) { return K::ReduceMean; })
      .Case<ReshapeOp>([](auto) { return K::Reshape; })
      .Case<TransposeOp>([](auto) { return K::Transpose; })
      .Case<BroadcastToOp>([](auto) { return K::BroadcastTo; })
      .Case<FlattenOp>([](auto) { return K::Flatten; })
      .Case<Conv2DOp>([](auto) { return K::Conv2D; })
      .Case<MaxPool2DOp>([](auto) { return K::MaxPool2D; })
      .Case<AvgPool2DOp>([](auto) { return K::AvgPool2D; })
      // The identity forward of stop_gradient is a copy.
      .Case<StopGradientOp>([](auto) { return K::Reshape; })
      .Case<ReluGradOp>([](auto) { return K::ReluGrad; })
      .Case<SigmoidGradOp>([](auto) { return K::SigmoidGrad; })
      .Case<TanhGradOp>([](auto) { return K::TanhGrad; })
      .Case<GeluGradOp>([](auto) { return K::GeluGrad; })
      .Case<SoftmaxGradOp>([](auto) { return K::SoftmaxGrad; })
      .Case<LogSoftmaxGradOp>([](auto) { return K::LogSoftmaxGrad; })
      .Case<SparseSoftmaxCrossEntropyGradOp>(
          [](auto) { return K::SparseSoftmaxCrossEntropyGrad; })
      .Case<MeanSquaredErrorGradOp>(
          [](auto) { return K::MeanSquaredErrorGrad; })
      .Case<Conv2DBackwardDataOp>([](auto) { return K::Conv2DBackwardData; })
      .Case<Conv2DBackwardFilterOp>(
          [](auto) { return K::Conv2DBackwardFilter; })
      .Case<MaxPool2DGradOp>([](auto) { return K::MaxPool2DGrad; })
      .Case<AvgPool2DGradOp>([](auto) { return K::AvgPool2DGrad; })
      .Case<AccuracyOp>([](auto) { return K::Accuracy; })
      .Case<SgdUpdateOp>([](auto) { return K::SgdUpdate; })
      .Case<AdamUpdateOp>([](auto) { return K::AdamUpdate; })
      .Case<IncrementOp>([](auto) { return K::Increment; })
      .Default([](Operation *) { return std::nullopt; });
}

/// The operands an in-place update writes (the plan's step outputs).
static SmallVector<Value> updatedOperands(Operation *op) {
  return llvm::TypeSwitch<Operation *, SmallVector<Value>>(op)
      .Case<SgdUpdateOp>([](SgdUpdateOp u) {
        return SmallVector<Value>{u.getParam(), u.getVelocity()};
      })
      .Case<AdamUpdateOp>([](AdamUpdateOp u) {
        return SmallVector<Value>{u.getParam(), u.getM(), u.getV()};
      })
      .Case<IncrementOp>(
          [](IncrementOp u) { return SmallVector<Value>{u.getCounter()}; })
      .Default([](Operation *) { return SmallVector<Value>{}; });
}

static plan::Reduction reduction(Reduction kind) {
  switch (kind) {
  case Reduction::sum:
    return plan::Reduction::Sum;
  case Reduction::mean:
    return plan::Reduction::Mean;
  case Reduction::max:
    return plan::Reduction::Max;
  case Reduction::min:
    return plan::Reduction::Min;
  }
  llvm_unreachable("unknown reduction");
}

/// The tensor an in-place collective's result is: its operand (a wait's:
/// its start's operand), followed back to a computed value.
static Value inPlaceSource(Value value) {
  while (auto result = llvm::dyn_cast<OpResult>(value)) {
    Operation *op = result.getOwner();
    unsigned i = result.getResultNumber();
    if (auto reduce = llvm::dyn_cast<AllReduceOp>(op))
      value = reduce.getInputs()[i];
    else if (auto wait = llvm::dyn_cast<AllReduceWaitOp>(op))
      value = wait.getStart().getInputs()[i];
    else if (auto broadcast = llvm::dyn_cast<BroadcastOp>(op))
      value = broadcast.getInputs()[i];
    else
      break;
  }
  return value;
}

/// A step's attribute fields; empty vectors are left out of the plan.
struct StepAttributes {
  int64_t axis = 0;
  std::vector<int64_t> axes, perm, kernel, strides, padding, dilations;
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0;
  bool transposeLhs = false, transposeRhs = false;
};

/// `axis` counted from the front of a tensor of rank `rank`.
static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

/// The plan's attribute fields, read by name: every braid op that has one of
/// these attributes means by it what the plan's Step field means. Axes are
/// counted against the rank of the op's first operand.
static StepAttributes stepAttributes(Operation *op) {
  StepAttributes a;
  int64_t rank = 0;
  if (op->getNumOperands())
    if (auto type =
            llvm::dyn_cast<RankedTensorType>(op->getOperand(0).getType()))
      rank = type.getRank();
  auto array = [&](StringRef name, std::vector<int64_t> &field) {
    if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name))
      field.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  };
  auto real = [&](StringRef name, double &field) {
    if (auto attr = op->getAttrOfType<FloatAttr>(name))
      field = attr.getValueAsDouble();
  };
  if (auto axis = op->getAttrOfType<IntegerAttr>("axis"))
    a.axis = normalizeAxis(axis.getInt(), rank);
  array("axes", a.axes);
  for (int64_t &axis : a.axes)
    axis = normalizeAxis(axis, rank);
  llvm::sort(a.axes);
  array("perm", a.perm);
  array("kernel", a.kernel);
  array("strides", a.strides);
  array("padding", a.padding);
  array("dilations", a.dilations);
  real("lr", a.lr);
  real("momentum", a.momentum);
  real("beta1", a.beta1);
  real("beta2", a.beta2);
  real("eps", a.eps);
  a.transposeLhs = op->hasAttr("transpose_lhs");
  a.transposeRhs = op->hasAttr("transpose_rhs");
  return a;
}

static const std::vector<int64_t> *orNull(const std::vector<int64_t> &v) {
  return v.empty() ? nullptr : &v;
}

/// The little-endian bytes of a dense f32 or i32 constant, or nothing.
static std::optional<std::vector<uint8_t>> constantBytes(ConstantOp op) {
  auto dense = llvm::dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return std::nullopt;
  std::vector<uint8_t> bytes;
  bytes.reserve(dense.getNumElements() * 4);
  auto append = [&](uint32_t word) {
    uint8_t le[4];
    llvm::support::endian::write32le(le, word);
    bytes.insert(bytes.end(), le, le + 4);
  };
  Type element = dense.getElementType();
  if (element.isF32()) {
    for (const APFloat &value : dense.getValues<APFloat>())
      append(static_cast<uint32_t>(value.bitcastToAPInt().getZExtValue()));
  } else if (element.isSignlessInteger(32)) {
    for (const APInt &value : dense.getValues<APInt>())
      append(static_cast<uint32_t>(value.getZExtValue()));
  } else {
    return std::nullopt;
  }
  return bytes;
}

/// Accumulates the plan's tables while the module is walked.
class PlanWriter {
public:
  /// Adds one entry point, its tensors and steps, or fails with a located
  /// error.
  LogicalResult addEntryPoint(func::FuncOp func);
  /// Adds each parameter of `func` not seen before.
  LogicalResult addParameters(func::FuncOp func);
  /// Finishes the buffer ("BRPL") and writes it to `os`.
  void write(ModuleOp module, llvm::raw_ostream &os);

private:
  uint32_t addTensor(const std::string &name, RankedTensorType type,
                     plan::Storage storage, uint64_t offset, uint32_t index);

  flatbuffers::FlatBufferBuilder fbb;
  std::vector<Offset<plan::Tensor>> tensors;
  std::vector<Offset<plan::Parameter>> parameters;
  std::vector<Offset<plan::ConstantData>> constants;
  std::vector<Offset<plan::EntryPoint>> entryPoints;
  std::vector<Offset<plan::State>> states;
  /// State name -> tensor id.
  llvm::StringMap<uint32_t> stateIds;
  /// Parameter name -> (tensor id, type).
  llvm::StringMap<std::pair<uint32_t, Type>> parameterIds;
  llvm::StringMap<bool> entryNames;
  uint64_t arenaBytes = 0;
};

uint32_t PlanWriter::addTensor(const std::string &name, RankedTensorType type,
                               plan::Storage storage, uint64_t offset,
                               uint32_t index) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  tensors.push_back(plan::CreateTensorDirect(
      fbb, name.c_str(), *elementType(type.getElementType()), &shape, storage,
      offset, index));
  return static_cast<uint32_t>(tensors.size() - 1);
}

/// A static f32 or i32 tensor type, or a located error naming `what`.
static FailureOr<RankedTensorType> planType(Location loc, Type type,
                                            const Twine &what) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() ||
      !elementType(tensor.getElementType())) {
    emitError(loc) << "cannot be exported to a plan: " << what << " has type "
                   << type << ", not a static f32 or i32 tensor";
    return failure();
  }
  return tensor;
}

LogicalResult PlanWriter::addParameters(func::FuncOp func) {
  for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
    auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kParam);
    if (!name)
      continue;
    Type type = func.getArgumentTypes()[i];
    auto found = parameterIds.find(name.getValue());
    if (found != parameterIds.end()) {
      if (found->second.second != type)
        return func.emitError()
               << "cannot be exported to a plan: parameter " << name
               << " has type " << type << " here and " << found->second.second
               << " in an earlier entry point";
      continue;
    }
    FailureOr<RankedTensorType> tensor =
        planType(func.getLoc(), type, "parameter " + name.getValue());
    auto init = func.getArgAttrOfType<InitializerAttr>(i, attrs::kInit);
    if (failed(tensor))
      return failure();
    if (!init)
      return func.emitError() << "cannot be exported to a plan: parameter "
                              << name << " has no braid.init";
    auto index = static_cast<uint32_t>(parameters.size());
    uint32_t id = addTensor(name.getValue().str(), *tensor,
                            plan::Storage::Parameter, 0, index);
    std::vector<double> args(init.getArgs().asArrayRef().begin(),
                             init.getArgs().asArrayRef().end());
    auto initializer = plan::CreateInitializerDirect(
        fbb, initKind(init.getKind()), args.empty() ? nullptr : &args);
    parameters.push_back(plan::CreateParameter(fbb, id, initializer));
    parameterIds[name.getValue()] = {id, type};
  }
  return success();
}

LogicalResult PlanWriter::addEntryPoint(func::FuncOp func) {
  std::string entryName =
      func->getAttrOfType<StringAttr>(attrs::kEntryPoint).getValue().str();
  if (!entryNames.insert({entryName, true}).second)
    return func.emitError() << "cannot be exported to a plan: a second entry "
                               "point named \""
                            << entryName << "\"";
  if (!func.getBody().hasOneBlock())
    return func.emitError()
           << "cannot be exported to a plan: entry points need one block";
  Block &block = func.getBody().front();
  uint64_t funcArena = 0;
  if (auto bytes = func->getAttrOfType<IntegerAttr>(attrs::kArenaBytes))
    funcArena = bytes.getInt();

  llvm::DenseMap<Value, uint32_t> ids;
  llvm::DenseMap<Value, bool> inArena;
  std::vector<uint32_t> inputs, outputs;
  for (BlockArgument arg : block.getArguments()) {
    unsigned i = arg.getArgNumber();
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kParam)) {
      ids[arg] = parameterIds.lookup(name.getValue()).first;
      continue;
    }
    if (auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kState)) {
      FailureOr<RankedTensorType> tensor =
          planType(func.getLoc(), arg.getType(), "state " + name.getValue());
      if (failed(tensor))
        return failure();
      auto found = stateIds.find(name.getValue());
      if (found == stateIds.end()) {
        auto index = static_cast<uint32_t>(states.size());
        uint32_t id = addTensor(name.getValue().str(), *tensor,
                                plan::Storage::OptimizerState, 0, index);
        states.push_back(plan::CreateState(fbb, id));
        found = stateIds.insert({name.getValue(), id}).first;
      }
      ids[arg] = found->second;
      continue;
    }
    auto name = func.getArgAttrOfType<StringAttr>(i, attrs::kInput);
    if (!name)
      return func.emitError() << "cannot be exported to a plan: argument #" << i
                              << " is neither a braid.input nor a "
                                 "braid.param";
    FailureOr<RankedTensorType> tensor =
        planType(func.getLoc(), arg.getType(), "input " + name.getValue());
    if (failed(tensor))
      return failure();
    ids[arg] =
        addTensor(name.getValue().str(), *tensor, plan::Storage::Input, 0, 0);
    inputs.push_back(ids[arg]);
  }

  // Outputs keep their braid.output names; other tensors are named after
  // their entry point, op and position.
  auto ret = llvm::dyn_cast<func::ReturnOp>(block.getTerminator());
  if (!ret)
    return func.emitError()
           << "cannot be exported to a plan: entry points end in func.return";
  llvm::DenseMap<Value, std::string> outputNames;
  for (auto [i, value] : llvm::enumerate(ret.getOperands()))
    if (auto name = func.getResultAttrOfType<StringAttr>(i, attrs::kOutput))
      outputNames.try_emplace(inPlaceSource(value), name.getValue().str());

  // Bucket members are packed without padding, so they (and the ops whose
  // bytes they alias) may sit at any multiple of 4.
  llvm::DenseSet<Operation *> packed;
  for (auto start : block.getOps<AllReduceStartOp>())
    for (Value member : start.getInputs())
      for (Operation *def = member.getDefiningOp(); def;
           def = llvm::isa<ReshapeOp, FlattenOp>(def)
                     ? def->getOperand(0).getDefiningOp()
                     : nullptr)
        packed.insert(def);

  std::vector<Offset<plan::Step>> steps;
  // The ids of values, or a located error.
  auto idsOf = [&](Operation &op,
                   ValueRange values) -> FailureOr<std::vector<uint32_t>> {
    std::vector<uint32_t> result;
    for (Value value : values) {
      auto it = ids.find(value);
      if (it == ids.end())
        return op.emitOpError() << "cannot be exported to a plan: an operand "
                                   "is not defined in the entry point";
      result.push_back(it->second);
    }
    return result;
  };
  // Collective steps; in-place results take their operands' ids.
  auto collective = [&](Operation &op, plan::KernelKind kind,
                        const std::vector<uint32_t> &stepInputs,
                        const std::vector<uint32_t> &stepOutputs,
                        plan::Reduction reduction, uint32_t request,
                        int32_t root) {
    steps.push_back(plan::CreateStepDirect(
        fbb, kind, &stepInputs, &stepOutputs, 0, nullptr, nullptr, nullptr,
        nullptr, nullptr, nullptr, 0, 0, 0, 0, 0, false, false, reduction,
        request, root));
  };
  auto alias = [&](ValueRange from, ValueRange to) {
    for (auto [source, result] : llvm::zip(from, to)) {
      ids[result] = ids[source];
      inArena[result] = inArena.lookup(source);
    }
  };
  llvm::DenseMap<Operation *, uint32_t> requests;
  unsigned position = 0;
  for (Operation &op : block.without_terminator()) {
    ++position;
    if (auto reduce = llvm::dyn_cast<AllReduceOp>(op)) {
      FailureOr<std::vector<uint32_t>> in = idsOf(op, reduce.getInputs());
      if (failed(in))
        return failure();
      collective(op, plan::KernelKind::AllReduce, *in, *in,
                 reduction(reduce.getReduction()), 0, 0);
      alias(reduce.getInputs(), reduce.getResults());
      continue;
    }
    if (auto start = llvm::dyn_cast<AllReduceStartOp>(op)) {
      FailureOr<std::vector<uint32_t>> in = idsOf(op, start.getInputs());
      if (failed(in))
        return failure();
      auto request = static_cast<uint32_t>(requests.size());
      requests[&op] = request;
      collective(op, plan::KernelKind::AllReduceStart, *in, {},
                 reduction(start.getReduction()), request, 0);
      continue;
    }
    if (auto wait = llvm::dyn_cast<AllReduceWaitOp>(op)) {
      AllReduceStartOp start = wait.getStart();
      FailureOr<std::vector<uint32_t>> out = idsOf(op, start.getInputs());
      if (failed(out))
        return failure();
      collective(op, plan::KernelKind::AllReduceWait, {}, *out,
                 reduction(start.getReduction()), requests.lookup(start), 0);
      alias(start.getInputs(), wait.getResults());
      continue;
    }
    if (auto broadcast = llvm::dyn_cast<BroadcastOp>(op)) {
      FailureOr<std::vector<uint32_t>> in = idsOf(op, broadcast.getInputs());
      if (failed(in))
        return failure();
      collective(op, plan::KernelKind::Broadcast, *in, *in,
                 plan::Reduction::Sum, 0,
                 static_cast<int32_t>(broadcast.getRootAttr().getInt()));
      alias(broadcast.getInputs(), broadcast.getResults());
      continue;
    }
    // In-place updates write their parameter and state operands.
    SmallVector<Value> updated = updatedOperands(&op);
    if (!updated.empty()) {
      std::vector<uint32_t> stepInputs, stepOutputs;
      for (Value operand : op.getOperands())
        stepInputs.push_back(ids.lookup(operand));
      for (Value target : updated)
        stepOutputs.push_back(ids.lookup(target));
      StepAttributes a = stepAttributes(&op);
      steps.push_back(plan::CreateStepDirect(
          fbb, *kernelKind(&op), &stepInputs, &stepOutputs, 0, nullptr, nullptr,
          nullptr, nullptr, nullptr, nullptr, a.lr, a.momentum, a.beta1,
          a.beta2, a.eps, a.transposeLhs, a.transposeRhs));
      continue;
    }
    if (op.getNumResults() != 1)
      return op.emitOpError() << "cannot be exported to a plan: it has "
                              << op.getNumResults() << " results";
    Value result = op.getResult(0);
    std::string name = outputNames.lookup(result);
    if (name.empty())
      name = entryName + "/" + op.getName().stripDialect().str() + "." +
             std::to_string(position - 1);
    FailureOr<RankedTensorType> tensor =
        planType(op.getLoc(), result.getType(), "its result");
    if (failed(tensor))
      return failure();

    if (auto constant = llvm::dyn_cast<ConstantOp>(op)) {
      std::optional<std::vector<uint8_t>> bytes = constantBytes(constant);
      if (!bytes)
        return op.emitOpError()
               << "cannot be exported to a plan: its value is not a dense "
                  "f32 or i32 elements attribute";
      auto index = static_cast<uint32_t>(constants.size());
      ids[result] = addTensor(name, *tensor, plan::Storage::Constant, 0, index);
      constants.push_back(
          plan::CreateConstantDataDirect(fbb, ids[result], &*bytes));
      continue;
    }

    std::optional<plan::KernelKind> kind = kernelKind(&op);
    if (!kind)
      return op.emitOpError()
             << "cannot be exported to a plan: no kernel runs this op";
    auto offset = op.getAttrOfType<IntegerAttr>(attrs::kOffset);
    if (!offset)
      return op.emitOpError()
             << "cannot be exported to a plan: it has no braid.offset (run "
                "braid-plan-memory first)";
    uint64_t bytes = static_cast<uint64_t>(tensor->getNumElements()) * 4;
    int64_t alignment = packed.contains(&op) ? 4 : 64;
    if (offset.getInt() < 0 || offset.getInt() % alignment != 0 ||
        static_cast<uint64_t>(offset.getInt()) + bytes > funcArena)
      return op.emitOpError()
             << "cannot be exported to a plan: its " << bytes
             << " bytes at braid.offset " << offset.getInt() << " do not fit a "
             << alignment
             << "-aligned place in the function's braid.arena_bytes ("
             << funcArena << ")";

    std::vector<uint32_t> stepInputs;
    for (Value operand : op.getOperands()) {
      auto it = ids.find(operand);
      if (it == ids.end())
        return op.emitOpError() << "cannot be exported to a plan: an operand "
                                   "is not defined in the entry point";
      stepInputs.push_back(it->second);
    }
    ids[result] = addTensor(name, *tensor, plan::Storage::Arena,
                            static_cast<uint64_t>(offset.getInt()), 0);
    inArena[result] = true;
    std::vector<uint32_t> stepOutputs{ids[result]};
    StepAttributes a = stepAttributes(&op);
    steps.push_back(plan::CreateStepDirect(
        fbb, *kind, &stepInputs, &stepOutputs, a.axis, orNull(a.axes),
        orNull(a.perm), orNull(a.kernel), orNull(a.strides), orNull(a.padding),
        orNull(a.dilations), a.lr, a.momentum, a.beta1, a.beta2, a.eps,
        a.transposeLhs, a.transposeRhs));
  }

  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    if (!inArena.lookup(value))
      return ret.emitOpError() << "cannot be exported to a plan: result #" << i
                               << " is not computed by a step of entry point \""
                               << entryName << "\"";
    outputs.push_back(ids[value]);
  }
  if (steps.empty())
    return func.emitError() << "cannot be exported to a plan: entry point \""
                            << entryName << "\" has no steps";
  arenaBytes = std::max(arenaBytes, funcArena);
  entryPoints.push_back(plan::CreateEntryPointDirect(
      fbb, entryName.c_str(), &inputs, &outputs, &steps));
  return success();
}

void PlanWriter::write(ModuleOp module, llvm::raw_ostream &os) {
  std::string modelName;
  if (auto name = module->getAttrOfType<StringAttr>(attrs::kModel))
    modelName = name.getValue().str();
  int64_t batch = 0;
  if (auto b = module->getAttrOfType<IntegerAttr>(attrs::kBatch))
    batch = b.getInt();
  int64_t epochs = 0;
  if (auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain))
    if (auto e = llvm::dyn_cast_or_null<IntegerAttr>(train.get("epochs")))
      epochs = e.getInt();
  int32_t replicas = 1;
  if (auto r = module->getAttrOfType<IntegerAttr>(attrs::kReplicas))
    replicas = static_cast<int32_t>(r.getInt());
  auto metadata =
      plan::CreateMetadataDirect(fbb, modelName.c_str(), batch, replicas,
                                 BRAID_VERSION, hashModule(module), epochs);
  auto root = plan::CreatePlanDirect(fbb, kFormatVersion, metadata, &tensors,
                                     &parameters, &constants, &entryPoints,
                                     arenaBytes, &states);
  plan::FinishPlanBuffer(fbb, root);
  os.write(reinterpret_cast<const char *>(fbb.GetBufferPointer()),
           fbb.GetSize());
}

} // namespace

uint64_t hashModule(ModuleOp module) {
  std::string text;
  llvm::raw_string_ostream os(text);
  // Every flag that changes the text is pinned, so that --mlir-print-*
  // options given to braidc do not change the hash.
  OpPrintingFlags flags;
  flags.printGenericOpForm()
      .enableDebugInfo(false)
      .elideLargeElementsAttrs(INT64_MAX)
      .printLargeElementsAttrWithHex(-1)
      .printValueUsers(false)
      .printUniqueSSAIDs(false)
      .printNameLocAsPrefix(false)
      .useLocalScope(false);
  module->print(os, flags);
  return fnv1a(text);
}

LogicalResult exportPlan(ModuleOp module, llvm::raw_ostream &os) {
  SmallVector<func::FuncOp> entries;
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(attrs::kEntryPoint))
      entries.push_back(func);
  if (entries.empty())
    return module.emitError()
           << "cannot be exported to a plan: no func has braid.entry_point "
              "(run the braid-lower-to-plan pipeline first)";
  PlanWriter writer;
  // Parameters first, once each, shared by every entry point.
  for (func::FuncOp func : entries)
    if (failed(writer.addParameters(func)))
      return failure();
  for (func::FuncOp func : entries)
    if (failed(writer.addEntryPoint(func)))
      return failure();
  writer.write(module, os);
  return success();
}

} // namespace braid
