// Who stopped answering, when a collective wait gives up. A wait's timeout
// says only that some peer did not take part; a job over several hosts
// needs to know which rank on which host. At start-up every rank's host
// name is gathered; after a failed wait the rank exchanges one small
// point-to-point message with every other rank under a short deadline.
// The other live ranks are stuck in the same collective and time out within
// about a step of each other, so they probe too and answer each other;
// the ranks that died, hang or sit behind a dead link do not.
#ifndef BRAID_RUNTIME_COMM_PEERPROBE_H
#define BRAID_RUNTIME_COMM_PEERPROBE_H

#include "runtime/comm/Communicator.h"
#include "runtime/support/Status.h"

#include <string>
#include <vector>

namespace braid::runtime {

class PeerProbe {
public:
  /// Gathers every rank's host name over MPI_COMM_WORLD (collective;
  /// every wait within `timeoutSeconds`, the communicator's timeout).
  Status gatherHostNames(int rank, int size, double timeoutSeconds);

  /// The host name of `rank` ("?" before the gather, or out of range).
  const std::string &hostOf(int rank) const;

  /// `failed` (a collective that failed) with where this rank was
  /// (`current`: entry point, step and bucket) and what a probe of every
  /// other rank found: the ranks, with their hosts, that did not answer, and
  /// the last collective each rank completed (every rank answers the probe
  /// with its `completed`). `failed` as it is when it is ok, not a
  /// Communication error, or the job has one rank.
  Status explain(const Status &failed, const CollectivePlace &current,
                 const CollectivePlace &completed);

  /// Seconds a probe waits for answers: the collective timeout, at least
  /// 1 s and at most 10 s. The other live ranks' own timeouts expire within
  /// about a step of this rank's, but a wait reads the clock only every 1024
  /// polls (Poller.h), which on a loaded machine, yielding the core between
  /// polls, can be seconds apart.
  static double probeSeconds(double timeoutSeconds);

private:
  int rank_ = 0, size_ = 1;
  double timeoutSeconds_ = 30;
  std::vector<std::string> hosts_;
  /// Probes so far: each one uses its own tag.
  int probes_ = 0;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_PEERPROBE_H
