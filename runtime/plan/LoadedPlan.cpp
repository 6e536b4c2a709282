// Loading a plan: FlatBuffers verification, then semantic validation of
// everything the executor relies on, then decoding.
#include "runtime/plan/LoadedPlan.h"

#include "dialects/braid/ShapeRules/ModelRules.h"
#include "dialects/braid/ShapeRules/ShapeRules.h"
#include "runtime/io/AtomicFile.h"
#include "runtime/plan/PlanFormat.h"

#include <cstdlib>
#include <cstring>
#include <set>

namespace braid::runtime {
namespace {

std::string tensorName(const std::vector<PlanTensor> &tensors, uint32_t id) {
  return id < tensors.size() ? "'" + tensors[id].name + "'"
                             : "#" + std::to_string(id);
}

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

shape::TensorType toRuleType(const TensorDesc &desc) {
  return {desc.type == plan::ElementType::F32 ? shape::ElementType::F32
                                              : shape::ElementType::I32,
          desc.shape};
}

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

/// The shape rule of `kind` applied to a step's inputs and attributes.
shape::RuleResult applyRule(const StepDesc &s) {
  using K = plan::KernelKind;
  auto in = [&](size_t i) { return toRuleType(s.inputs[i]); };
  const std::vector<int64_t> &outShape = s.outputs[0].shape;
  switch (s.kind) {
  case K::Matmul:
    return shape::matmul(in(0), in(1), s.transposeLhs, s.transposeRhs);
  case K::Add:
  case K::Sub:
  case K::Mul:
  case K::Div:
    return shape::broadcastBinary(in(0), in(1));
  case K::Relu:
  case K::Sigmoid:
  case K::Tanh:
  case K::Gelu:
    return shape::unaryFloat(in(0));
  case K::Softmax:
  case K::LogSoftmax:
    if (s.axis < 0)
      return shape::RuleResult::fail("axis must be non-negative in a plan");
    return shape::softmax(in(0), s.axis);
  case K::SparseSoftmaxCrossEntropy:
    return shape::sparseSoftmaxCrossEntropy(in(0), in(1));
  case K::MeanSquaredError:
    return shape::meanSquaredError(in(0), in(1));
  case K::ReduceSum:
  case K::ReduceMean:
    for (size_t i = 0; i < s.axes.size(); ++i)
      if (s.axes[i] < 0 || (i > 0 && s.axes[i] <= s.axes[i - 1]))
        return shape::RuleResult::fail(
            "axes must be non-negative and ascending in a plan");
    return shape::reduce(in(0), s.axes);
  case K::Reshape:
    return shape::reshape(in(0), outShape);
  case K::Transpose:
    return shape::transpose(in(0), s.perm);
  case K::BroadcastTo:
    return shape::broadcastTo(in(0), outShape);
  case K::Flatten:
    return shape::flatten(in(0));
  case K::Conv2D: {
    std::optional<shape::TensorType> bias;
    if (s.inputs.size() == 3)
      bias = in(2);
    return shape::conv2d(in(0), in(1), bias, s.strides, s.padding, s.dilations);
  }
  case K::MaxPool2D:
  case K::AvgPool2D:
    return shape::pool2d(in(0), s.kernel, s.strides, s.padding);
  case K::ReluGrad:
  case K::SigmoidGrad:
  case K::TanhGrad:
  case K::GeluGrad:
    return shape::elementwiseGrad(in(0), in(1));
  case K::SoftmaxGrad:
  case K::LogSoftmaxGrad:
    if (s.axis < 0)
      return shape::RuleResult::fail("axis must be non-negative in a plan");
    return shape::softmaxGrad(in(0), in(1), s.axis);
  case K::SparseSoftmaxCrossEntropyGrad:
    return shape::sparseSoftmaxCrossEntropyGrad(in(0), in(1), in(2));
  case K::MeanSquaredErrorGrad:
    return shape::meanSquaredErrorGrad(in(0), in(1), in(2));
  case K::Conv2DBackwardData:
    return shape::conv2dBackwardData(in(0), in(1), outShape, s.strides,
                                     s.padding, s.dilations);
  case K::Conv2DBackwardFilter:
    return shape::conv2dBackwardFilter(in(0), in(1), outShape, s.strides,
                                       s.padding, s.dilations);
  case K::MaxPool2DGrad:
    return shape::maxPool2dGrad(in(0), in(1), s.kernel, s.strides, s.padding);
  case K::AvgPool2DGrad:
    return shape::avgPool2dGrad(in(0), outShape, s.kernel, s.strides,
                                s.padding);
  case K::Accuracy:
    return shape::accuracy(in(0), in(1));
  case K::SgdUpdate:
  case K::AdamUpdate:
  case K::Increment:
    break; // in-place updates: validateUpdate
  case K::AllReduce:
  case K::AllReduceStart:
  case K::AllReduceWait:
  case K::Broadcast:
    break; // collectives: validateCollective
  }
  return shape::RuleResult::fail("unknown kernel kind");
}

/// Optimizer updates and Increment write, in place, the inputs at these
/// positions.
std::vector<size_t> updatedInputs(plan::KernelKind kind) {
  switch (kind) {
  case plan::KernelKind::SgdUpdate:
    return {0, 2};
  case plan::KernelKind::AdamUpdate:
    return {0, 2, 3};
  case plan::KernelKind::Increment:
    return {0};
  default:
    return {};
  }
}

/// How many inputs a kind takes: [min, max].
std::pair<size_t, size_t> inputArity(plan::KernelKind kind) {
  using K = plan::KernelKind;
  switch (kind) {
  case K::Matmul:
  case K::Add:
  case K::Sub:
  case K::Mul:
  case K::Div:
  case K::SparseSoftmaxCrossEntropy:
  case K::MeanSquaredError:
    return {2, 2};
  case K::Conv2D:
    return {2, 3};
  case K::ReluGrad:
  case K::SigmoidGrad:
  case K::TanhGrad:
  case K::GeluGrad:
  case K::SoftmaxGrad:
  case K::LogSoftmaxGrad:
  case K::Conv2DBackwardData:
  case K::Conv2DBackwardFilter:
  case K::MaxPool2DGrad:
  case K::Accuracy:
    return {2, 2};
  case K::SparseSoftmaxCrossEntropyGrad:
  case K::MeanSquaredErrorGrad:
  case K::SgdUpdate:
    return {3, 3};
  case K::AdamUpdate:
    return {5, 5};
  default:
    return {1, 1};
  }
}

/// Steps that communicate with the other replicas (validateCollective).
bool isCollective(plan::KernelKind kind) {
  return kind == plan::KernelKind::AllReduce ||
         kind == plan::KernelKind::AllReduceStart ||
         kind == plan::KernelKind::AllReduceWait ||
         kind == plan::KernelKind::Broadcast;
}

bool knownKind(plan::KernelKind kind) {
  return static_cast<unsigned>(kind) <=
         static_cast<unsigned>(plan::KernelKind::MAX);
}

} // namespace

const char *toString(plan::KernelKind kind) {
  return knownKind(kind) ? plan::EnumNameKernelKind(kind) : "unknown";
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
    using K = plan::KernelKind;
    // The labels are the gradient's third operand, the others' second.
    const size_t labels =
        step.desc.kind == K::SparseSoftmaxCrossEntropyGrad ? 2 : 1;
    const bool classification =
        step.desc.kind == K::SparseSoftmaxCrossEntropy ||
        step.desc.kind == K::SparseSoftmaxCrossEntropyGrad ||
        step.desc.kind == K::Accuracy;
    if (classification && tensors_[step.inputs[labels]].name == inputName)
      classes = step.desc.inputs[labels - 1].shape[1];
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
  const plan::Plan *p = plan::GetPlan(data);
  if (p->format_version() != kFormatVersion)
    return invalidPlan("plan format version " +
                       std::to_string(p->format_version()) +
                       " is not supported; this runtime reads version " +
                       std::to_string(kFormatVersion));
  if (!p->tensors() || !p->entry_points() || !p->metadata())
    return invalidPlan("the plan lacks tensors, entry points or metadata");
  arenaBytes_ = p->arena_bytes();
  if (arenaBytes_ > (uint64_t(1) << 42))
    return invalidPlan("arena of " + std::to_string(arenaBytes_) +
                       " bytes is larger than 4 TiB");

  const plan::Metadata *m = p->metadata();
  metadata_.modelName = m->model_name() ? m->model_name()->str() : "";
  metadata_.batch = m->batch();
  metadata_.replicas = m->replicas();
  if (metadata_.replicas < 1)
    return invalidPlan("the plan is for " + std::to_string(metadata_.replicas) +
                       " replicas; at least 1 is needed");
  metadata_.compilerVersion =
      m->compiler_version() ? m->compiler_version()->str() : "";
  metadata_.moduleHash = m->module_hash();
  metadata_.epochs = m->epochs();

  // Tensors.
  size_t parameterCount = p->parameters() ? p->parameters()->size() : 0;
  size_t constantCount = p->constants() ? p->constants()->size() : 0;
  size_t stateCount = p->states() ? p->states()->size() : 0;
  for (const plan::Tensor *t : *p->tensors()) {
    PlanTensor tensor;
    size_t id = tensors_.size();
    tensor.name = t->name() ? t->name()->str() : "";
    if (tensor.name.empty())
      return invalidPlan("tensor #" + std::to_string(id) + " has no name");
    if (t->element_type() != plan::ElementType::F32 &&
        t->element_type() != plan::ElementType::I32)
      return invalidPlan("tensor '" + tensor.name +
                         "' has an unknown element type");
    tensor.desc.type = t->element_type();
    tensor.desc.shape = longs(t->shape());
    if (tensor.desc.shape.size() > 8)
      return invalidPlan("tensor '" + tensor.name + "' has rank " +
                         std::to_string(tensor.desc.shape.size()) +
                         "; at most 8 is supported");
    if (auto bad = shape::checkValid(toRuleType(tensor.desc)))
      return invalidPlan("tensor '" + tensor.name + "': " + *bad);
    tensor.storage = t->storage();
    tensor.offset = t->offset();
    tensor.index = t->index();
    switch (tensor.storage) {
    case plan::Storage::Arena:
      // Bucket members may sit at any multiple of 4 (checked with the
      // steps below); everything else at a multiple of 64.
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
      if (tensor.index >= parameterCount)
        return invalidPlan("tensor '" + tensor.name + "' names parameter #" +
                           std::to_string(tensor.index) + " of " +
                           std::to_string(parameterCount));
      break;
    case plan::Storage::Constant:
      if (tensor.index >= constantCount)
        return invalidPlan("tensor '" + tensor.name + "' names constant #" +
                           std::to_string(tensor.index) + " of " +
                           std::to_string(constantCount));
      break;
    case plan::Storage::OptimizerState:
      if (tensor.index >= stateCount)
        return invalidPlan("tensor '" + tensor.name + "' names state #" +
                           std::to_string(tensor.index) + " of " +
                           std::to_string(stateCount));
      break;
    case plan::Storage::Input:
      break;
    default:
      return invalidPlan("tensor '" + tensor.name +
                         "' has a storage this runtime does not support");
    }
    tensors_.push_back(std::move(tensor));
  }

  // Parameters: each names its own Parameter tensor, once.
  std::set<std::string> names;
  for (size_t i = 0; i < parameterCount; ++i) {
    const plan::Parameter *param = p->parameters()->Get(i);
    uint32_t id = param->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::Parameter ||
        tensors_[id].index != i)
      return invalidPlan("parameter #" + std::to_string(i) +
                         " does not name its own parameter tensor");
    if (tensors_[id].desc.type != plan::ElementType::F32)
      return invalidPlan("parameter " + tensorName(tensors_, id) +
                         " must be f32");
    if (!names.insert(tensors_[id].name).second)
      return invalidPlan("two parameters are named " +
                         tensorName(tensors_, id));
    PlanParameter decoded;
    decoded.tensor = id;
    const plan::Initializer *init = param->initializer();
    if (!init)
      return invalidPlan("parameter " + tensorName(tensors_, id) +
                         " has no initializer");
    decoded.init.kind = init->kind();
    decoded.init.args = elements(init->args());
    if (auto bad = shape::checkInitializer(initKindName(decoded.init.kind),
                                           decoded.init.args))
      return invalidPlan("parameter " + tensorName(tensors_, id) + ": " + *bad);
    parameters_.push_back(std::move(decoded));
  }
  for (const PlanTensor &t : tensors_)
    if (t.storage == plan::Storage::Parameter &&
        parameters_[t.index].tensor != &t - tensors_.data())
      return invalidPlan("tensor '" + t.name +
                         "' claims a parameter that is not its own");

  // Optimizer state: each names its own f32 state tensor, once.
  for (size_t i = 0; i < stateCount; ++i) {
    uint32_t id = p->states()->Get(i)->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::OptimizerState ||
        tensors_[id].index != i ||
        tensors_[id].desc.type != plan::ElementType::F32)
      return invalidPlan("state #" + std::to_string(i) +
                         " does not name its own f32 state tensor");
    if (!names.insert(tensors_[id].name).second)
      return invalidPlan("two parameters or states are named " +
                         tensorName(tensors_, id));
    states_.push_back(id);
  }

  // Constants, copied to 64-byte aligned storage shared by sessions.
  for (size_t i = 0; i < constantCount; ++i) {
    const plan::ConstantData *c = p->constants()->Get(i);
    uint32_t id = c->tensor();
    if (id >= tensors_.size() ||
        tensors_[id].storage != plan::Storage::Constant ||
        tensors_[id].index != i)
      return invalidPlan("constant #" + std::to_string(i) +
                         " does not name its own constant tensor");
    size_t bytes = tensors_[id].desc.bytes();
    if (!c->data() || c->data()->size() != bytes)
      return invalidPlan("constant " + tensorName(tensors_, id) + " has " +
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

  // Entry points and their steps.
  for (const plan::EntryPoint *e : *p->entry_points()) {
    PlanEntryPoint entry;
    entry.name = e->name() ? e->name()->str() : "";
    if (entry.name.empty() || findEntryPoint(entry.name))
      return invalidPlan("entry point names must be unique and non-empty");
    // Tensors that hold a value at this point of the entry point.
    std::vector<bool> defined(tensors_.size(), false);
    for (const PlanTensor &t : tensors_)
      defined[&t - tensors_.data()] =
          t.storage == plan::Storage::Parameter ||
          t.storage == plan::Storage::Constant ||
          t.storage == plan::Storage::OptimizerState;
    for (uint32_t id : longs(e->inputs())) {
      if (id >= tensors_.size() || tensors_[id].storage != plan::Storage::Input)
        return invalidPlan("entry point '" + entry.name + "' input " +
                           tensorName(tensors_, id) +
                           " is not an input tensor");
      defined[id] = true;
      entry.inputs.push_back(id);
    }
    if (!e->steps())
      return invalidPlan("entry point '" + entry.name + "' has no steps");
    std::map<uint32_t, std::vector<uint32_t>> pending;
    std::set<uint32_t> requests;
    for (const plan::Step *s : *e->steps()) {
      PlanStep step;
      size_t index = entry.steps.size();
      std::string where =
          "entry point '" + entry.name + "' step " + std::to_string(index);
      if (!knownKind(s->kind()))
        return invalidPlan(where + " has unknown kernel kind " +
                           std::to_string(static_cast<unsigned>(s->kind())));
      step.desc.kind = s->kind();
      where += " (" + std::string(toString(s->kind())) + ")";
      for (uint32_t id : longs(s->inputs())) {
        if (id >= tensors_.size() || !defined[id])
          return invalidPlan(where + " reads " + tensorName(tensors_, id) +
                             ", which holds no value at that point");
        step.inputs.push_back(id);
        step.desc.inputs.push_back(tensors_[id].desc);
      }
      bool inPlace =
          !updatedInputs(s->kind()).empty() || isCollective(s->kind());
      for (uint32_t id : longs(s->outputs())) {
        // An update writes its own inputs (checked in validateStep); every
        // other step writes fresh arena tensors.
        if (id >= tensors_.size() ||
            (!inPlace &&
             (tensors_[id].storage != plan::Storage::Arena || defined[id])))
          return invalidPlan(where + " writes " + tensorName(tensors_, id) +
                             ", which is not a fresh arena tensor");
        step.outputs.push_back(id);
        step.desc.outputs.push_back(tensors_[id].desc);
      }
      step.desc.axis = s->axis();
      step.desc.axes = longs(s->axes());
      step.desc.perm = longs(s->perm());
      step.desc.kernel = longs(s->kernel());
      step.desc.strides = longs(s->strides());
      step.desc.padding = longs(s->padding());
      step.desc.dilations = longs(s->dilations());
      step.desc.lr = s->lr();
      step.desc.momentum = s->momentum();
      step.desc.beta1 = s->beta1();
      step.desc.beta2 = s->beta2();
      step.desc.eps = s->eps();
      step.desc.transposeLhs = s->transpose_lhs();
      step.desc.transposeRhs = s->transpose_rhs();
      step.desc.reduction = s->reduction();
      step.desc.request = s->request();
      step.desc.root = s->root();
      // Nothing touches a bucket between its start and its wait: the
      // reduction may write it at any time there.
      for (const auto &[request, members] : pending)
        for (uint32_t member : members) {
          const PlanTensor &m = tensors_[member];
          for (const std::vector<uint32_t> *ids : {&step.inputs, &step.outputs})
            for (uint32_t id : *ids) {
              const PlanTensor &t = tensors_[id];
              if (t.storage == plan::Storage::Arena &&
                  t.offset < m.offset + m.desc.bytes() &&
                  m.offset < t.offset + t.desc.bytes() &&
                  !(s->kind() == plan::KernelKind::AllReduceWait &&
                    s->request() == request))
                return invalidPlan(where + " touches " +
                                   tensorName(tensors_, id) +
                                   ", which is being reduced (request " +
                                   std::to_string(request) + ")");
            }
        }
      if (isCollective(s->kind()))
        BRAID_RETURN_IF_ERROR(
            validateCollective(step, where, pending, requests));
      else
        BRAID_RETURN_IF_ERROR(validateStep(entry, step, index));
      for (uint32_t id : step.outputs)
        defined[id] = true;
      entry.steps.push_back(std::move(step));
    }
    if (!pending.empty())
      return invalidPlan("entry point '" + entry.name + "' starts request " +
                         std::to_string(pending.begin()->first) +
                         " and never waits on it");
    for (uint32_t id : longs(e->outputs())) {
      if (id >= tensors_.size() || !defined[id] ||
          tensors_[id].storage != plan::Storage::Arena)
        return invalidPlan("entry point '" + entry.name + "' output " +
                           tensorName(tensors_, id) +
                           " is not computed by its steps");
      entry.outputs.push_back(id);
    }
    entries_.push_back(std::move(entry));
  }
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

Status LoadedPlan::validateStep(const PlanEntryPoint &entry,
                                const PlanStep &step, size_t index) const {
  const StepDesc &s = step.desc;
  std::string where = "entry point '" + entry.name + "' step " +
                      std::to_string(index) + " (" + toString(s.kind) + ")";
  auto [minInputs, maxInputs] = inputArity(s.kind);
  size_t outputCount = std::max<size_t>(1, updatedInputs(s.kind).size());
  if (s.inputs.size() < minInputs || s.inputs.size() > maxInputs ||
      s.outputs.size() != outputCount)
    return invalidPlan(
        where + " has " + std::to_string(s.inputs.size()) + " inputs and " +
        std::to_string(s.outputs.size()) + " outputs; the kernel takes " +
        std::to_string(minInputs) +
        (maxInputs != minInputs ? " to " + std::to_string(maxInputs)
                                : std::string()) +
        " inputs and 1 output");
  std::vector<size_t> updated = updatedInputs(s.kind);
  if (!updated.empty())
    return validateUpdate(step, where, updated);
  // A kernel's output never overlaps its inputs, except that a reshape or
  // flatten may run in place (memory planning aliases them exactly): partial
  // overlap would make kernels read what they are writing.
  bool mayAlias = s.kind == plan::KernelKind::Reshape ||
                  s.kind == plan::KernelKind::Flatten;
  for (uint32_t out : step.outputs)
    for (uint32_t in : step.inputs) {
      const PlanTensor &o = tensors_[out], &i = tensors_[in];
      if (i.storage != plan::Storage::Arena)
        continue;
      bool disjoint = o.offset + o.desc.bytes() <= i.offset ||
                      i.offset + i.desc.bytes() <= o.offset;
      bool same = o.offset == i.offset && o.desc.bytes() == i.desc.bytes();
      if (!disjoint && !(mayAlias && same))
        return invalidPlan(where + " writes " + tensorName(tensors_, out) +
                           " over the bytes of its input " +
                           tensorName(tensors_, in));
    }
  // The same rule the compiler applied: a plan whose shapes disagree with
  // its kernels is rejected before any kernel sees it.
  shape::RuleResult rule = applyRule(s);
  if (!rule)
    return invalidPlan(where + ": " + rule.error());
  if (rule.type() != toRuleType(s.outputs[0]))
    return invalidPlan(where + " writes " +
                       tensorName(tensors_, step.outputs[0]) + " as " +
                       shape::toString(toRuleType(s.outputs[0])) +
                       " but its inputs give " + shape::toString(rule.type()));
  return Status::ok();
}

} // namespace braid::runtime

namespace braid::runtime {

Status LoadedPlan::validateCollective(
    const PlanStep &step, const std::string &where,
    std::map<uint32_t, std::vector<uint32_t>> &pending,
    std::set<uint32_t> &requests) const {
  const StepDesc &s = step.desc;
  using K = plan::KernelKind;
  if (s.kind != K::Broadcast && s.reduction != plan::Reduction::Sum &&
      s.reduction != plan::Reduction::Mean &&
      s.reduction != plan::Reduction::Max &&
      s.reduction != plan::Reduction::Min)
    return invalidPlan(where + " has an unknown reduction " +
                       std::to_string(static_cast<unsigned>(s.reduction)));
  if (s.kind == K::AllReduceWait) {
    auto it = pending.find(s.request);
    if (!step.inputs.empty() || it == pending.end() ||
        it->second != step.outputs)
      return invalidPlan(where +
                         " must wait on an earlier start's request "
                         "(request " +
                         std::to_string(s.request) +
                         "), with no inputs and that start's inputs as its "
                         "outputs");
    pending.erase(it);
    return Status::ok();
  }
  // AllReduce, AllReduceStart, Broadcast: distinct inputs, each written in
  // place (the outputs are the inputs; a start has none).
  bool start = s.kind == K::AllReduceStart;
  if (step.inputs.empty() ||
      (start ? !step.outputs.empty() : step.outputs != step.inputs))
    return invalidPlan(where + " needs at least one input and " +
                       (start ? std::string("no outputs")
                              : std::string("its inputs as its outputs")));
  std::set<uint32_t> seen;
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    uint32_t id = step.inputs[i];
    const PlanTensor &t = tensors_[id];
    if (!seen.insert(id).second)
      return invalidPlan(where + " lists " + tensorName(tensors_, id) +
                         " twice");
    if (s.kind == K::Broadcast) {
      if (t.storage != plan::Storage::Parameter &&
          t.storage != plan::Storage::OptimizerState)
        return invalidPlan(where + " broadcasts " + tensorName(tensors_, id) +
                           ", which is not a parameter or optimizer state");
      continue;
    }
    if (t.storage != plan::Storage::Arena ||
        t.desc.type != plan::ElementType::F32)
      return invalidPlan(where + " reduces " + tensorName(tensors_, id) +
                         ", which is not an f32 arena tensor");
    // A bucket is one byte range: the first input 64-aligned, each next one
    // right after the one before.
    if (start) {
      const PlanTensor *before = i ? &tensors_[step.inputs[i - 1]] : nullptr;
      uint64_t expected = before ? before->offset + before->desc.bytes() : 0;
      if (before ? t.offset != expected : t.offset % 64 != 0)
        return invalidPlan(where + " input " + tensorName(tensors_, id) +
                           " at arena offset " + std::to_string(t.offset) +
                           (before ? " does not follow the input before it (" +
                                         std::to_string(expected) + ")"
                                   : std::string(" is not 64-aligned")));
    }
  }
  if (s.kind == K::Broadcast &&
      (s.root < 0 || s.root >= std::max(1, metadata_.replicas)))
    return invalidPlan(where + " has root " + std::to_string(s.root) +
                       "; the plan has " + std::to_string(metadata_.replicas) +
                       " replicas");
  if (start) {
    if (!requests.insert(s.request).second)
      return invalidPlan(where + " reuses request " +
                         std::to_string(s.request));
    pending[s.request] = step.inputs;
  }
  return Status::ok();
}

Status LoadedPlan::validateUpdate(const PlanStep &step,
                                  const std::string &where,
                                  const std::vector<size_t> &updated) const {
  const StepDesc &s = step.desc;
  // Outputs are exactly the updated inputs: parameters for slot 0 of an
  // optimizer, state tensors otherwise.
  for (size_t k = 0; k < updated.size(); ++k) {
    uint32_t id = step.outputs[k];
    if (id != step.inputs[updated[k]])
      return invalidPlan(where + " must update its input #" +
                         std::to_string(updated[k]) + " in place");
    bool isParam = s.kind != plan::KernelKind::Increment && k == 0;
    plan::Storage expected =
        isParam ? plan::Storage::Parameter : plan::Storage::OptimizerState;
    if (tensors_[id].storage != expected)
      return invalidPlan(where + " updates " + tensorName(tensors_, id) +
                         ", which is not " +
                         (isParam ? "a parameter" : "optimizer state"));
  }
  if (s.kind == plan::KernelKind::Increment) {
    if (!s.inputs[0].shape.empty())
      return invalidPlan(where + " counts in a scalar f32[]");
    return Status::ok();
  }
  // Gradient and state tensors have the parameter's type; Adam's step
  // counter is a scalar.
  const TensorDesc &param = s.inputs[0];
  for (size_t i = 1; i < s.inputs.size(); ++i) {
    bool isStep = s.kind == plan::KernelKind::AdamUpdate && i == 4;
    if (isStep ? !(s.inputs[i].shape.empty() &&
                   s.inputs[i].type == plan::ElementType::F32)
               : !(s.inputs[i].shape == param.shape &&
                   s.inputs[i].type == plan::ElementType::F32))
      return invalidPlan(where + " input #" + std::to_string(i) + " " +
                         tensorName(tensors_, step.inputs[i]) +
                         " does not have the type it needs");
  }
  if (s.kind == plan::KernelKind::AdamUpdate &&
      tensors_[step.inputs[4]].storage != plan::Storage::OptimizerState)
    return invalidPlan(where + " reads its step count from " +
                       tensorName(tensors_, step.inputs[4]) +
                       ", which is not optimizer state");
  const char *optimizer =
      s.kind == plan::KernelKind::SgdUpdate ? "sgd" : "adam";
  std::map<std::string, double> values = {{"lr", s.lr},
                                          {"momentum", s.momentum},
                                          {"beta1", s.beta1},
                                          {"beta2", s.beta2},
                                          {"eps", s.eps}};
  for (const shape::OptimizerParam &p : *shape::optimizerParams(optimizer))
    if (auto bad = shape::checkOptimizerParam(p, values[p.name]))
      return invalidPlan(where + ": " + *bad);
  return Status::ok();
}

} // namespace braid::runtime
