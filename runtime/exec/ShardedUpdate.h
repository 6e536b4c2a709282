// The sharded optimizer update of a data-parallel session (ZeRO stage 1, as
// PyTorch's ZeroRedundancyOptimizer). On one host, each rank
// updates only the parameter elements in its share of a gradient bucket
// (and their optimizer state), summing the ranks' gradients for that share
// as it goes, and at the end of the step copies the other ranks' updated
// elements from their memory. Every rank ends the step with the same
// parameters as an unsharded update, with half the optimizer work on two
// ranks; no reduced gradient is written or copied.
//
// A bucket is sharded when each of its gradients is read, after its wait, by
// exactly one optimizer update (as its gradient) and nothing else, and is
// not an output of the entry point. Buckets
// that are not (the loss) reduce in full as before.
//
// Over several hosts (or without a shared arena), the ranks cannot read
// each other's memory: a sharded
// bucket's wait is a reduce-scatter (Communicator::ownedRange), each rank
// updates the elements it owns from its own bucket, and at the end of the
// step each rank writes its updated elements into its bucket, whose bytes
// are free until the next step's backward pass, and an all-gather of the
// bucket (Communicator::allGatherOwned) brings every rank's.
//
// Optimizer state stays current only in each rank's own share; gatherState()
// completes it from the others (checkpoints), gatherOwnedState() over
// several hosts.
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

  bool empty() const { return params_.empty() && owned_.empty(); }
  /// After the entry point's kernels: a barrier, then the other ranks'
  /// updated parameter elements (over several hosts: an all-gather through
  /// the gradient buckets, collective).
  Status exchange(Communicator *comm) const;
  /// Copies the other ranks' shares of the optimizer state into this
  /// rank's, on ranks of one host. Every rank must be between steps.
  void gatherState(Communicator *comm) const;
  /// The same over several hosts: collective, every rank between steps.
  Status gatherOwnedState(Communicator *comm) const;
  /// True when gathering the state is collective (several hosts).
  bool collectiveGather() const { return !owned_.empty(); }
  /// The bytes of optimizer state this rank neither updates nor keeps
  /// current (the other ranks' shares).
  size_t stateBytesNotKept() const;

  /// A sharded parameter or state tensor: element ranges by rank.
  struct Span {
    float *data = nullptr;
    std::vector<std::pair<int64_t, int64_t>> ranges;
  };

private:
  /// Over several hosts: a bucket member's parameter and state, its place
  /// in the bucket and the elements [begin, end) this rank owns.
  struct OwnedMember {
    float *param = nullptr;
    std::vector<float *> states;
    int64_t offset = 0, elements = 0, begin = 0, end = 0;
  };
  struct OwnedBucket {
    float *data = nullptr;
    size_t count = 0;
    std::vector<OwnedMember> members;
  };
  Status buildOwned(const PlanEntryPoint &entry,
                    const std::vector<std::unique_ptr<Kernel>> &kernels,
                    const std::vector<void *> &data,
                    const std::vector<size_t> &users,
                    const std::vector<int64_t> &offsets, float *bucket,
                    size_t count, Communicator *comm);
  /// Every rank's owned elements of the parameters (state < 0) or of state
  /// tensor `state` to every rank, through each bucket.
  Status gatherOwned(Communicator *comm, int state) const;

  std::vector<Span> params_, states_;
  std::vector<OwnedBucket> owned_;
  size_t stateCount_ = 0;
  bool overHosts_ = false;
  int rank_ = 0;
  const void *arena_ = nullptr;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_EXEC_SHARDEDUPDATE_H
