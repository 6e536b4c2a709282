// The fused step (plan kind `fused`): a kernel braidc generated and compiled
// into the plan's code section, bound by the session (NativeCode.h). The
// step splits its work items [0, workItems) into one contiguous range per
// OpenMP thread of the run, or makes one call when the step is too small to
// pay for waking the threads.
#include "runtime/kernels/Dnnl.h"
#include "runtime/kernels/NativeKernel.h"

#include <omp.h>

namespace braid::runtime::kernels {
namespace {

/// Below this many bytes read and written, one thread does the step: a
/// parallel region costs a few microseconds, about what one core takes to
/// stream this much memory.
constexpr int64_t kParallelBytes = 256 * 1024;

class FusedKernel final : public NativeKernel {
public:
  FusedKernel(const StepDesc &step, FusedKernelFn fn)
      : NativeKernel("fused", step.inputs.size(), 1), fn_(fn),
        workItems_(step.workItems), buffers_(step.inputs.size() + 1, nullptr) {
    int64_t bytes = static_cast<int64_t>(step.outputs[0].bytes());
    for (const TensorDesc &t : step.inputs)
      bytes += static_cast<int64_t>(t.bytes());
    parallel_ = bytes >= kParallelBytes && workItems_ > 1;
  }

private:
  void bindBuffers(const std::vector<void *> &inputs,
                   const std::vector<void *> &outputs) override {
    // Sized at creation: rebinding an input stores pointers, no allocation.
    for (size_t i = 0; i < inputs.size(); ++i)
      buffers_[i] = inputs[i];
    buffers_.back() = outputs[0];
  }

  Status compute() override {
    void *const *buffers = buffers_.data();
    const int64_t n = workItems_;
    if (!parallel_ || omp_get_max_threads() == 1) {
      fn_(buffers, 0, n);
      return Status::ok();
    }
    FusedKernelFn fn = fn_;
#pragma omp parallel
    {
      const int64_t threads = omp_get_num_threads();
      const int64_t t = omp_get_thread_num();
      const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
      if (begin < end)
        fn(buffers, begin, end);
    }
    return Status::ok();
  }

  FusedKernelFn fn_;
  int64_t workItems_;
  bool parallel_ = false;
  std::vector<void *> buffers_;
};

} // namespace

Status createFused(const StepDesc &step, KernelContext &context,
                   std::unique_ptr<Kernel> *out) {
  // The plan loader checked kernelIndex against Plan.kernels, and the
  // session binds every kernel before creating steps; an empty table means
  // the session did not load the plan's code.
  if (step.kernelIndex >= context.fusedKernels.size())
    return invalidArgument(
        "fused step: kernel #" + std::to_string(step.kernelIndex) +
        " is not loaded (the session has " +
        std::to_string(context.fusedKernels.size()) +
        " generated kernels); compile the model with braidc --no-codegen "
        "for a plan without generated code");
  *out = std::make_unique<FusedKernel>(step,
                                       context.fusedKernels[step.kernelIndex]);
  return Status::ok();
}

} // namespace braid::runtime::kernels
