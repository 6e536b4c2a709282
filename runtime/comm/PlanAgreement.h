// The start-up check of a data-parallel job: every rank holds the same plan,
// and the plan was compiled for as many replicas as there are ranks.
#ifndef BRAID_RUNTIME_COMM_PLANAGREEMENT_H
#define BRAID_RUNTIME_COMM_PLANAGREEMENT_H

#include "runtime/comm/Communicator.h"
#include "runtime/plan/LoadedPlan.h"

namespace braid::runtime {

/// Collective: every rank must call it. Fails on every rank alike (an
/// InvalidPlan naming the mismatch) when the plans' hashes differ or the
/// plan's replica count is not the communicator's size.
Status checkPlanAgreement(Communicator &comm, const LoadedPlan &plan);

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_PLANAGREEMENT_H
