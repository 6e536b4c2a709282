// A session arena that every rank on this host can read: one MPI-3 shared
// memory window (MPI_Win_allocate_shared) over the host's ranks, a segment
// per rank. An all-reduce of a bucket inside it needs no messages: each rank
// sums its share of the bucket straight from the others' segments, then
// copies the others' sums. Open MPI's shared-memory transport instead
// copies every message into its buffers and out again before the sum; on 2
// ranks this path took 0.27-0.71x the time of MPI_Allreduce
// (bench/allreduce_overhead.cpp, docs/benchmarks.md).
//
// Synchronization is a counting barrier in each segment's first cache line;
// every wait has the communicator's deadline, so a dead or stopped rank
// fails the all-reduce with a message instead of hanging it.
#ifndef BRAID_RUNTIME_COMM_SHAREDARENA_H
#define BRAID_RUNTIME_COMM_SHAREDARENA_H

#include "runtime/comm/Communicator.h"

#include <mpi.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace braid::runtime {

class OrderedAllReduce;

class SharedArena {
public:
  /// Allocates `bytes` (zeroed, 64-byte aligned) on every rank of `node`,
  /// a communicator of ranks that share this host. Collective over `node`.
  /// `worldRank` names this rank in error messages.
  static Status create(MPI_Comm node, size_t bytes, double timeoutSeconds,
                       int worldRank, std::unique_ptr<SharedArena> *out);
  /// Frees the window: collective over the host's ranks.
  ~SharedArena();

  void *data() const { return segments_[rank_]; }
  /// True when [p, p + bytes) lies inside this rank's segment.
  bool contains(const void *p, size_t bytes) const;
  /// Reduces `count` floats at `data` (inside this rank's segment) with the
  /// floats at the same offset of every rank's segment, in place on every
  /// rank. Collective over the host's ranks, in the same order everywhere.
  /// Sums run in the tree order of RankOrder.h, so every rank gets
  /// bit-identical results. With `synchronizeOnly`, only the first barrier
  /// runs: every rank's bucket is then complete and readable, and nothing is
  /// reduced (a sharded update, whose optimizer kernels sum the ranks' shares).
  /// With `acrossHosts` (the same share of every host's ranks), each rank's
  /// share, once summed over this host, is reduced across the hosts
  /// before the others copy it: a hierarchical all-reduce whose order is
  /// the tree of RankOrder.h over all ranks when each host holds a
  /// power-of-two block of consecutive ranks. `tag` is its operation's.
  /// With `scatterOnly` (and `acrossHosts`), it stops once this rank's
  /// part of its share (OrderedAllReduce's chunk of it for this host) holds
  /// the reduction over every host: a sharded update over every rank of the
  /// job, which then calls allGatherShares with its results.
  Status allReduce(float *data, size_t count, ReduceOp op,
                   bool synchronizeOnly = false,
                   OrderedAllReduce *acrossHosts = nullptr, int tag = 0,
                   bool scatterOnly = false);
  /// Every rank's part (as scatterOnly left it) of a `count`-float bucket
  /// at `data` to every rank: across the hosts within each share, then the
  /// shares within this host. Collective over every rank.
  Status allGatherShares(float *data, size_t count,
                         OrderedAllReduce *acrossHosts, int tag);
  /// The floats [*begin, *end) of a `count`-float bucket that rank `rank`
  /// reduces: equal shares in rank order, whole cache lines each.
  void shareOf(size_t count, int rank, size_t *begin, size_t *end) const;
  /// The address of the byte at `mine` (in this rank's segment) in rank
  /// `rank`'s segment.
  void *peer(const void *mine, int rank) const;
  /// Waits until every rank has reached this barrier too; `bytes` names
  /// the operation in a timeout's message (0: a parameter exchange).
  Status barrier(size_t bytes);
  /// Seconds this rank has spent in barriers waiting for the others (and
  /// in the reductions across hosts).
  double waitedSeconds() const { return waitedSeconds_; }

private:
  SharedArena() = default;
  /// A barrier, every other rank's share of the bucket copied from its
  /// segment, a barrier.
  Status copyShares(float *data, size_t count);

  MPI_Win window_ = MPI_WIN_NULL;
  int rank_ = 0, size_ = 1, worldRank_ = 0;
  size_t bytes_ = 0;
  double timeoutSeconds_ = 30;
  uint64_t epoch_ = 0;
  double waitedSeconds_ = 0;
  /// Each rank's arena, and each rank's barrier counter, in this process's
  /// address space.
  std::vector<void *> segments_;
  std::vector<uint64_t *> counters_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_SHAREDARENA_H
