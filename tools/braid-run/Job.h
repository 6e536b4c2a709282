// The process's place in a data-parallel job: for a plan compiled with
// --replicas N, started as N ranks by mpirun, the MPI communicator, the
// start-up checks, and which rank speaks (prints, writes metrics and
// checkpoints). A plan without replicas run alone is a job of one.
#ifndef BRAID_TOOLS_BRAID_RUN_JOB_H
#define BRAID_TOOLS_BRAID_RUN_JOB_H

#include "Common.h"

#include <vector>

namespace braidrun {

class Job {
public:
  ~Job();

  /// Joins the job `plan` is meant for: MPI when started by mpirun or when
  /// the plan has replicas, then the collective plan check. Returns an exit
  /// status (0: joined); every rank fails alike on a mismatch.
  int join(braid_plan_t *plan, double timeoutSeconds);

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Rank 0 prints progress and results and writes metrics and checkpoints.
  bool speaks() const { return rank_ == 0; }
  /// For braid_session_options_t::communicator (NULL alone).
  braid_communicator_t *communicator() const { return comm_; }

  /// Seconds this rank has spent in collectives waiting for the others
  /// (0 alone).
  double waitedSeconds() const {
    return braid_communicator_waited_seconds(comm_);
  }
  /// Collective: every rank's `value`, in rank order. Returns an exit
  /// status, as join.
  int allGather(double value, std::vector<double> *out) const;

  /// Reports a failure of this rank. In a job of several ranks the others
  /// may be waiting on this one in a collective, so the whole job is ended
  /// (MPI_Abort); alone, returns 1.
  int failRank(const std::string &message) const;

private:
  braid_communicator_t *comm_ = nullptr;
  int rank_ = 0, size_ = 1;
};

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_JOB_H
