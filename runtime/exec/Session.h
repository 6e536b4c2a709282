// A session: the executable state of one plan. One arena allocation, the
// parameters outside it, and every kernel (with its oneDNN primitives)
// created once, when the session is created. A session is used by one
// thread at a time (any thread, not only its creator); several sessions may
// share one LoadedPlan, and read its constants without copying them.
#ifndef BRAID_RUNTIME_EXEC_SESSION_H
#define BRAID_RUNTIME_EXEC_SESSION_H

#include "runtime/comm/Communicator.h"
#include "runtime/plan/LoadedPlan.h"
#include "runtime/trace/Tracer.h"

#include <map>
#include <memory>

namespace braid::runtime {

// The kernels' shared state holds oneDNN objects: the session keeps it
// behind a pointer, so that this header (and the C API) needs no oneDNN.
struct KernelContext;
class NativeCode;

/// What loading a checkpoint does with the optimizer state it holds.
enum class StateLoad {
  /// The state tensors the file holds; none at all (weights alone) starts
  /// every state tensor at zero.
  IfPresent,
  /// Every state tensor must be in the file (a training checkpoint to
  /// resume, whose optimizer would otherwise restart in part).
  Required,
  /// The file's state is ignored; every state tensor starts at zero.
  Skip,
};

struct SessionOptions {
  /// oneDNN (OpenMP) threads; 0 takes OMP_NUM_THREADS when it is set,
  /// else the cores divided by the processes on this host.
  int threads = 0;
  /// Seed of the parameter initializers.
  uint64_t seed = 0;
  /// The replicas' collectives (not owned; must outlive the session). Null
  /// means one process alone.
  Communicator *communicator = nullptr;
  /// Computes with IEEE denormals instead of flushing them to zero during
  /// a run (runtime/support/FloatEnv.h says why flushing is the default).
  bool ieeeDenormals = false;
  /// Whether a plan that carries generated native code (braidc's fused
  /// kernels) may run it. False refuses such a plan at session creation:
  /// native code in a plan is code execution, which a service that runs
  /// plans it did not compile may not want (docs/embedding.md).
  bool allowNativeCode = true;
};

class Session {
public:
  static Status create(std::shared_ptr<const LoadedPlan> plan,
                       const SessionOptions &options,
                       std::unique_ptr<Session> *out);
  ~Session();

  const LoadedPlan &plan() const { return *plan_; }
  /// The OpenMP threads a run uses (SessionOptions::threads resolved).
  int threads() const { return threads_; }
  /// The ISA of the plan's code image this session loaded ("x86-64-v3"),
  /// or "" when the plan carries no code.
  std::string codeIsa() const;

  /// Binds the caller's buffer to an input of an entry point, without a
  /// copy. The buffer must stay valid until it is rebound or the session
  /// is destroyed, and hold exactly the input's bytes.
  Status bindInput(const std::string &entry, const std::string &name,
                   const void *data, size_t bytes);
  /// Runs an entry point over the inputs bound last.
  Status run(const std::string &entry);
  /// The seed and training step that key the dropout masks of the next run
  /// of train_step. The seed starts as SessionOptions::seed, the step at 0;
  /// a successful run of train_step adds 1 to the step.
  void setTrainingPosition(uint64_t seed, uint64_t step);
  uint64_t trainingStep() const;
  /// Runs predict over `rows` rows, 1 to the plan's batch: the smallest
  /// compiled size of predict that holds them (LoadedPlan::predictVariants),
  /// its inputs padded with zero rows, and copies each output's first
  /// `rows` rows to `outputs`. `inputs` and `outputs` are predict's, in
  /// order; an input with rows holds `rows` of them, one fed whole all of
  /// it. An input given exactly a compiled size of rows is bound without a
  /// copy and stays bound, as by bindInput, until the next predictRows.
  /// (SessionPredict.cpp)
  Status predictRows(int64_t rows, const void *const *inputs, size_t inputCount,
                     void *const *outputs, size_t outputCount);
  /// An output of the last run, valid until the next run.
  Status output(const std::string &entry, const std::string &name,
                const void **data, size_t *bytes) const;

  /// Times every kernel and run into `tracer` (not owned; null: none, the
  /// default). The tracer must be made for this session's plan.
  void setTracer(trace::Tracer *tracer) { tracer_ = tracer; }
  trace::Tracer *tracer() const { return tracer_; }
  /// The communicator of the session's collectives (a local one alone).
  Communicator &communicator() const;

  /// Draws every parameter from its initializer with `seed`.
  void initializeParameters(uint64_t seed);
  /// Parameters by plan index, as float arrays of their tensor's size.
  float *parameterData(size_t index) { return params_[index]; }
  const float *parameterData(size_t index) const { return params_[index]; }

  /// safetensors checkpoints holding every parameter and optimizer state
  /// tensor by name. Loading needs every parameter; state tensors are
  /// optional (zero when absent), so a checkpoint of weights alone can start
  /// training; `state` says what else is allowed (StateLoad). `metadata`
  /// carries the caller's extra strings (training position, RNG state)
  /// both ways.
  Status loadCheckpoint(const std::string &path,
                        std::map<std::string, std::string> *metadata = nullptr,
                        StateLoad state = StateLoad::IfPresent);
  Status
  saveCheckpoint(const std::string &path,
                 const std::map<std::string, std::string> &metadata = {}) const;
  /// Sets every optimizer state tensor to zero.
  void resetState();
  /// Completes every rank's optimizer state from the others' shares when
  /// the update is sharded over ranks that cannot read each other's memory
  /// (several hosts): collective, every rank between steps, before one of
  /// them saves a checkpoint. Does nothing otherwise.
  Status gatherOptimizerState();
  /// The optimizer state of the plan, and the part of it this rank updates
  /// and keeps current (1/N of it on N ranks when every gradient bucket's
  /// update is sharded).
  size_t optimizerStateBytes() const;
  size_t optimizerStateBytesPerRank() const;

private:
  struct EntryState;
  Session() = default;
  Status build(const SessionOptions &options);
  /// Loads the plan's generated code, when it has some and `options` allow.
  Status loadCode(const SessionOptions &options);
  Status findInput(const std::string &entry, const std::string &name,
                   const EntryState **state, uint32_t *tensor) const;
  /// Points every kernel that reads or writes `tensor` at its buffer.
  void rebind(uint32_t tensor);
  void bindStep(EntryState &state, size_t step);

  std::shared_ptr<const LoadedPlan> plan_;
  LocalCommunicator localCommunicator_;
  std::unique_ptr<KernelContext> context_;
  /// The plan's generated kernels, loaded for this session; unloaded after
  /// the kernels that call them are destroyed (~Session).
  std::unique_ptr<NativeCode> code_;
  /// OpenMP threads of a run; OpenMP keeps the count per calling thread, so
  /// run() sets it on whichever thread calls it.
  int threads_ = 1;
  bool flushDenormals_ = true;
  uint8_t *arena_ = nullptr;
  /// True when the communicator allocated the arena, parameters and state
  /// as one block (and frees it).
  bool sharedBlock_ = false;
  std::vector<float *> params_;
  std::vector<float *> states_; // by Plan.states index
  /// Before an input is bound its kernels read this zeroed buffer, so every
  /// pointer a kernel holds is always valid.
  uint8_t *unboundInput_ = nullptr;
  /// The buffer of every tensor id.
  std::vector<void *> tensorData_;
  std::vector<bool> bound_;
  std::vector<std::unique_ptr<EntryState>> entries_;
  /// predictRows' padded inputs, each sized for the largest predict on
  /// first use.
  std::vector<std::unique_ptr<uint8_t[], void (*)(void *)>> predictStaging_;
  trace::Tracer *tracer_ = nullptr;
  /// (entry, step) pairs that read or write each tensor id.
  std::vector<std::vector<std::pair<size_t, size_t>>> users_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_EXEC_SESSION_H
