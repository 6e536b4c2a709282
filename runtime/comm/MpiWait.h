// Waiting for one MPI request within a time limit, for the MPI files'
// occasional operations (host names, trace exchange) that need neither the
// peer probe nor the wait statistics of MpiCommunicator::waitFor.
#ifndef BRAID_RUNTIME_COMM_MPIWAIT_H
#define BRAID_RUNTIME_COMM_MPIWAIT_H

#include "runtime/comm/MpiError.h"
#include "runtime/comm/Poller.h"

#include <mpi.h>

namespace braid::runtime {

/// Tests `r` until it completes or `seconds` pass; an error names `rank`
/// and `what` ("rank 1: gathering the traces failed: ...").
inline Status waitWithin(MPI_Request *r, int rank, double seconds,
                         const char *what) {
  for (Poller poller(seconds);;) {
    int done = 0;
    if (int rc = MPI_Test(r, &done, MPI_STATUS_IGNORE); rc != MPI_SUCCESS)
      return communicationError("rank " + std::to_string(rank) + ": " + what +
                                " failed: " + mpiError(rc));
    if (done)
      return Status::ok();
    if (!poller.keepWaiting())
      return poller.timedOut(rank, what);
  }
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_MPIWAIT_H
