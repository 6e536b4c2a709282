// The kernel interface: one object per plan step, created once when a session
// is created (oneDNN primitives included), then run many times without
// allocating.
#ifndef BRAID_RUNTIME_KERNELS_KERNEL_H
#define BRAID_RUNTIME_KERNELS_KERNEL_H

#include "runtime/comm/Communicator.h"
#include "runtime/kernels/FusedAbi.h"
#include "runtime/plan/StepDesc.h"
#include "runtime/support/Status.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace braid::runtime {

/// An all-reduce between its start step and its wait step, shared by their
/// kernels.
struct PendingReduction {
  CommRequest request;
  /// Set by the start: the wait divides the sum by the replica count.
  bool mean = false;
};

/// The counters dropout keys its masks by (Dropout.cpp), owned by the
/// session: the run's seed, and the training step a run of train_step
/// computes (set by the caller, else counted by the session).
struct RandomCounters {
  uint64_t seed = 0;
  uint64_t step = 0;
};

/// Shared by the kernels of one session.
struct KernelContext {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  /// The replicas' collectives; the session's, never null.
  Communicator *communicator = nullptr;
  /// The all-reduces in flight of the entry point being created, by the
  /// request id that pairs a start step with its wait step.
  std::map<uint32_t, std::shared_ptr<PendingReduction>> requests;
  /// Read by the dropout kernels at every run.
  RandomCounters random;
  /// The plan's generated kernels by Step.kernel_index, bound when the
  /// session loaded its code (NativeCode.h); empty when it has none.
  std::vector<FusedKernelFn> fusedKernels;
};

class Kernel {
public:
  virtual ~Kernel() = default;

  /// Points the kernel at its buffers: `inputs` and `outputs` in StepDesc
  /// order, each large enough for its TensorDesc. Called when the session is
  /// created and again whenever a caller binds a new input buffer; it may not
  /// allocate more than small bookkeeping.
  virtual void bind(const std::vector<void *> &inputs,
                    const std::vector<void *> &outputs) = 0;

  /// Computes the outputs from the inputs last bound. Never allocates a
  /// tensor's buffer (Braid's own loops allocate nothing; oneDNN's execute
  /// keeps a few bytes of argument bookkeeping per call, and OpenBLAS's
  /// AVX-512 small-matrix kernels a packing buffer per call) and never
  /// creates a oneDNN primitive. Fails only for data-dependent errors
  /// (a label out of range), with a message naming the value.
  virtual Status run() = 0;

  /// For kernels that update a parameter element by element (the
  /// optimizers): from now on update only elements [begin, end) of the
  /// parameter and its state. A replica of a sharded update (ZeRO stage 1)
  /// updates only its share, and the replicas then exchange parameters.
  /// False when the kernel cannot.
  virtual bool restrictElements(int64_t begin, int64_t end) {
    (void)begin;
    (void)end;
    return false;
  }
  /// For the same kernels, on replicas that share memory: from now on the
  /// gradient operand is the sum, in the order of RankOrder.h, of `gradients`
  /// (every rank's buffer of it, unreduced), which the kernel adds up itself a
  /// block at a time instead of reading a reduced gradient. False when the
  /// kernel cannot.
  virtual bool sumGradients(std::vector<const float *> gradients) {
    (void)gradients;
    return false;
  }
};

/// Creates the kernel of `step`; oneDNN primitives are created here. Fails
/// with Unsupported for a kind this runtime cannot run.
Status createKernel(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out);

} // namespace braid::runtime

#endif // BRAID_RUNTIME_KERNELS_KERNEL_H
