// The C ABI of a generated kernel (docs/plan-format.md, "Code section"):
// braidc generates functions of this type, the Fused kernel calls them.
#ifndef BRAID_RUNTIME_KERNELS_FUSEDABI_H
#define BRAID_RUNTIME_KERNELS_FUSEDABI_H

#include <cstdint>

namespace braid::runtime {

/// Computes the output elements of work items [begin, end) of a fused step.
/// `buffers` holds the step's inputs, in order, then its one output, each a
/// dense row-major f32 tensor. Calls on disjoint ranges may run
/// concurrently.
extern "C" {
typedef void (*FusedKernelFn)(void *const *buffers, int64_t begin, int64_t end);
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_KERNELS_FUSEDABI_H
