// Plan export: tensors, parameters, constants and one entry point per
// braid.entry_point func, written with FlatBuffers' builder.
#include "passes/ExportPlan.h"

#include "braid/Version.h"
#include "dialects/braid/IR/BraidOps.h"
#include "runtime/plan/PlanFormat.h"
#include "runtime/schema/plan_generated.h"

#include "flatbuffers/flatbuffers.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/DenseMap.h"
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
      .Default([](Operation *) { return std::nullopt; });
}

/// A step's attribute fields; empty vectors are left out of the plan.
struct StepAttributes {
  int64_t axis = 0;
  std::vector<int64_t> axes, perm, kernel, strides, padding, dilations;
};

/// `axis` counted from the front of a tensor of rank `rank`.
static int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

static int64_t rankOf(Value value) {
  return llvm::cast<RankedTensorType>(value.getType()).getRank();
}

static StepAttributes stepAttributes(Operation *op) {
  StepAttributes a;
  auto softmax = [&](auto op) {
    a.axis = normalizeAxis(op.getAxis(), rankOf(op.getInput()));
  };
  auto reduce = [&](auto op) {
    for (int64_t axis : op.getAxes())
      a.axes.push_back(normalizeAxis(axis, rankOf(op.getInput())));
    llvm::sort(a.axes);
  };
  auto pool = [&](auto op) {
    a.kernel.assign(op.getKernel().begin(), op.getKernel().end());
    a.strides.assign(op.getStrides().begin(), op.getStrides().end());
    a.padding.assign(op.getPadding().begin(), op.getPadding().end());
  };
  llvm::TypeSwitch<Operation *>(op)
      .Case<SoftmaxOp, LogSoftmaxOp>(softmax)
      .Case<ReduceSumOp, ReduceMeanOp>(reduce)
      .Case<TransposeOp>([&](TransposeOp op) {
        a.perm.assign(op.getPerm().begin(), op.getPerm().end());
      })
      .Case<Conv2DOp>([&](Conv2DOp op) {
        a.strides.assign(op.getStrides().begin(), op.getStrides().end());
        a.padding.assign(op.getPadding().begin(), op.getPadding().end());
        a.dilations.assign(op.getDilations().begin(), op.getDilations().end());
      })
      .Case<MaxPool2DOp, AvgPool2DOp>(pool);
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
      outputNames.try_emplace(value, name.getValue().str());

  std::vector<Offset<plan::Step>> steps;
  unsigned position = 0;
  for (Operation &op : block.without_terminator()) {
    ++position;
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
    if (offset.getInt() < 0 || offset.getInt() % 64 != 0 ||
        static_cast<uint64_t>(offset.getInt()) + bytes > funcArena)
      return op.emitOpError()
             << "cannot be exported to a plan: its " << bytes
             << " bytes at braid.offset " << offset.getInt()
             << " do not fit a 64-aligned place in the function's "
                "braid.arena_bytes ("
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
        orNull(a.dilations)));
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
  auto metadata =
      plan::CreateMetadataDirect(fbb, modelName.c_str(), batch, /*replicas=*/1,
                                 BRAID_VERSION, hashModule(module));
  auto root =
      plan::CreatePlanDirect(fbb, kFormatVersion, metadata, &tensors,
                             &parameters, &constants, &entryPoints, arenaBytes);
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
