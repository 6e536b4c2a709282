// The session: allocation, kernel creation, binding and running.
#include "runtime/exec/Session.h"

#include "runtime/exec/ShardedUpdate.h"

#include "runtime/exec/Initializers.h"
#include "runtime/exec/NativeCode.h"
#include "runtime/io/Safetensors.h"
#include "runtime/support/FloatEnv.h"
#include "runtime/support/LaunchEnv.h"
#include "shape/ShapeRules.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include <unistd.h>

namespace braid::runtime {

using io::Array;
using io::DType;
using io::NamedArray;

struct Session::EntryState {
  const PlanEntryPoint *entry = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels;
  /// The entry point's all-reduces, which progress() advances between
  /// kernels while they are in flight.
  std::vector<std::shared_ptr<PendingReduction>> requests;
  ShardedUpdate sharded;
  /// Per step: 0, or a collective's bucket plus one, its place told to the
  /// communicator.
  std::vector<uint32_t> collectiveBucket;
};

namespace {

uint8_t *allocateZeroed(size_t bytes) {
  size_t rounded = std::max<size_t>(64, (bytes + 63) / 64 * 64);
  auto *p = static_cast<uint8_t *>(std::aligned_alloc(64, rounded));
  if (p)
    std::memset(p, 0, rounded);
  return p;
}

/// Sets the calling thread's OpenMP thread count for a scope and puts the
/// caller's back at its end: the count is the embedding program's, whose
/// own parallel regions must not inherit a session's.
class OmpThreadsScope {
public:
  explicit OmpThreadsScope(int threads) : caller_(omp_get_max_threads()) {
    if (caller_ != threads)
      omp_set_num_threads(threads);
  }
  ~OmpThreadsScope() {
    if (omp_get_max_threads() != caller_)
      omp_set_num_threads(caller_);
  }
  OmpThreadsScope(const OmpThreadsScope &) = delete;
  OmpThreadsScope &operator=(const OmpThreadsScope &) = delete;

private:
  int caller_;
};

/// The host's memory in bytes, or 0 when the system does not say.
size_t physicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return 0;
  return static_cast<size_t>(pages) * static_cast<size_t>(pageSize);
}

/// OMP_NUM_THREADS as OpenMP reads it (the first level of a nested list),
/// or 0 when unset or not a positive count.
int envThreads() {
  const char *text = std::getenv("OMP_NUM_THREADS");
  if (!text)
    return 0;
  char *end = nullptr;
  long n = std::strtol(text, &end, 10);
  while (*end == ' ')
    ++end;
  if (end == text || (*end && *end != ',') || n < 1 || n > 1 << 16)
    return 0;
  return static_cast<int>(n);
}

/// The cores divided by the processes on this host (the MPI launcher tells
/// how many ranks share the host).
int defaultThreads() {
  int cores =
      static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / localProcesses());
}

} // namespace

Session::~Session() {
  // Kernels hold oneDNN memory objects that point into these buffers, and
  // function pointers into the generated code.
  entries_.clear();
  code_.reset();
  std::free(unboundInput_);
  if (sharedBlock_)
    return; // the communicator's
  std::free(arena_);
  for (float *p : params_)
    std::free(p);
  for (float *p : states_)
    std::free(p);
}

Status Session::create(std::shared_ptr<const LoadedPlan> plan,
                       const SessionOptions &options,
                       std::unique_ptr<Session> *out) {
  if (!plan)
    return invalidArgument("no plan");
  std::unique_ptr<Session> session(new Session());
  session->plan_ = std::move(plan);
  BRAID_RETURN_IF_ERROR(session->build(options));
  *out = std::move(session);
  return Status::ok();
}

Status Session::build(const SessionOptions &options) {
  if (options.threads < 0)
    return invalidArgument("threads must be 0 (automatic) or positive, got " +
                           std::to_string(options.threads));
  // The caller's --threads, then the user's OMP_NUM_THREADS, then a share
  // of the host.
  const int fromEnvironment = envThreads();
  threads_ = options.threads > 0   ? options.threads
             : fromEnvironment > 0 ? fromEnvironment
                                   : defaultThreads();
  flushDenormals_ = !options.ieeeDenormals;
  OmpThreadsScope ompThreads(threads_);
  context_ = std::make_unique<KernelContext>();
  context_->communicator =
      options.communicator ? options.communicator : &localCommunicator_;
  context_->random.seed = options.seed;
  BRAID_RETURN_IF_ERROR(loadCode(options));

  const std::vector<PlanTensor> &tensors = plan_->tensors();
  // A replicated plan asks its communicator for one block holding the
  // arena, the parameters and the optimizer state: when the ranks share
  // this host, it is memory they can all read, where buckets reduce without
  // messages and the optimizer update is sharded (ShardedUpdate.h).
  const std::vector<PlanParameter> &parameters = plan_->parameters();
  auto rounded = [](size_t bytes) { return (bytes + 63) / 64 * 64; };
  size_t total = rounded(plan_->arenaBytes());
  for (const PlanParameter &p : parameters)
    total += rounded(tensors[p.tensor].desc.bytes());
  for (uint32_t id : plan_->states())
    total += rounded(tensors[id].desc.bytes());
  // What an entry point reads before its input is bound.
  size_t largestInput = 0;
  for (const PlanTensor &t : tensors)
    if (t.storage == plan::Storage::Input)
      largestInput = std::max(largestInput, t.desc.bytes());
  // Every byte is zeroed at once, so a session larger than the host's
  // memory could only end in the OOM killer (or a sanitizer's abort).
  const size_t needed = total + rounded(largestInput);
  if (const size_t memory = physicalMemoryBytes(); memory && needed > memory)
    return unsupported("the plan needs " + std::to_string(needed) +
                       " bytes for its arena, parameters, optimizer state "
                       "and largest input; this host has " +
                       std::to_string(memory) + " bytes of memory");
  if (plan_->metadata().replicas > 1) {
    void *shared = nullptr;
    BRAID_RETURN_IF_ERROR(
        context_->communicator->allocateArena(total, &shared));
    if (shared) {
      sharedBlock_ = true;
      auto *next = static_cast<uint8_t *>(shared);
      arena_ = next;
      next += rounded(plan_->arenaBytes());
      for (const PlanParameter &p : parameters) {
        params_.push_back(reinterpret_cast<float *>(next));
        next += rounded(tensors[p.tensor].desc.bytes());
      }
      for (uint32_t id : plan_->states()) {
        states_.push_back(reinterpret_cast<float *>(next));
        next += rounded(tensors[id].desc.bytes());
      }
    }
  }
  if (!sharedBlock_) {
    arena_ = allocateZeroed(plan_->arenaBytes());
    if (!arena_)
      return internalError("out of memory for an arena of " +
                           std::to_string(plan_->arenaBytes()) + " bytes");
    for (const PlanParameter &p : parameters) {
      params_.push_back(reinterpret_cast<float *>(
          allocateZeroed(tensors[p.tensor].desc.bytes())));
      if (!params_.back())
        return internalError("out of memory for parameter '" +
                             tensors[p.tensor].name + "'");
    }
    for (uint32_t id : plan_->states()) {
      states_.push_back(
          reinterpret_cast<float *>(allocateZeroed(tensors[id].desc.bytes())));
      if (!states_.back())
        return internalError("out of memory for state '" + tensors[id].name +
                             "'");
    }
  }
  unboundInput_ = allocateZeroed(largestInput);
  if (!unboundInput_)
    return internalError("out of memory for an input of " +
                         std::to_string(largestInput) + " bytes");
  initializeParameters(options.seed);

  tensorData_.resize(tensors.size());
  bound_.assign(tensors.size(), false);
  users_.resize(tensors.size());
  for (size_t id = 0; id < tensors.size(); ++id) {
    const PlanTensor &t = tensors[id];
    switch (t.storage) {
    case plan::Storage::Arena:
      tensorData_[id] = arena_ + t.offset;
      break;
    case plan::Storage::Parameter:
      tensorData_[id] = params_[t.index];
      break;
    case plan::Storage::Constant:
      tensorData_[id] = const_cast<void *>(plan_->constantData(t.index));
      break;
    case plan::Storage::OptimizerState:
      tensorData_[id] = states_[t.index];
      break;
    default:
      tensorData_[id] = unboundInput_;
      break;
    }
  }

  for (const PlanEntryPoint &entry : plan_->entryPoints()) {
    auto state = std::make_unique<EntryState>();
    state->entry = &entry;
    context_->requests.clear(); // request ids are per entry point
    for (size_t i = 0; i < entry.steps.size(); ++i) {
      const PlanStep &step = entry.steps[i];
      std::unique_ptr<Kernel> kernel;
      BRAID_RETURN_IF_ERROR(createKernel(step.desc, *context_, &kernel)
                                .withContext("entry point '" + entry.name +
                                             "' step " + std::to_string(i) +
                                             " (" + kindName(step.desc.kind) +
                                             ")"));
      state->kernels.push_back(std::move(kernel));
      const KernelKindInfo *info = kernelKindInfo(step.desc.kind);
      const bool collective = info && info->traits.collective;
      state->collectiveBucket.push_back(collective ? step.desc.request + 1 : 0);
      for (uint32_t id : step.inputs)
        users_[id].emplace_back(entries_.size(), i);
      for (uint32_t id : step.outputs)
        users_[id].emplace_back(entries_.size(), i);
    }
    for (const auto &[id, request] : context_->requests)
      state->requests.push_back(request);
    if (plan_->metadata().replicas > 1)
      BRAID_RETURN_IF_ERROR(
          state->sharded.build(*plan_, entry, state->kernels, tensorData_,
                               context_->requests, context_->communicator));
    entries_.push_back(std::move(state));
    for (size_t i = 0; i < entry.steps.size(); ++i)
      bindStep(*entries_.back(), i);
  }
  return Status::ok();
}

Status Session::loadCode(const SessionOptions &options) {
  const PlanCode &code = plan_->code();
  if (code.empty())
    return Status::ok();
  if (!options.allowNativeCode)
    return unsupported("the plan carries native code (" +
                       std::to_string(code.kernels.size()) +
                       " generated kernels) and this session refuses native "
                       "code" +
                       kNoCodegenHint);
  BRAID_RETURN_IF_ERROR(NativeCode::load(code, &code_));
  context_->fusedKernels = code_->kernels();
  return Status::ok();
}

std::string Session::codeIsa() const { return code_ ? code_->isa() : ""; }

void Session::bindStep(EntryState &state, size_t index) {
  const PlanStep &step = state.entry->steps[index];
  std::vector<void *> inputs, outputs;
  for (uint32_t id : step.inputs)
    inputs.push_back(tensorData_[id]);
  for (uint32_t id : step.outputs)
    outputs.push_back(tensorData_[id]);
  state.kernels[index]->bind(inputs, outputs);
}

void Session::rebind(uint32_t tensor) {
  for (auto [entry, step] : users_[tensor])
    bindStep(*entries_[entry], step);
}

void Session::initializeParameters(uint64_t seed) {
  const std::vector<PlanParameter> &params = plan_->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    initializeParameter(params[i].init, plan_->tensors()[params[i].tensor].desc,
                        seed, i, params_[i]);
}

Status Session::findInput(const std::string &entryName, const std::string &name,
                          const EntryState **state, uint32_t *tensor) const {
  for (const auto &s : entries_) {
    if (s->entry->name != entryName)
      continue;
    std::string names;
    for (uint32_t id : s->entry->inputs) {
      if (plan_->tensors()[id].name == name) {
        *state = s.get();
        *tensor = id;
        return Status::ok();
      }
      names += (names.empty() ? "" : ", ") + plan_->tensors()[id].name;
    }
    return notFound("entry point '" + entryName + "' has no input '" + name +
                    "'; its inputs are: " + names);
  }
  return notFound("the plan has no entry point '" + entryName + "'");
}

Status Session::bindInput(const std::string &entry, const std::string &name,
                          const void *data, size_t bytes) {
  const EntryState *state;
  uint32_t id;
  BRAID_RETURN_IF_ERROR(findInput(entry, name, &state, &id));
  const PlanTensor &t = plan_->tensors()[id];
  if (!data)
    return invalidArgument("input '" + name + "' bound to a null buffer");
  if (bytes != t.desc.bytes())
    return invalidArgument(
        "input '" + name + "' of '" + entry + "' is " +
        shape::toString(shape::TensorType{t.desc.type == plan::ElementType::F32
                                              ? shape::ElementType::F32
                                              : shape::ElementType::I32,
                                          t.desc.shape}) +
        " (" + std::to_string(t.desc.bytes()) + " bytes), got a buffer of " +
        std::to_string(bytes) + " bytes");
  tensorData_[id] = const_cast<void *>(data);
  bound_[id] = true;
  rebind(id);
  return Status::ok();
}

Status Session::run(const std::string &entry) {
  for (size_t e = 0; e < entries_.size(); ++e) {
    const auto &state = entries_[e];
    if (state->entry->name != entry)
      continue;
    for (uint32_t id : state->entry->inputs)
      if (!bound_[id])
        return invalidArgument("input '" + plan_->tensors()[id].name +
                               "' of '" + entry + "' is not bound");
    // Set per run, on whichever thread runs it: a service runs sessions on
    // its worker threads.
    OmpThreadsScope ompThreads(threads_);
    FlushDenormalsScope floatEnv(flushDenormals_, threads_);
    Communicator *comm = context_->communicator;
    // Without a tracer, timing costs this branch per kernel.
    trace::Tracer *const tracer = tracer_;
    const auto index = static_cast<uint32_t>(e);
    const auto step = static_cast<int64_t>(context_->random.step);
    const int64_t runBegin = tracer ? trace::now() : 0;
    for (size_t i = 0; i < state->kernels.size(); ++i) {
      const uint32_t bucket = state->collectiveBucket[i];
      if (bucket)
        comm->enter({state->entry->name.c_str(), step, bucket - 1});
      const int64_t begin = tracer ? trace::now() : 0;
      Status s = state->kernels[i]->run();
      if (tracer)
        tracer->kernel(index, static_cast<uint32_t>(i), step, begin,
                       trace::now());
      if (!s)
        return s.withContext("entry point '" + entry + "' step " +
                             std::to_string(i) + " (" +
                             kindName(state->entry->steps[i].desc.kind) + ")");
      // Every collective step but a start completes one (a wait).
      if (bucket)
        comm->leave(state->entry->steps[i].desc.kind !=
                    plan::KernelKind::AllReduceStart);
      // MPI advances a non-blocking all-reduce only inside MPI calls; a test
      // between kernels is what lets it overlap the backward pass.
      for (const auto &pending : state->requests)
        if (pending->request.active)
          comm->progress(&pending->request);
    }
    // Only an entry point whose update is sharded exchanges anything.
    if (!state->sharded.empty()) {
      const int64_t begin = tracer ? trace::now() : 0;
      comm->enter(
          {state->entry->name.c_str(), step, CollectivePlace::kExchange});
      if (Status s = state->sharded.exchange(comm); !s)
        return s.withContext("entry point '" + entry +
                             "', exchanging updated parameters");
      comm->leave(/*completed=*/true);
      if (tracer)
        tracer->span(trace::Category::Exchange, step, begin, trace::now());
    }
    if (tracer)
      tracer->run(index, step, runBegin, trace::now());
    if (entry == "train_step")
      ++context_->random.step;
    return Status::ok();
  }
  return notFound("the plan has no entry point '" + entry + "'");
}

Communicator &Session::communicator() const { return *context_->communicator; }

void Session::setTrainingPosition(uint64_t seed, uint64_t step) {
  context_->random = {seed, step};
}

uint64_t Session::trainingStep() const { return context_->random.step; }

Status Session::output(const std::string &entry, const std::string &name,
                       const void **data, size_t *bytes) const {
  const PlanEntryPoint *e = plan_->findEntryPoint(entry);
  if (!e)
    return notFound("the plan has no entry point '" + entry + "'");
  std::string names;
  for (uint32_t id : e->outputs) {
    const PlanTensor &t = plan_->tensors()[id];
    if (t.name == name) {
      *data = tensorData_[id];
      *bytes = t.desc.bytes();
      return Status::ok();
    }
    names += (names.empty() ? "" : ", ") + t.name;
  }
  return notFound("entry point '" + entry + "' has no output '" + name +
                  "'; its outputs are: " + names);
}

Status Session::gatherOptimizerState() {
  for (const auto &state : entries_)
    if (state->sharded.collectiveGather())
      BRAID_RETURN_IF_ERROR(
          state->sharded.gatherOwnedState(context_->communicator));
  return Status::ok();
}

size_t Session::optimizerStateBytes() const {
  size_t bytes = 0;
  for (uint32_t id : plan_->states())
    bytes += plan_->tensors()[id].desc.bytes();
  return bytes;
}

size_t Session::optimizerStateBytesPerRank() const {
  size_t bytes = optimizerStateBytes();
  for (const auto &state : entries_)
    bytes -= std::min(bytes, state->sharded.stateBytesNotKept());
  return bytes;
}

void Session::resetState() {
  for (size_t i = 0; i < states_.size(); ++i)
    std::memset(states_[i], 0,
                plan_->tensors()[plan_->states()[i]].desc.bytes());
}

Status Session::loadCheckpoint(const std::string &path,
                               std::map<std::string, std::string> *metadata,
                               StateLoad stateLoad) {
  std::vector<NamedArray> arrays;
  std::map<std::string, std::string> meta;
  BRAID_RETURN_IF_ERROR(io::readSafetensors(path, &arrays, &meta));
  std::map<std::string, const Array *> byName;
  for (const NamedArray &a : arrays)
    byName[a.name] = &a.array;
  // Where each tensor goes: parameters (required), then state (optional).
  std::vector<std::pair<float *, const Array *>> copies;
  auto take = [&](uint32_t id, float *dst, bool required) -> Status {
    const PlanTensor &t = plan_->tensors()[id];
    auto it = byName.find(t.name);
    if (it == byName.end())
      return required ? invalidData(path + ": no tensor '" + t.name +
                                    "', which the plan's parameters need")
                      : Status::ok();
    const Array &a = *it->second;
    if (a.dtype != DType::F32 || a.shape != t.desc.shape)
      return invalidData(path + ": tensor '" + t.name + "' is " +
                         io::toString(a.dtype) + shape::toString(a.shape) +
                         " but the plan expects f32" +
                         shape::toString(t.desc.shape));
    copies.emplace_back(dst, &a);
    byName.erase(it);
    return Status::ok();
  };
  const std::vector<PlanParameter> &params = plan_->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    BRAID_RETURN_IF_ERROR(take(params[i].tensor, params_[i], true));
  size_t stateCopies = copies.size();
  for (size_t i = 0; i < plan_->states().size(); ++i) {
    const std::string &name = plan_->tensors()[plan_->states()[i]].name;
    if (stateLoad == StateLoad::Skip) {
      byName.erase(name);
      continue;
    }
    if (stateLoad == StateLoad::Required && !byName.count(name))
      return invalidData(path + ": no optimizer state '" + name +
                         "', which resuming its training needs");
    BRAID_RETURN_IF_ERROR(take(plan_->states()[i], states_[i], false));
  }
  stateCopies = copies.size() - stateCopies;
  if (!byName.empty())
    return invalidData(path + ": tensor '" + byName.begin()->first +
                       "' is not a parameter or optimizer state of this plan");
  // Everything matched: only now change the session.
  if (stateCopies == 0)
    resetState();
  for (auto [dst, array] : copies)
    std::memcpy(dst, array->data.data(), array->data.size());
  if (metadata)
    *metadata = std::move(meta);
  return Status::ok();
}

Status Session::saveCheckpoint(
    const std::string &path,
    const std::map<std::string, std::string> &metadata) const {
  std::vector<NamedArray> arrays;
  auto add = [&](uint32_t id, const float *data) {
    const PlanTensor &t = plan_->tensors()[id];
    NamedArray named;
    named.name = t.name;
    named.array.dtype = DType::F32;
    named.array.shape = t.desc.shape;
    const auto *bytes = reinterpret_cast<const uint8_t *>(data);
    named.array.data.assign(bytes, bytes + t.desc.bytes());
    arrays.push_back(std::move(named));
  };
  // A sharded update left each rank's optimizer state current in its own
  // share only. (Over several hosts, every rank has called
  // gatherOptimizerState() instead.)
  for (const auto &state : entries_)
    if (!state->sharded.collectiveGather())
      state->sharded.gatherState(context_->communicator);
  const std::vector<PlanParameter> &params = plan_->parameters();
  for (size_t i = 0; i < params.size(); ++i)
    add(params[i].tensor, params_[i]);
  for (size_t i = 0; i < plan_->states().size(); ++i)
    add(plan_->states()[i], states_[i]);
  std::map<std::string, std::string> meta = metadata;
  meta["format"] = "braid";
  meta["model"] = plan_->metadata().modelName;
  return io::writeSafetensors(path, arrays, meta);
}

} // namespace braid::runtime
