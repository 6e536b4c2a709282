// See PlanAgreement.h.
#include "runtime/comm/PlanAgreement.h"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace braid::runtime {
namespace {

std::string hex(uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016" PRIx64, value);
  return text;
}

} // namespace

Status checkPlanAgreement(Communicator &comm, const LoadedPlan &plan) {
  // The hashes first: a rank that holds another plan may also hold another
  // replica count, and every rank must reach the gather before any fails.
  std::vector<uint64_t> hashes;
  BRAID_RETURN_IF_ERROR(comm.allGather(plan.contentHash(), &hashes));
  for (size_t r = 1; r < hashes.size(); ++r)
    if (hashes[r] != hashes[0])
      return invalidPlan("the ranks hold different plans: rank " +
                         std::to_string(r) + "'s plan has hash " +
                         hex(hashes[r]) + ", rank 0's " + hex(hashes[0]) +
                         "; every rank must load the same plan file");
  int replicas = plan.metadata().replicas;
  if (replicas != comm.size())
    return invalidPlan(
        "the plan was compiled for " + std::to_string(replicas) +
        (replicas == 1 ? " replica" : " replicas") + " (braidc --replicas " +
        std::to_string(replicas) + ") but the job has " +
        std::to_string(comm.size()) + (comm.size() == 1 ? " rank" : " ranks") +
        "; run it with mpirun -np " + std::to_string(replicas) +
        " or compile it with --replicas " + std::to_string(comm.size()));
  return Status::ok();
}

} // namespace braid::runtime
