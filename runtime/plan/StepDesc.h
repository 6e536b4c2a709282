// What a plan step is once decoded: its kernel kind, its operands' types and
// its attributes. Shared by the plan decoder and the kernels, and free of
// oneDNN so that the decoder and the C API compile without it.
#ifndef BRAID_RUNTIME_PLAN_STEPDESC_H
#define BRAID_RUNTIME_PLAN_STEPDESC_H

#include "runtime/schema/plan_generated.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace braid::runtime {

/// A tensor as a kernel sees it: element type and static shape (row-major,
/// dense).
struct TensorDesc {
  plan::ElementType type = plan::ElementType::F32;
  std::vector<int64_t> shape;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  size_t bytes() const { return static_cast<size_t>(elements()) * 4; }
};

/// Everything a kernel needs to know about its step, decoded from the plan
/// (and validated: operand counts, shapes and attributes agree with the op's
/// shape rule).
struct StepDesc {
  plan::KernelKind kind = plan::KernelKind::Matmul;
  std::vector<TensorDesc> inputs; // in the op's operand order
  /// One for every forward and gradient op; an optimizer update lists the
  /// tensors it updates in place, whose buffers are its inputs' buffers.
  std::vector<TensorDesc> outputs;
  int64_t axis = 0;
  std::vector<int64_t> axes, perm, kernel, strides, padding, dilations;
  /// Optimizer hyper-parameters (SgdUpdate, AdamUpdate).
  double lr = 0, momentum = 0, beta1 = 0, beta2 = 0, eps = 0;
  /// Pow: the exponent.
  double exponent = 0;
  /// Slice, SliceGrad: the range's first index along `axis`.
  int64_t start = 0;
  /// Dropout: the probability of zeroing an element, and the op's salt.
  double dropoutP = 0;
  uint32_t salt = 0;
  /// LrSchedule: the schedule and its settings (lr is the base rate).
  plan::LrScheduleKind schedule = plan::LrScheduleKind::Constant;
  int64_t warmup = 0, total = 0, every = 0;
  double floor = 0, gamma = 0;
  /// ClipScale: the largest norm left unscaled.
  double maxNorm = 0;
  /// AdamWUpdate, SgdWdUpdate.
  double weightDecay = 0;
  /// Fused: the kernel (index into Plan.kernels) and the work items it
  /// splits over threads, [0, workItems).
  uint32_t kernelIndex = 0;
  int64_t workItems = 0;
  /// Matmul: read an operand as its transpose.
  bool transposeLhs = false, transposeRhs = false;
  /// Softmax, SoftmaxGrad: mask the entries whose key (last index) exceeds
  /// their query (the index before it).
  bool causal = false;
  /// Collectives: AllReduce and AllReduceStart's reduction, the request
  /// that pairs an AllReduceStart with its AllReduceWait, Broadcast's root.
  plan::Reduction reduction = plan::Reduction::Sum;
  uint32_t request = 0;
  int32_t root = 0;
  /// Where the step came from, for traces and profiles: the model-source
  /// location of its op ("mlp.braid:12:17", empty when the plan has none)
  /// and the op's name ("braid.matmul"; ops joined by '+' for a fused
  /// step).
  std::string location, opName;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_PLAN_STEPDESC_H
