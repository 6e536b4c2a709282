// createKernel: the factory column of runtime/plan/KernelKinds.def.
#include "runtime/kernels/Dnnl.h"
#include "runtime/plan/KernelKinds.h"

#include <iterator>

namespace braid::runtime {

using namespace kernels;

namespace {

constexpr Factory kFactories[] = {
#define BRAID_KERNEL_KIND(Enum, name, minInputs, maxInputs, rule, factory,     \
                          traits)                                              \
  factory,
#include "runtime/plan/KernelKinds.def"
#undef BRAID_KERNEL_KIND
};
static_assert(std::size(kFactories) == std::size(kKernelKinds));

} // namespace

Status createKernel(const StepDesc &step, KernelContext &context,
                    std::unique_ptr<Kernel> *out) {
  if (!out)
    return invalidArgument("createKernel: out is null");
  out->reset();
  const KernelKindInfo *kind = kernelKindInfo(step.kind);
  if (!kind)
    return unsupported("no kernel for " + kindName(step.kind));
  // A collective checks its own operands: any number, in place.
  if (!kind->traits.collective)
    BRAID_RETURN_IF_ERROR(checkArity(step));
  try {
    return kFactories[kernelKindRow(step.kind)](step, context, out);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
}

} // namespace braid::runtime
