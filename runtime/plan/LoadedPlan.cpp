// Loading a plan: FlatBuffers verification, then decoding each part of the
// plan with the semantic checks of everything the executor relies on (the
// checks of a step's kind and operands are in ValidateStep.cpp).
#include "runtime/plan/LoadedPlan.h"

#include "runtime/io/AtomicFile.h"
#include "runtime/plan/PlanFormat.h"
#include "runtime/plan/StepRules.h"
#include "shape/ModelRules.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

namespace braid::runtime {
namespace {

static_assert(FLATBUFFERS_LITTLEENDIAN,
              "plans are read as little-endian memory");

/// The elements of a vector, copied bytewise. The verifier checks a vector's
/// alignment only to 4 bytes, so a damaged plan can leave a vector of 8-byte
/// values misaligned, and FlatBuffers' element reads would then be undefined.
template <typename T> std::vector<T> elements(const flatbuffers::Vector<T> *v) {
  std::vector<T> out;
  // (memcpy with an empty vector's null data() is undefined even for 0 bytes.)
  if (v && v->size() > 0) {
    out.resize(v->size());
    std::memcpy(out.data(), v->Data(), v->size() * sizeof(T));
  }
  return out;
}

template <typename T>
std::vector<int64_t> longs(const flatbuffers::Vector<T> *v) {
  std::vector<T> raw = elements(v);
  return std::vector<int64_t>(raw.begin(), raw.end());
}

std::string str(const flatbuffers::String *s) { return s ? s->str() : ""; }

const char *initKindName(plan::InitKind kind) {
  switch (kind) {
  case plan::InitKind::Zeros:
    return "zeros";
  case plan::InitKind::Ones:
    return "ones";
  case plan::InitKind::Constant:
    return "constant";
  case plan::InitKind::Uniform:
    return "uniform";
  case plan::InitKind::Normal:
    return "normal";
  case plan::InitKind::GlorotUniform:
    return "glorot_uniform";
  case plan::InitKind::HeNormal:
    return "he_normal";
  }
  return "unknown";
}

/// A step's attributes, copied as they are: the kind's rule or family
/// checks them.
void decodeAttributes(const plan::Step &s, StepDesc &desc) {
  desc.axis = s.axis();
  desc.axes = longs(s.axes());
  desc.perm = longs(s.perm());
  desc.kernel = longs(s.kernel());
  desc.strides = longs(s.strides());
  desc.padding = longs(s.padding());
  desc.dilations = longs(s.dilations());
  desc.lr = s.lr();
  desc.momentum = s.momentum();
  desc.beta1 = s.beta1();
  desc.beta2 = s.beta2();
  desc.eps = s.eps();
  desc.transposeLhs = s.transpose_lhs();
  desc.transposeRhs = s.transpose_rhs();
  desc.reduction = s.reduction();
  desc.request = s.request();
  desc.root = s.root();
  desc.exponent = s.exponent();
  desc.start = s.start();
  desc.dropoutP = s.dropout_p();
  desc.salt = s.salt();
  desc.causal = s.causal();
  desc.schedule = s.schedule();
  desc.warmup = s.warmup();
  desc.total = s.total();
  desc.floor = s.floor();
  desc.every = s.every();
  desc.gamma = s.gamma();
  desc.maxNorm = s.max_norm();
  desc.weightDecay = s.weight_decay();
  desc.kernelIndex = s.kernel_index();
  desc.workItems = s.work_items();
}

/// A step's source location and op name, which traces print, within
/// kMaxLocationBytes and kMaxOpNameBytes (PlanFormat.h).
Status decodeSource(const plan::Step &s, const std::string &where,
                    StepDesc &desc) {
  if (s.location() && s.location()->size() > kMaxLocationBytes)
    return invalidPlan(where + " has a location of " +
                       std::to_string(s.location()->size()) +
                       " bytes; at most " + std::to_string(kMaxLocationBytes) +
                       " are allowed");
  if (s.op_name() && s.op_name()->size() > kMaxOpNameBytes)
    return invalidPlan(
        where + " has an op name of " + std::to_string(s.op_name()->size()) +
        " bytes; at most " + std::to_string(kMaxOpNameBytes) + " are allowed");
  desc.location = str(s.location());
  desc.opName = str(s.op_name());
  return Status::ok();
}

} // namespace

std::string LoadedPlan::tensorName(uint32_t id) const {
  return id < tensors_.size() ? "'" + tensors_[id].name + "'"
                              : "#" + std::to_string(id);
}

int64_t LoadedPlan::parameterCount() const {
  int64_t n = 0;
  for (const PlanParameter &p : parameters_)
    n += tensors_[p.tensor].desc.elements();
  return n;
}

const PlanEntryPoint *
LoadedPlan::findEntryPoint(const std::string &name) const {
  for (const PlanEntryPoint &e : entries_)
    if (e.name == name)
      return &e;
  return nullptr;
}

int64_t LoadedPlan::labelClasses(const PlanEntryPoint &entry,
                                 const std::string &inputName) const {
  int64_t classes = 0;
  for (const PlanStep &step : entry.steps) {
    // The classes are the last dimension of the operand before the labels.
    int labels = kernelKindInfo(step.desc.kind)->traits.labels;
    if (labels > 0 && tensors_[step.inputs[labels]].name == inputName)
      classes = step.desc.inputs[labels - 1].shape.back();
  }
  return classes;
}

Status LoadedPlan::loadFile(const std::string &path,
                            std::shared_ptr<const LoadedPlan> *out) {
  std::vector<uint8_t> bytes;
  BRAID_RETURN_IF_ERROR(io::readFile(path, &bytes));
  return load(bytes.data(), bytes.size(), out).withContext(path);
}

Status LoadedPlan::load(const uint8_t *data, size_t size,
                        std::shared_ptr<const LoadedPlan> *out) {
  // FlatBuffers checks the alignment of what it reads, and a caller's buffer
  // may have any alignment: verify an aligned copy.
  std::vector<uint64_t> aligned((size + 7) / 8);
  if (size)
    std::memcpy(aligned.data(), data, size);
  auto plan = std::shared_ptr<LoadedPlan>(new LoadedPlan());
  BRAID_RETURN_IF_ERROR(
      plan->decode(reinterpret_cast<const uint8_t *>(aligned.data()), size));
  // FNV-1a, 64-bit: ranks compare it to know they run the same plan.
  uint64_t hash = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ data[i]) * 0x100000001b3ull;
  plan->contentHash_ = hash;
  *out = std::move(plan);
  return Status::ok();
}

Status LoadedPlan::decode(const uint8_t *data, size_t size) {
  if (size < 8 || !plan::PlanBufferHasIdentifier(data))
    return invalidPlan("not a Braid plan (expected the file identifier "
                       "\"BRPL\" at byte 4; was it written by braidc "
                       "--emit=plan?)");
  flatbuffers::Verifier verifier(data, size, /*max_depth=*/64,
                                 /*max_tables=*/10000000);
  if (!plan::VerifyPlanBuffer(verifier))
    return invalidPlan("the plan is truncated or corrupted (FlatBuffers "
                       "verification failed)");
  const plan::Plan &p = *plan::GetPlan(data);
  if (p.format_version() != kFormatVersion)
    return invalidPlan("plan format version " +
                       std::to_string(p.format_version()) +
                       " is not supported; this runtime reads version " +
                       std::to_string(kFormatVersion));
  if (!p.tensors() || !p.entry_points() || !p.metadata())
    return invalidPlan("the plan lacks tensors, entry points or metadata");
  arenaBytes_ = p.arena_bytes();
  if (arenaBytes_ > (uint64_t(1) << 42))
    return invalidPlan("arena of " + std::to_string(arenaBytes_) +
                       " bytes is larger than 4 TiB");
  BRAID_RETURN_IF_ERROR(decodeMetadata(p));
  BRAID_RETURN_IF_ERROR(decodeTensors(p));
  std::set<std::string> names;
  BRAID_RETURN_IF_ERROR(decodeParameters(p, names));
  BRAID_RETURN_IF_ERROR(decodeStates(p, names));
  BRAID_RETURN_IF_ERROR(decodeConstants(p));
  entries_.reserve(p.entry_points()->size());
  BRAID_RETURN_IF_ERROR(decodeCodeSection(p, &code_));
  for (const plan::EntryPoint *e : *p.entry_points())
    BRAID_RETURN_IF_ERROR(decodeEntryPoint(*e));
  BRAID_RETURN_IF_ERROR(checkCodeUsed());
  BRAID_RETURN_IF_ERROR(checkArenaAlignment());
  return decodePredictVariants();
}

Status LoadedPlan::decodeMetadata(const plan::Plan &p) {
  const plan::Metadata &m = *p.metadata();
  metadata_.modelName = str(m.model_name());
  metadata_.batch = m.batch();
  metadata_.replicas = m.replicas();
  if (metadata_.replicas < 1)
    return invalidPlan("the plan is for " + std::to_string(metadata_.replicas) +
                       " replicas; at least 1 is needed");
  metadata_.compilerVersion = str(m.compiler_version());
  metadata_.moduleHash = m.module_hash();
  metadata_.epochs = m.epochs();
  metadata_.steps = m.steps();
  metadata_.accumulate = m.accumulate();
  metadata_.predictBatches = longs(m.predict_batches());
  if (metadata_.steps < 0 || metadata_.accumulate < 1 ||
      metadata_.accumulate > 1000000)
    return invalidPlan(
        "the plan's train settings steps = " + std::to_string(metadata_.steps) +
        ", accumulate = " + std::to_string(metadata_.accumulate) +
        " are out of range (steps >= 0, accumulate in [1, "
        "10^6])");
  return Status::ok();
}

Status LoadedPlan::decodeTensors(const plan::Plan &p) {
  for (const plan::Tensor *t : *p.tensors())
    BRAID_RETURN_IF_ERROR(decodeTensor(*t, p));
  // The memory planner never needs more than every arena tensor in a
  // 64-byte block of its own; a larger arena is a damaged size field, and
  // refusing it here keeps the session from asking for it.
  uint64_t unshared = 0;
  for (const PlanTensor &t : tensors_)
    if (t.storage == plan::Storage::Arena)
      unshared += (t.desc.bytes() + 63) / 64 * 64;
  if (arenaBytes_ > unshared)
    return invalidPlan("arena of " + std::to_string(arenaBytes_) +
                       " bytes is larger than its tensors need unshared (" +
                       std::to_string(unshared) + " bytes)");
  return Status::ok();
}

Status LoadedPlan::decodeTensor(const plan::Tensor &t, const plan::Plan &p) {
  PlanTensor tensor;
  tensor.name = str(t.name());
  if (tensor.name.empty())
    return invalidPlan("tensor #" + std::to_string(tensors_.size()) +
                       " has no name");
  if (t.element_type() != plan::ElementType::F32 &&
      t.element_type() != plan::ElementType::I32)
    return invalidPlan("tensor '" + tensor.name +
                       "' has an unknown element type");
  tensor.desc.type = t.element_type();
  tensor.desc.shape = longs(t.shape());
  if (tensor.desc.shape.size() > 8)
    return invalidPlan("tensor '" + tensor.name + "' has rank " +
                       std::to_string(tensor.desc.shape.size()) +
                       "; at most 8 is supported");
  if (auto bad = shape::checkValid(toRuleType(tensor.desc)))
    return invalidPlan("tensor '" + tensor.name + "': " + *bad);
  tensor.storage = t.storage();
  tensor.offset = t.offset();
  tensor.index = t.index();
  tensor.batchDim = t.batch_dim();
  // An input's batch rows: a dimension it has, or -1 (none). Other tensors
  // keep the default 0, which means nothing for them.
  if (tensor.storage == plan::Storage::Input && tensor.batchDim != 0 &&
      (tensor.batchDim < -1 ||
       tensor.batchDim >= static_cast<int32_t>(tensor.desc.shape.size())))
    return invalidPlan("input '" + tensor.name + "' has batch dimension " +
                       std::to_string(tensor.batchDim) + " but rank " +
                       std::to_string(tensor.desc.shape.size()));
  // An index into the plan's list of `what`, which has `count` entries.
  auto indexIn = [&](const char *what, size_t count) {
    if (tensor.index < count)
      return Status::ok();
    return invalidPlan("tensor '" + tensor.name + "' names " + what + " #" +
                       std::to_string(tensor.index) + " of " +
                       std::to_string(count));
  };
  switch (tensor.storage) {
  case plan::Storage::Arena:
    // Bucket members may sit at any multiple of 4 (checkArenaAlignment);
    // everything else at a multiple of 64.
    if (tensor.offset % 4 != 0 || tensor.offset > arenaBytes_ ||
        tensor.desc.bytes() > arenaBytes_ - tensor.offset)
      return invalidPlan("tensor '" + tensor.name + "' at arena offset " +
                         std::to_string(tensor.offset) + " (" +
                         std::to_string(tensor.desc.bytes()) +
                         " bytes) does not fit a 64-aligned place in the "
                         "arena of " +
                         std::to_string(arenaBytes_) + " bytes");
    break;
  case plan::Storage::Parameter:
    BRAID_RETURN_IF_ERROR(
        indexIn("parameter", p.parameters() ? p.parameters()->size() : 0));
    break;
  case plan::Storage::Constant:
    BRAID_RETURN_IF_ERROR(
        indexIn("constant", p.constants() ? p.constants()->size() : 0));
    break;
  case plan::Storage::OptimizerState:
    BRAID_RETURN_IF_ERROR(
        indexIn("state", p.states() ? p.states()->size() : 0));
    break;
  case plan::Storage::Input:
    break;
  default:
    return invalidPlan("tensor '" + tensor.name +
                       "' has a storage this runtime does not support");
  }
  tensors_.push_back(std::move(tensor));
  return Status::ok();
}

Status LoadedPlan::decodeParameters(const plan::Plan &p,
                                    std::set<std::string> &names) {
  // Each parameter names its own Parameter tensor, once.
  size_t count = p.parameters() ? p.parameters()->size() : 0;
  for (size_t i = 0; i < count; ++i) {
    const plan::Parameter *param = p.parameters()->Get(i);
    uint32_t id = param->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::Parameter ||
        tensors_[id].index != i)
      return invalidPlan("parameter #" + std::to_string(i) +
                         " does not name its own parameter tensor");
    if (tensors_[id].desc.type != plan::ElementType::F32)
      return invalidPlan("parameter " + tensorName(id) + " must be f32");
    if (!names.insert(tensors_[id].name).second)
      return invalidPlan("two parameters are named " + tensorName(id));
    PlanParameter decoded;
    decoded.tensor = id;
    const plan::Initializer *init = param->initializer();
    if (!init)
      return invalidPlan("parameter " + tensorName(id) + " has no initializer");
    decoded.init.kind = init->kind();
    decoded.init.args = elements(init->args());
    if (auto bad = shape::checkInitializer(initKindName(decoded.init.kind),
                                           decoded.init.args))
      return invalidPlan("parameter " + tensorName(id) + ": " + *bad);
    parameters_.push_back(std::move(decoded));
  }
  for (const PlanTensor &t : tensors_)
    if (t.storage == plan::Storage::Parameter &&
        parameters_[t.index].tensor != &t - tensors_.data())
      return invalidPlan("tensor '" + t.name +
                         "' claims a parameter that is not its own");
  return Status::ok();
}

Status LoadedPlan::decodeStates(const plan::Plan &p,
                                std::set<std::string> &names) {
  // Each state names its own f32 state tensor, once.
  size_t count = p.states() ? p.states()->size() : 0;
  for (size_t i = 0; i < count; ++i) {
    uint32_t id = p.states()->Get(i)->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::OptimizerState ||
        tensors_[id].index != i ||
        tensors_[id].desc.type != plan::ElementType::F32)
      return invalidPlan("state #" + std::to_string(i) +
                         " does not name its own f32 state tensor");
    if (!names.insert(tensors_[id].name).second)
      return invalidPlan("two parameters or states are named " +
                         tensorName(id));
    states_.push_back(id);
  }
  return Status::ok();
}

Status LoadedPlan::decodeConstants(const plan::Plan &p) {
  // Copied to 64-byte aligned storage shared by sessions.
  size_t count = p.constants() ? p.constants()->size() : 0;
  for (size_t i = 0; i < count; ++i) {
    const plan::ConstantData *c = p.constants()->Get(i);
    uint32_t id = c->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::Constant ||
        tensors_[id].index != i)
      return invalidPlan("constant #" + std::to_string(i) +
                         " does not name its own constant tensor");
    size_t bytes = tensors_[id].desc.bytes();
    if (!c->data() || c->data()->size() != bytes)
      return invalidPlan("constant " + tensorName(id) + " has " +
                         std::to_string(c->data() ? c->data()->size() : 0) +
                         " bytes of data; its type needs " +
                         std::to_string(bytes));
    size_t rounded = (bytes + 63) / 64 * 64;
    auto *storage = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
    if (!storage)
      return internalError("out of memory for plan constants");
    std::memcpy(storage, c->data()->data(), bytes);
    constants_.emplace_back(storage, std::free);
  }
  return Status::ok();
}

Status LoadedPlan::decodeEntryPoint(const plan::EntryPoint &e) {
  PlanEntryPoint entry;
  entry.name = str(e.name());
  if (entry.name.empty() || findEntryPoint(entry.name))
    return invalidPlan("entry point names must be unique and non-empty");
  EntryScope scope;
  scope.defined.assign(tensors_.size(), false);
  for (size_t id = 0; id < tensors_.size(); ++id)
    scope.defined[id] = tensors_[id].storage == plan::Storage::Parameter ||
                        tensors_[id].storage == plan::Storage::Constant ||
                        tensors_[id].storage == plan::Storage::OptimizerState;
  for (uint32_t id : longs(e.inputs())) {
    if (id >= tensors_.size() || tensors_[id].storage != plan::Storage::Input)
      return invalidPlan("entry point '" + entry.name + "' input " +
                         tensorName(id) + " is not an input tensor");
    scope.defined[id] = true;
    entry.inputs.push_back(id);
  }
  if (!e.steps())
    return invalidPlan("entry point '" + entry.name + "' has no steps");
  for (const plan::Step *s : *e.steps()) {
    PlanStep step;
    BRAID_RETURN_IF_ERROR(decodeStep(*s, entry, scope, &step));
    for (uint32_t id : step.outputs)
      scope.defined[id] = true;
    entry.steps.push_back(std::move(step));
  }
  if (!scope.pending.empty())
    return invalidPlan("entry point '" + entry.name + "' starts request " +
                       std::to_string(scope.pending.begin()->first) +
                       " and never waits on it");
  for (uint32_t id : longs(e.outputs())) {
    if (id >= tensors_.size() || !scope.defined[id] ||
        tensors_[id].storage != plan::Storage::Arena)
      return invalidPlan("entry point '" + entry.name + "' output " +
                         tensorName(id) + " is not computed by its steps");
    entry.outputs.push_back(id);
  }
  entries_.push_back(std::move(entry));
  return Status::ok();
}

Status LoadedPlan::decodeStep(const plan::Step &s, const PlanEntryPoint &entry,
                              EntryScope &scope, PlanStep *out) const {
  PlanStep &step = *out;
  std::string where = "entry point '" + entry.name + "' step " +
                      std::to_string(entry.steps.size());
  const KernelKindInfo *kind = kernelKindInfo(s.kind());
  if (!kind)
    return invalidPlan(where + " has unknown kernel kind " +
                       std::to_string(static_cast<unsigned>(s.kind())));
  step.desc.kind = s.kind();
  where += " (" + std::string(kind->name) + ")";
  for (uint32_t id : longs(s.inputs())) {
    if (id >= tensors_.size() || !scope.defined[id])
      return invalidPlan(where + " reads " + tensorName(id) +
                         ", which holds no value at that point");
    step.inputs.push_back(id);
    step.desc.inputs.push_back(tensors_[id].desc);
  }
  for (uint32_t id : longs(s.outputs())) {
    // An in-place step writes its own inputs (checked by its family); every
    // other step writes fresh arena tensors.
    if (id >= tensors_.size() ||
        (!kind->inPlace() &&
         (tensors_[id].storage != plan::Storage::Arena || scope.defined[id])))
      return invalidPlan(where + " writes " + tensorName(id) +
                         ", which is not a fresh arena tensor");
    step.outputs.push_back(id);
    step.desc.outputs.push_back(tensors_[id].desc);
  }
  decodeAttributes(s, step.desc);
  BRAID_RETURN_IF_ERROR(decodeSource(s, where, step.desc));
  BRAID_RETURN_IF_ERROR(checkNotInFlight(step, where, scope));
  if (kind->traits.collective)
    return validateCollective(step, where, scope);
  BRAID_RETURN_IF_ERROR(validateStep(step, where));
  if (step.desc.kind == plan::KernelKind::Fused)
    return validateFused(step, where);
  return Status::ok();
}

Status LoadedPlan::validateFused(const PlanStep &step,
                                 const std::string &where) const {
  // The kernel is trusted code that writes exactly the output elements of
  // its work items (docs/plan-format.md), so a work item count beyond the
  // output's elements cannot be one the compiler wrote.
  const StepDesc &s = step.desc;
  if (code_.kernels.empty())
    return invalidPlan(where + " runs a generated kernel but the plan "
                               "carries no code section");
  if (s.kernelIndex >= code_.kernels.size())
    return invalidPlan(where + " runs kernel #" +
                       std::to_string(s.kernelIndex) + " but the plan has " +
                       std::to_string(code_.kernels.size()) +
                       " generated kernels");
  int64_t elements = s.outputs[0].elements();
  if (s.workItems <= 0 || s.workItems > std::max<int64_t>(1, elements))
    return invalidPlan(where + " has " + std::to_string(s.workItems) +
                       " work items; expected 1 to " +
                       std::to_string(std::max<int64_t>(1, elements)) +
                       " (its output's elements)");
  return Status::ok();
}

Status LoadedPlan::checkCodeUsed() const {
  bool fused = false;
  for (const PlanEntryPoint &entry : entries_)
    for (const PlanStep &step : entry.steps)
      fused = fused || step.desc.kind == plan::KernelKind::Fused;
  if (!fused && !code_.empty())
    return invalidPlan("the plan carries generated code but no fused step "
                       "runs it");
  // (A fused step without code fails validateFused.)
  return Status::ok();
}

Status LoadedPlan::checkArenaAlignment() const {
  // An arena tensor off a 64-byte boundary must be a bucket member (or a
  // view of one's bytes): an input of some AllReduceStart at its offset.
  std::set<std::pair<uint64_t, uint64_t>> packed;
  for (const PlanEntryPoint &entry : entries_)
    for (const PlanStep &step : entry.steps)
      if (step.desc.kind == plan::KernelKind::AllReduceStart)
        for (uint32_t id : step.inputs)
          packed.insert({tensors_[id].offset, tensors_[id].desc.bytes()});
  for (const PlanTensor &t : tensors_)
    if (t.storage == plan::Storage::Arena && t.offset % 64 != 0 &&
        !packed.count({t.offset, t.desc.bytes()}))
      return invalidPlan("tensor '" + t.name + "' at arena offset " +
                         std::to_string(t.offset) +
                         " is not 64-aligned and not in an all-reduce bucket");
  return Status::ok();
}

} // namespace braid::runtime
