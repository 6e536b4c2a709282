// One op of an entry point as the plan holds it: a constant's bytes, or a
// step that the op describes through PlanStepOpInterface (its kernel,
// inputs, outputs and attributes). Nothing here names an op.
#include "target/Plan/EntryPointWriter.h"

#include "runtime/plan/PlanFormat.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/Path.h"

#include <optional>
#include <tuple>
#include <utility>

using namespace mlir;

namespace braid {

/// The little-endian bytes of a dense f32 or i32 constant, or nothing.
static std::optional<std::vector<uint8_t>> constantBytes(Attribute value) {
  auto dense = llvm::dyn_cast<DenseElementsAttr>(value);
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
    for (const APFloat &x : dense.getValues<APFloat>())
      append(static_cast<uint32_t>(x.bitcastToAPInt().getZExtValue()));
  } else if (element.isSignlessInteger(32)) {
    for (const APInt &x : dense.getValues<APInt>())
      append(static_cast<uint32_t>(x.getZExtValue()));
  } else {
    return std::nullopt;
  }
  return bytes;
}

static const std::vector<int64_t> *orNull(const std::vector<int64_t> &v) {
  return v.empty() ? nullptr : &v;
}

/// The first file:line:col a location holds: the op's own place in the
/// model source, looked for through the names (NameLoc), call sites (the
/// callee first: the op inside a layer) and fusions MLIRGen and the passes
/// wrap it in.
static std::optional<FileLineColLoc> sourceLocation(Location loc) {
  if (auto file = llvm::dyn_cast<FileLineColLoc>(loc))
    return file;
  if (auto name = llvm::dyn_cast<NameLoc>(loc))
    return sourceLocation(name.getChildLoc());
  if (auto call = llvm::dyn_cast<CallSiteLoc>(loc)) {
    if (auto callee = sourceLocation(call.getCallee()))
      return callee;
    return sourceLocation(call.getCaller());
  }
  if (auto fused = llvm::dyn_cast<FusedLoc>(loc))
    for (Location part : fused.getLocations())
      if (auto file = sourceLocation(part))
        return file;
  return std::nullopt;
}

/// "file:line:col" of an op for the plan (Step.location), or empty when it
/// has none. The file name is kept as the user gave it to braidc, unless
/// that is too long for the plan.
static std::string sourceText(Operation &op) {
  std::optional<FileLineColLoc> file = sourceLocation(op.getLoc());
  if (!file)
    return "";
  std::string place = ":" + std::to_string(file->getLine()) + ":" +
                      std::to_string(file->getColumn());
  std::string path = file->getFilename().str();
  // The loader refuses longer locations (PlanFormat.h); a base name is at
  // most 255 bytes.
  if (path.size() + place.size() > kMaxLocationBytes)
    path = llvm::sys::path::filename(path).str();
  return path + place;
}

/// The op's name for the plan (Step.op_name): a fused step's lists the ops
/// of its body, in order, joined by '+', so a trace or profile says what the
/// generated kernel computes.
static std::string stepOpName(Operation &op) {
  auto fused = llvm::dyn_cast<FusedOp>(op);
  if (!fused)
    return op.getName().getStringRef().str();
  std::string names;
  for (Operation &member : fused.getBody().front().without_terminator()) {
    llvm::StringRef name = member.getName().getStringRef();
    // The loader refuses longer names (PlanFormat.h).
    if (names.size() + name.size() + 1 > kMaxOpNameBytes)
      break;
    if (!names.empty())
      names += '+';
    names += name.str();
  }
  return names;
}

/// The Step table of a step; fields at their defaults are left out.
static flatbuffers::Offset<plan::Step>
createStep(flatbuffers::FlatBufferBuilder &fbb, plan::KernelKind kind,
           const std::vector<uint32_t> &inputs,
           const std::vector<uint32_t> &outputs, const PlanStepAttributes &a,
           uint32_t request, uint32_t kernelIndex, int64_t workItems,
           const std::string &location, const std::string &opName) {
  auto vec = [](ArrayRef<int64_t> values) {
    return std::vector<int64_t>(values.begin(), values.end());
  };
  std::vector<int64_t> axes = vec(a.axes), perm = vec(a.perm),
                       kernel = vec(a.kernel), strides = vec(a.strides),
                       padding = vec(a.padding), dilations = vec(a.dilations);
  return plan::CreateStepDirect(
      fbb, kind, &inputs, &outputs, a.axis, orNull(axes), orNull(perm),
      orNull(kernel), orNull(strides), orNull(padding), orNull(dilations), a.lr,
      a.momentum, a.beta1, a.beta2, a.eps, a.transposeLhs, a.transposeRhs,
      a.reduction, request, a.root, a.exponent, a.start, a.dropoutP, a.salt,
      a.causal, a.schedule, a.warmup, a.total, a.floor, a.every, a.gamma,
      a.maxNorm, a.weightDecay, kernelIndex, workItems,
      location.empty() ? nullptr : location.c_str(), opName.c_str());
}

LogicalResult EntryPointWriter::addConstant(Operation &op, Attribute value,
                                            const std::string &tensorName) {
  if (op.getNumResults() != 1)
    return op.emitOpError() << "cannot be exported to a plan: it has "
                            << op.getNumResults() << " results";
  Value result = op.getResult(0);
  FailureOr<RankedTensorType> tensor =
      planType(op.getLoc(), result.getType(), "its result");
  if (failed(tensor))
    return failure();
  std::optional<std::vector<uint8_t>> bytes = constantBytes(value);
  if (!bytes)
    return op.emitOpError()
           << "cannot be exported to a plan: its value is not a dense f32 or "
              "i32 elements attribute";
  ids[result] = plan.addConstant(tensorName, *tensor, *bytes);
  return success();
}

FailureOr<std::vector<uint32_t>> EntryPointWriter::idsOf(Operation &op,
                                                         ValueRange values) {
  std::vector<uint32_t> result;
  for (Value value : values) {
    auto it = ids.find(value);
    if (it == ids.end())
      return op.emitOpError() << "cannot be exported to a plan: an operand "
                                 "is not defined in the entry point";
    result.push_back(it->second);
  }
  return result;
}

/// The new tensor a step computes: its one tensor result, placed in the
/// arena at the op's braid.offset (none for a step without one, which only
/// starts a collective).
FailureOr<std::vector<uint32_t>>
EntryPointWriter::placeResult(Operation &op, const std::string &tensorName) {
  SmallVector<Value> results;
  for (Value result : op.getResults())
    if (llvm::isa<TensorType>(result.getType()))
      results.push_back(result);
  if (results.empty())
    return std::vector<uint32_t>{};
  if (results.size() != 1)
    return op.emitOpError() << "cannot be exported to a plan: it has "
                            << results.size() << " results";
  Value result = results.front();
  FailureOr<RankedTensorType> tensor =
      planType(op.getLoc(), result.getType(), "its result");
  if (failed(tensor))
    return failure();
  auto offset = op.getAttrOfType<IntegerAttr>(attrs::kOffset);
  if (!offset)
    return op.emitOpError()
           << "cannot be exported to a plan: it has no braid.offset (run "
              "braid-plan-memory first)";
  uint64_t bytes = static_cast<uint64_t>(tensor->getNumElements()) * 4;
  int64_t alignment = packed.contains(&op) ? 4 : 64;
  if (offset.getInt() < 0 || offset.getInt() % alignment != 0 ||
      static_cast<uint64_t>(offset.getInt()) + bytes > arenaBytes)
    return op.emitOpError()
           << "cannot be exported to a plan: its " << bytes
           << " bytes at braid.offset " << offset.getInt() << " do not fit a "
           << alignment
           << "-aligned place in the function's braid.arena_bytes ("
           << arenaBytes << ")";
  ids[result] = plan.addTensor(tensorName, *tensor, plan::Storage::Arena,
                               static_cast<uint64_t>(offset.getInt()), 0);
  computed.insert(result);
  return std::vector<uint32_t>{ids[result]};
}

/// The tensors an in-place step overwrites, which its results (if any)
/// name again.
FailureOr<std::vector<uint32_t>>
EntryPointWriter::overwrite(Operation &op, ValueRange written) {
  FailureOr<std::vector<uint32_t>> targets = idsOf(op, written);
  if (failed(targets))
    return failure();
  if (op.getNumResults() > written.size())
    return op.emitOpError()
           << "cannot be exported to a plan: it has " << op.getNumResults()
           << " results but writes " << written.size() << " tensors in place";
  for (auto [result, target] : llvm::zip(op.getResults(), written)) {
    ids[result] = ids.lookup(target);
    if (computed.contains(target))
      computed.insert(result);
  }
  return targets;
}

FailureOr<std::pair<uint32_t, int64_t>>
EntryPointWriter::fusedKernel(Operation &op) {
  auto symbol = op.getAttrOfType<StringAttr>("kernel");
  if (!symbol)
    return op.emitOpError() << "cannot be exported to a plan: a fused step "
                               "needs the `kernel` symbol of its code";
  const codegen::NativeCode *code = plan.nativeCode();
  int64_t index = code ? code->indexOf(symbol.getValue()) : -1;
  if (index < 0)
    return op.emitOpError()
           << "cannot be exported to a plan: no generated code for its kernel '"
           << symbol.getValue()
           << "' (braidc compiles fused kernels unless --no-codegen, which "
              "also leaves ops unfused)";
  return std::make_pair(static_cast<uint32_t>(index), code->workItems[index]);
}

uint32_t EntryPointWriter::requestId(Value request) {
  auto next = static_cast<uint32_t>(requests.size());
  return requests.try_emplace(request, next).first->second;
}

LogicalResult EntryPointWriter::addStep(PlanStepOpInterface step,
                                        const std::string &tensorName) {
  Operation &op = *step;
  FailureOr<std::vector<uint32_t>> stepInputs = idsOf(op, step.getStepInputs());
  if (failed(stepInputs))
    return failure();
  SmallVector<Value> written = step.getInPlaceOutputs();
  FailureOr<std::vector<uint32_t>> stepOutputs =
      written.empty() ? placeResult(op, tensorName) : overwrite(op, written);
  if (failed(stepOutputs))
    return failure();
  PlanStepAttributes attributes;
  step.fillStepAttributes(attributes);
  uint32_t request = 0;
  if (Value value = step.getStepRequest())
    request = requestId(value);
  uint32_t kernelIndex = 0;
  int64_t workItems = 0;
  if (step.getKernelKind() == plan::KernelKind::Fused) {
    FailureOr<std::pair<uint32_t, int64_t>> kernel = fusedKernel(op);
    if (failed(kernel))
      return failure();
    std::tie(kernelIndex, workItems) = *kernel;
  }
  steps.push_back(createStep(fbb, step.getKernelKind(), *stepInputs,
                             *stepOutputs, attributes, request, kernelIndex,
                             workItems, sourceText(op), stepOpName(op)));
  return success();
}

} // namespace braid
