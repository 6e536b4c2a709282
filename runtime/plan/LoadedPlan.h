// A plan loaded into memory: verified, validated and decoded into the form
// sessions use. Immutable once loaded and shared by every session created
// from it.
#ifndef BRAID_RUNTIME_PLAN_LOADEDPLAN_H
#define BRAID_RUNTIME_PLAN_LOADEDPLAN_H

#include "runtime/plan/CodeSection.h"
#include "runtime/plan/KernelKinds.h"
#include "runtime/plan/StepDesc.h"
#include "runtime/support/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace braid::runtime {

/// One tensor of the plan, decoded.
struct PlanTensor {
  std::string name;
  TensorDesc desc;
  plan::Storage storage = plan::Storage::Arena;
  uint64_t offset = 0; // Storage::Arena
  uint32_t index = 0;  // Storage::Parameter, Storage::Constant
  /// Storage::Input: the batch rows' dimension, -1 for an input fed whole.
  int32_t batchDim = 0;
};

struct PlanInitializer {
  plan::InitKind kind = plan::InitKind::Zeros;
  std::vector<double> args;
};

struct PlanParameter {
  uint32_t tensor = 0;
  PlanInitializer init;
};

struct PlanStep {
  StepDesc desc;
  std::vector<uint32_t> inputs, outputs; // tensor ids
};

struct PlanEntryPoint {
  std::string name;
  std::vector<uint32_t> inputs, outputs; // tensor ids
  std::vector<PlanStep> steps;
};

struct PlanMetadata {
  std::string modelName;
  int64_t batch = 0;
  int32_t replicas = 1;
  std::string compilerVersion;
  uint64_t moduleHash = 0;
  int64_t epochs = 0;
  /// The train block's steps (0: epochs) and accumulate (micro-batches per
  /// optimizer step, at least 1).
  int64_t steps = 0;
  int64_t accumulate = 1;
  /// The batches predict is compiled for (braidc --batch LO..HI),
  /// ascending, the last being `batch`; empty for a plan of one batch.
  std::vector<int64_t> predictBatches;
};

/// One compiled size of predict: a request of up to `batch` rows may run
/// it, padded with zero rows (LoadedPlan::predictVariants).
struct PredictVariant {
  int64_t batch = 0;
  const PlanEntryPoint *entry = nullptr;
};

class LoadedPlan {
public:
  /// Verifies (flatbuffers::Verifier), validates and decodes `size` bytes.
  /// Nothing in a hostile buffer can make this read out of bounds or make a
  /// later session do so: every id, offset, size, shape and attribute the
  /// executor relies on is checked here.
  static Status load(const uint8_t *data, size_t size,
                     std::shared_ptr<const LoadedPlan> *out);
  static Status loadFile(const std::string &path,
                         std::shared_ptr<const LoadedPlan> *out);

  const PlanMetadata &metadata() const { return metadata_; }
  const std::vector<PlanTensor> &tensors() const { return tensors_; }
  const std::vector<PlanParameter> &parameters() const { return parameters_; }
  const std::vector<PlanEntryPoint> &entryPoints() const { return entries_; }
  /// Null when there is no entry point of that name.
  const PlanEntryPoint *findEntryPoint(const std::string &name) const;
  uint64_t arenaBytes() const { return arenaBytes_; }
  /// A 64-bit FNV-1a hash of the plan's bytes.
  uint64_t contentHash() const { return contentHash_; }
  /// The bytes of Plan.constants[index], 64-byte aligned, shared by sessions.
  const void *constantData(uint32_t index) const {
    return constants_[index].get();
  }
  /// Sum of the parameters' element counts.
  int64_t parameterCount() const;
  /// The class count of `entry`'s input `inputName` when it holds the
  /// labels of a sparse cross-entropy or an accuracy (the logits' columns);
  /// 0 otherwise.
  int64_t labelClasses(const PlanEntryPoint &entry,
                       const std::string &inputName) const;
  /// Tensor ids of the optimizer state (Plan.states order).
  const std::vector<uint32_t> &states() const { return states_; }
  /// The sizes of predict a request of n rows chooses from, ascending: every
  /// predict of metadata().predictBatches, else the one predict. Empty when
  /// predict cannot take fewer rows than its batch (predictRowsProblem()
  /// says why) or the plan has no predict.
  const std::vector<PredictVariant> &predictVariants() const {
    return predictVariants_;
  }
  /// Why a request cannot give predict any number of rows, or "".
  const std::string &predictRowsProblem() const { return predictRowsProblem_; }
  /// The generated kernels and their native code (empty for a plan compiled
  /// with braidc --no-codegen). Checked, never loaded: a session loads it.
  const PlanCode &code() const { return code_; }

private:
  /// What decoding one entry point tracks from one step to the next.
  struct EntryScope {
    /// Tensors that hold a value at this point of the entry point.
    std::vector<bool> defined;
    /// The inputs of every all-reduce start not yet waited on, by request.
    std::map<uint32_t, std::vector<uint32_t>> pending;
    /// Every request started so far.
    std::set<uint32_t> requests;
  };

  // Decoding (LoadedPlan.cpp), in the order decode() runs the steps. Each
  // checks what it decodes, and may rely on what the steps before it
  // checked.
  Status decode(const uint8_t *data, size_t size);
  Status decodeMetadata(const plan::Plan &p);
  Status decodeTensors(const plan::Plan &p);
  Status decodeTensor(const plan::Tensor &t, const plan::Plan &p);
  /// Parameters and optimizer state; `names` holds the names taken.
  Status decodeParameters(const plan::Plan &p, std::set<std::string> &names);
  Status decodeStates(const plan::Plan &p, std::set<std::string> &names);
  Status decodeConstants(const plan::Plan &p);
  Status decodeEntryPoint(const plan::EntryPoint &e);
  Status decodeStep(const plan::Step &s, const PlanEntryPoint &entry,
                    EntryScope &scope, PlanStep *out) const;
  /// Every arena tensor off a 64-byte boundary is in an all-reduce bucket.
  Status checkArenaAlignment() const;
  /// predictVariants_ (PredictVariants.cpp): a plan for a range of batch
  /// sizes must have each predict, all of one signature but for the rows.
  Status decodePredictVariants();
  /// `variant`'s inputs and outputs are predict's (`whole`, the largest)
  /// with `variant.batch` rows where predict has `whole.batch`.
  Status checkVariant(const PredictVariant &variant,
                      const PredictVariant &whole) const;
  /// A fused step's kernel and work items; `where` names the step.
  Status validateFused(const PlanStep &step, const std::string &where) const;
  /// Fused steps and a code section come together.
  Status checkCodeUsed() const;

  // Validating a decoded step (ValidateStep.cpp). `where` names the step.
  /// A step that writes a fresh tensor: counts, overlaps and its shape rule.
  Status validateStep(const PlanStep &step, const std::string &where) const;
  /// An optimizer update or Increment: what it writes in place, and its
  /// hyper-parameters.
  Status validateUpdate(const PlanStep &step, const std::string &where) const;
  /// A collective step; records the requests it starts and waits on.
  Status validateCollective(const PlanStep &step, const std::string &where,
                            EntryScope &scope) const;
  /// Nothing touches a bucket between its start and its wait.
  Status checkNotInFlight(const PlanStep &step, const std::string &where,
                          const EntryScope &scope) const;

  /// "'name'" of a tensor id, or "#id" when out of range, for messages.
  std::string tensorName(uint32_t id) const;

  PlanMetadata metadata_;
  uint64_t contentHash_ = 0;
  std::vector<PlanTensor> tensors_;
  std::vector<PlanParameter> parameters_;
  std::vector<PlanEntryPoint> entries_;
  std::vector<uint32_t> states_;
  PlanCode code_;
  std::vector<std::unique_ptr<uint8_t[], void (*)(void *)>> constants_;
  uint64_t arenaBytes_ = 0;
  std::vector<PredictVariant> predictVariants_;
  std::string predictRowsProblem_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_PLAN_LOADEDPLAN_H
