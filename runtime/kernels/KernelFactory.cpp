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
  size_t index = static_cast<size_t>(step.kind);
  if (index >= std::size(kFactories))
    return unsupported("no kernel for " + kindName(step.kind));
  try {
    return kFactories[index](step, context, out);
  } catch (...) {
    return statusFromException(kindName(step.kind) + " step");
  }
}

} // namespace braid::runtime
