// The fused step (plan kind `fused`): a kernel braidc generated and compiled
// into the plan's code section. Running one needs the plan's native code
// loaded, which this runtime does not do yet, so it refuses such a step.
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {

Status createFused(const StepDesc &step, KernelContext &,
                   std::unique_ptr<Kernel> *) {
  return invalidArgument(
      "fused step: this runtime cannot run generated kernels; compile the "
      "model with braidc --no-codegen");
}

} // namespace braid::runtime::kernels
