// An all-reduce over an MPI communicator whose sums have a fixed order (the
// tree of RankOrder.h), so that its result does not depend on how MPI
// associates them: MPI_Allreduce's order changes with the algorithm Open
// MPI picks for the rank count, the message size and the hosts. MPI moves
// the bytes; the sum is computed here.
//
// Two phases, each of point-to-point messages (tagged per operation, so
// that operations in flight at once, started and progressed in different
// interleavings on different ranks, never match each other's messages,
// which non-blocking collectives would):
//   1. reduce-scatter: rank p owns chunk p of the buffer (equal chunks in
//      rank order, whole cache lines), receives every other rank's chunk p
//      and sums all of them in the tree order into its own buffer;
//   2. all-gather: rank p sends its summed chunk to every other rank and
//      receives theirs in place.
// Each rank sends and receives 2(P-1)/P of the buffer, as a ring all-reduce
// does, in two rounds of messages instead of 2(P-1).
#ifndef BRAID_RUNTIME_COMM_ORDEREDALLREDUCE_H
#define BRAID_RUNTIME_COMM_ORDEREDALLREDUCE_H

#include "runtime/comm/Communicator.h"

#include <mpi.h>

#include <cstddef>
#include <string>
#include <vector>

namespace braid::runtime {

class OrderedAllReduce {
public:
  /// Over `comm` (not owned); `worldRank` names this rank in error
  /// messages.
  OrderedAllReduce(MPI_Comm comm, int worldRank, double timeoutSeconds);

  /// Starts reducing `count` floats at `data` in place. `tag` must differ
  /// from the tags of every other operation in flight on `comm` and be the
  /// same on every rank (a sequence number: every rank starts the same
  /// operations in the same order). Allocates only the first time a
  /// buffer this large is reduced. With `scatterOnly`, the operation ends
  /// after phase 1: only this rank's chunk holds the reduction (a sharded
  /// optimizer update, which then calls startGather for its results).
  Status start(float *data, size_t count, ReduceOp op, int tag,
               bool scatterOnly = false);
  /// Phase 2 alone: every rank's chunk of `data` (this rank's filled by
  /// the caller) to every rank.
  Status startGather(float *data, size_t count, int tag);
  /// Advances without blocking: sums the received chunks once they are all
  /// there and starts the second phase. Sets *done when the operation has
  /// completed.
  Status test(bool *done);
  /// Blocks until the operation completes, within the deadline. Adds the
  /// seconds spent waiting for other ranks to *waited; `what` ("an
  /// all-reduce", "the all-reduce across hosts") names it in a timeout.
  Status wait(const char *what, double *waited);
  bool active() const { return phase_ != 0; }

  /// The chunk [*begin, *end) of a `count`-float buffer that rank `rank`
  /// of `size` sums.
  static void chunkOf(size_t count, int size, int rank, size_t *begin,
                      size_t *end);

private:
  Status post(float *buffer, size_t count, int peer, int tag, bool send);
  /// Posts phase 2's messages.
  Status postGather();
  Status fail(const std::string &what, int rc) const;

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1, worldRank_ = 0;
  double timeoutSeconds_;
  float *data_ = nullptr;
  size_t count_ = 0;
  ReduceOp op_ = ReduceOp::Sum;
  int tag_ = 0;
  /// 0: idle; 1: exchanging chunks to sum; 2: exchanging sums.
  int phase_ = 0;
  bool scatterOnly_ = false;
  std::vector<float> received_;
  std::vector<MPI_Request> requests_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_ORDEREDALLREDUCE_H
