// Communicator over MPI_COMM_WORLD (Open MPI). Errors are returned, never
// fatal inside MPI (MPI_ERRORS_RETURN), and every wait has a deadline, so a
// rank whose peer died or hangs fails with a message instead of waiting
// forever; braid-run then aborts the job.
#ifndef BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H
#define BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H

#include "runtime/comm/Communicator.h"
#include "runtime/comm/PeerProbe.h"

#include <memory>
#include <vector>

namespace braid::runtime {

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
  /// A SharedArena when every rank of the job is on this host (a job over
  /// several hosts reduces with MPI_Iallreduce), unless the environment sets
  /// BRAID_SHARED_ARENA=0.
  Status allocateArena(size_t bytes, void **out) override;
  void *peerAddress(const void *mine, int rank) const override;
  void shareOf(size_t count, int rank, size_t *begin,
               size_t *end) const override;
  Status arenaBarrier(const void *inArena) override;
  Status allGather(uint64_t value, std::vector<uint64_t> *out) override;
  double waitedSeconds() const override;

private:
  MpiCommunicator();
  /// Waits for a request with the deadline; `what` names it in the error.
  Status waitFor(void *request, const char *what, size_t bytes);

  /// The arena holding [data, data + bytes), or null.
  SharedArena *arenaOf(const void *data, size_t bytes) const;

  int rank_ = 0, size_ = 1;
  double timeoutSeconds_ = 30;
  /// The ranks on this host, as an MPI_Comm (kept opaque here: no MPI
  /// header in this one).
  void *node_ = nullptr;
  int nodeSize_ = 1;
  /// Time in waits on MPI requests; the arenas count their barriers.
  double waitedSeconds_ = 0;
  std::vector<std::unique_ptr<SharedArena>> arenas_;
  /// Every rank's host; names the ranks that stopped answering.
  PeerProbe peers_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_MPICOMMUNICATOR_H
