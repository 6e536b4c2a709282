// Communicator over MPI_COMM_WORLD (Open MPI). Errors are returned, never
// fatal inside MPI (MPI_ERRORS_RETURN), and every wait has a deadline, so a
// rank whose peer died or hangs fails with a message instead of waiting
// forever; braid-run then aborts the job.
//
// Ranks are grouped by host (MPI_Comm_split_type SHARED, or pretend hosts
// of BRAID_RANKS_PER_HOST consecutive ranks, a testing aid). An all-reduce
// sums in the tree order of RankOrder.h on every path, so its result is
// the same bits whatever the hosts:
//   - one host: in a shared arena (SharedArena.h);
//   - hosts of k ranks each, k >= 2 a power of two, each holding a block
//     of consecutive ranks: in each host's shared arena, then each rank's
//     share across the hosts (OrderedAllReduce.h over the ranks with the
//     same place on their hosts) -- hierarchical;
//   - otherwise (one rank per host, unequal or interleaved hosts,
//     BRAID_SHARED_ARENA=0, buffers outside an arena): OrderedAllReduce
//     over every rank.
#ifndef BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H
#define BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H

#include "runtime/comm/Communicator.h"
#include "runtime/comm/PeerProbe.h"

#include <memory>
#include <vector>

namespace braid::runtime {

class OrderedAllReduce;
class ProgressThread;
class SharedArena;

class MpiCommunicator : public Communicator {
public:
  /// Initializes MPI (once per process) and returns the world communicator.
  /// `timeoutSeconds` bounds every wait.
  static Status create(double timeoutSeconds,
                       std::unique_ptr<MpiCommunicator> *out);
  /// True when an MPI launcher started this process: mpirun, mpiexec or
  /// srun with an MPI plugin (runtime/support/LaunchEnv.h).
  static bool launchedByMpirun();
  /// Ends the whole job from any rank (MPI_Abort): the other ranks are
  /// killed by mpirun even when they are stuck in a collective.
  [[noreturn]] static void abortJob(int exitCode);

  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  Status startAllReduce(float *data, size_t count, ReduceOp op,
                        CommRequest *request) override;
  void progress(CommRequest *request) override;
  Status wait(CommRequest *request) override;
  Status broadcast(void *data, size_t bytes, int root) override;
  /// A SharedArena over this host's ranks when the job is on one host or
  /// its hosts allow the hierarchical all-reduce (above), unless the
  /// environment sets BRAID_SHARED_ARENA=0.
  Status allocateArena(size_t bytes, void **out) override;
  void *peerAddress(const void *mine, int rank) const override;
  void shareOf(size_t count, int rank, size_t *begin,
               size_t *end) const override;
  Status arenaBarrier(const void *inArena) override;
  Status allGather(uint64_t value, std::vector<uint64_t> *out) override;
  double waitedSeconds() const override;
  double collectiveSeconds() const override;
  double hiddenSeconds() const override;
  /// MpiTraceExchange.cpp.
  Status gatherToRoot(const std::vector<uint8_t> &mine,
                      std::vector<std::vector<uint8_t>> *all) override;
  Status clockOffsets(std::vector<int64_t> *offsets,
                      std::string *method) override;
  std::string hostName() const override;
  /// True when all-reduces run on a progress thread (ProgressThread.h).
  bool progressThread() const { return progress_ != nullptr; }
  int hostCount() const override { return hosts_; }
  void ownedRange(size_t count, size_t *begin, size_t *end) const override;
  Status allGatherOwned(float *data, size_t count) override;
  /// The ranks on this rank's host.
  int hostSize() const { return nodeSize_; }
  /// True when buckets in an arena reduce in two levels (above).
  bool hierarchical() const { return across_ != nullptr; }

private:
  MpiCommunicator();
  /// Waits for a request with the deadline; `what` names it in the error.
  Status waitFor(void *request, const char *what, size_t bytes);

  /// The arena holding [data, data + bytes), or null.
  SharedArena *arenaOf(const void *data, size_t bytes) const;
  /// Groups the ranks by host and decides which all-reduce they use.
  Status findHosts();
  /// A failed collective with what PeerProbe::explain adds: where this
  /// rank was, who answered and what each rank completed last.
  Status explain(const Status &failed);
  /// The tag of the next operation (the same sequence on every rank).
  int nextTag();
  /// Runs a started request to completion (on the progress thread, or in
  /// wait()).
  Status runRequest(CommRequest *request);
  /// Counts a request's completion once (the time in collectives).
  void finished(CommRequest *request);
  /// An idle ordered all-reduce over every rank, or a new one.
  std::unique_ptr<OrderedAllReduce> takeReduction();

  int rank_ = 0, size_ = 1;
  double timeoutSeconds_ = 30;
  /// The ranks on this host, as an MPI_Comm (kept opaque here: no MPI
  /// header in this one).
  void *node_ = nullptr;
  int nodeSize_ = 1, nodeRank_ = 0, hosts_ = 1, hostIndex_ = 0;
  /// True when buckets may live in a shared arena (one host, or hosts
  /// that allow the hierarchical all-reduce).
  bool arenaAllowed_ = false;
  /// The ranks with this rank's place on every host, as an MPI_Comm, when
  /// the all-reduce is hierarchical; across_ reduces over it.
  void *cross_ = nullptr;
  std::unique_ptr<OrderedAllReduce> across_;
  /// Ordered all-reduces over every rank: in flight, and idle for reuse.
  std::vector<std::unique_ptr<OrderedAllReduce>> idle_;
  unsigned tagSequence_ = 0;
  /// Time in all-reduces, and the part of it this thread was blocked in
  /// their waits (without a progress thread: start to completion).
  double collectiveSeconds_ = 0, blockedSeconds_ = 0;
  /// All-reduces started and not yet seen complete, and when the first of
  /// them started.
  int inFlight_ = 0;
  double flightStarted_ = 0;
  /// Declared last: destroyed first, so that it stops before the arenas
  /// and reductions it uses.
  std::unique_ptr<ProgressThread> progress_;
  /// Time in waits on MPI requests; the arenas count their barriers.
  double waitedSeconds_ = 0;
  std::vector<std::unique_ptr<SharedArena>> arenas_;
  /// Every rank's host; names the ranks that stopped answering.
  PeerProbe peers_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H
