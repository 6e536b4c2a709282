// The plan's module-level tables: tensors, parameters with their
// initializers, optimizer states, constants, and the metadata that finishes
// the buffer.
#include "target/Plan/PlanWriter.h"
#include "target/Plan/EntryPointWriter.h"

#include "braid/Version.h"
#include "dialects/braid/IR/BraidOps.h"
#include "runtime/plan/CodeHash.h"
#include "runtime/plan/PlanFormat.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>
#include <optional>

using namespace mlir;

namespace braid {

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

FailureOr<RankedTensorType> planType(Location loc, Type type,
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

uint32_t PlanWriter::addTensor(const std::string &name, RankedTensorType type,
                               plan::Storage storage, uint64_t offset,
                               uint32_t index, int32_t batchDim) {
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  tensors.push_back(plan::CreateTensorDirect(
      fbb, name.c_str(), *elementType(type.getElementType()), &shape, storage,
      offset, index, batchDim));
  return static_cast<uint32_t>(tensors.size() - 1);
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

uint32_t PlanWriter::stateId(StringRef name, RankedTensorType type) {
  auto found = stateIds.find(name);
  if (found != stateIds.end())
    return found->second;
  auto index = static_cast<uint32_t>(states.size());
  uint32_t id =
      addTensor(name.str(), type, plan::Storage::OptimizerState, 0, index);
  states.push_back(plan::CreateState(fbb, id));
  stateIds[name] = id;
  return id;
}

uint32_t PlanWriter::addConstant(const std::string &name, RankedTensorType type,
                                 const std::vector<uint8_t> &bytes) {
  auto index = static_cast<uint32_t>(constants.size());
  uint32_t id = addTensor(name, type, plan::Storage::Constant, 0, index);
  constants.push_back(plan::CreateConstantDataDirect(fbb, id, &bytes));
  return id;
}

LogicalResult PlanWriter::addEntryPoint(func::FuncOp func) {
  std::string name =
      func->getAttrOfType<StringAttr>(attrs::kEntryPoint).getValue().str();
  if (!entryNames.insert({name, true}).second)
    return func.emitError() << "cannot be exported to a plan: a second entry "
                               "point named \""
                            << name << "\"";
  EntryPointWriter writer(*this, func, name);
  FailureOr<flatbuffers::Offset<plan::EntryPoint>> entry = writer.write();
  if (failed(entry))
    return failure();
  arenaBytes = std::max(arenaBytes, writer.getArenaBytes());
  entryPoints.push_back(*entry);
  return success();
}

void PlanWriter::write(ModuleOp module, uint64_t moduleHash,
                       llvm::raw_ostream &os) {
  std::string modelName;
  if (auto name = module->getAttrOfType<StringAttr>(attrs::kModel))
    modelName = name.getValue().str();
  int64_t batch = 0;
  if (auto b = module->getAttrOfType<IntegerAttr>(attrs::kBatch))
    batch = b.getInt();
  int64_t epochs = 0, steps = 0, accumulate = 1;
  if (auto train = module->getAttrOfType<DictionaryAttr>(attrs::kTrain)) {
    auto get = [&](StringRef key, int64_t &out) {
      if (auto i = llvm::dyn_cast_or_null<IntegerAttr>(train.get(key)))
        out = i.getInt();
    };
    get("epochs", epochs);
    get("steps", steps);
    get("accumulate", accumulate);
  }
  int32_t replicas = 1;
  if (auto r = module->getAttrOfType<IntegerAttr>(attrs::kReplicas))
    replicas = static_cast<int32_t>(r.getInt());
  std::vector<int64_t> predictBatches;
  if (auto sizes =
          module->getAttrOfType<DenseI64ArrayAttr>(attrs::kPredictBatches))
    predictBatches.assign(sizes.asArrayRef().begin(), sizes.asArrayRef().end());
  auto metadata = plan::CreateMetadataDirect(
      fbb, modelName.c_str(), batch, replicas, BRAID_VERSION, moduleHash,
      epochs, steps, accumulate,
      predictBatches.empty() ? nullptr : &predictBatches);
  // The generated kernels: their symbols, and each ISA variant's shared
  // object with the hash the loader checks (runtime/plan/CodeHash.h).
  std::vector<flatbuffers::Offset<flatbuffers::String>> kernels;
  std::vector<flatbuffers::Offset<plan::CodeObject>> images;
  if (code && !code->symbols.empty()) {
    for (const std::string &symbol : code->symbols)
      kernels.push_back(fbb.CreateString(symbol));
    for (const codegen::Image &image : code->images)
      images.push_back(plan::CreateCodeObjectDirect(
          fbb, image.isa.c_str(), &image.bytes,
          plan::codeHash(image.bytes.data(), image.bytes.size())));
  }
  auto root = plan::CreatePlanDirect(
      fbb, kFormatVersion, metadata, &tensors, &parameters, &constants,
      &entryPoints, arenaBytes, &states, kernels.empty() ? nullptr : &kernels,
      images.empty() ? nullptr : &images);
  plan::FinishPlanBuffer(fbb, root);
  os.write(reinterpret_cast<const char *>(fbb.GetBufferPointer()),
           fbb.GetSize());
}

} // namespace braid
