// Parameter initializers, drawn from a seeded counter-based generator so that
// the same seed gives the same weights on every machine and every rank.
#ifndef BRAID_RUNTIME_EXEC_INITIALIZERS_H
#define BRAID_RUNTIME_EXEC_INITIALIZERS_H

#include "runtime/plan/LoadedPlan.h"

namespace braid::runtime {

/// Fills `out` (desc.elements() floats) from `init`. `stream` separates the
/// parameters of one seed (the parameter's index). Fan-in and fan-out follow
/// Keras: rank 2 [in, out]; rank >= 3 [out, in, k...] with the receptive
/// field k... multiplied in; rank 1 uses its one dimension for both.
void initializeParameter(const PlanInitializer &init, const TensorDesc &desc,
                         uint64_t seed, uint64_t stream, float *out);

} // namespace braid::runtime

#endif // BRAID_RUNTIME_EXEC_INITIALIZERS_H
