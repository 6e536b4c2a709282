// The sharded optimizer update of a data-parallel session whose ranks share
// a host (ZeRO stage 1, as PyTorch's ZeroRedundancyOptimizer): each rank
// updates only the parameter elements in its share of a gradient bucket
// (and their optimizer state), summing the ranks' gradients for that share
// as it goes, and at the end of the step copies the other ranks' updated
// elements from their memory. Every rank ends the step with the same
// parameters as an unsharded update, with half the optimizer work on two
// ranks; no reduced gradient is written or copied.
//
// A bucket is sharded when the communicator shares the session's memory
// between the ranks and each of its gradients is read, after its wait, by
// exactly one optimizer update (as its gradient) and nothing else, and is
// not an output of the entry point. Buckets
// that are not (the loss) reduce in full as before.
//
// Optimizer state stays current only in each rank's own share; gatherState()
// completes it from the others (checkpoints).
#ifndef BRAID_RUNTIME_EXEC_SHARDEDUPDATE_H
#define BRAID_RUNTIME_EXEC_SHARDEDUPDATE_H

#include "runtime/comm/Communicator.h"
#include "runtime/kernels/Kernel.h"
#include "runtime/plan/LoadedPlan.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace braid::runtime {

class ShardedUpdate {
public:
  /// Shards what it can of one entry point: `kernels` are its kernels (in
  /// step order), `data` every tensor's buffer, `requests` the entry's
  /// reductions by request id. Restricts the optimizer kernels it shards.
  Status
  build(const LoadedPlan &plan, const PlanEntryPoint &entry,
        const std::vector<std::unique_ptr<Kernel>> &kernels,
        const std::vector<void *> &data,
        const std::map<uint32_t, std::shared_ptr<PendingReduction>> &requests,
        Communicator *comm);

  bool empty() const { return params_.empty(); }
  /// After the entry point's kernels: a barrier, then the other ranks'
  /// updated parameter elements.
  Status exchange(Communicator *comm) const;
  /// Copies the other ranks' shares of the optimizer state into this
  /// rank's. Every rank must be between steps.
  void gatherState(Communicator *comm) const;

  /// A sharded parameter or state tensor: element ranges by rank.
  struct Span {
    float *data = nullptr;
    std::vector<std::pair<int64_t, int64_t>> ranges;
  };

private:
  std::vector<Span> params_, states_;
  const void *arena_ = nullptr;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_EXEC_SHARDEDUPDATE_H
