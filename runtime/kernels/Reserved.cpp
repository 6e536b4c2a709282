// The factory of the placeholder kinds of KernelKinds.def: numbers kept for
// kinds another branch adds, which this build cannot run.
#include "runtime/kernels/Dnnl.h"

namespace braid::runtime::kernels {

Status createReserved(const StepDesc &step, KernelContext &,
                      std::unique_ptr<Kernel> *) {
  return unsupported(kindName(step.kind) + " is reserved and has no kernel");
}

} // namespace braid::runtime::kernels
