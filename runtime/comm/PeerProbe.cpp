// See PeerProbe.h.
#include "runtime/comm/PeerProbe.h"

#include "runtime/comm/MpiError.h"
#include "runtime/comm/MpiWait.h"
#include "runtime/comm/Poller.h"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace braid::runtime {
namespace {

/// Host names longer than this are cut (POSIX allows 255; the message
/// only needs to tell hosts apart).
constexpr int kHostNameBytes = 64;
/// The probes' tags; point-to-point messages never match a collective's.
constexpr int kProbeTag = 7211;

/// A probe's message: the last collective step the sender completed. Plain
/// bytes; every rank runs the same build.
struct ProbeAnswer {
  char entry[48] = {}; // empty: none
  int64_t step = 0;
  uint32_t bucket = 0;
  uint32_t reserved = 0;
};

/// "train_step step 13 bucket 2" (the step counted from 1, as the trainer's
/// messages count them).
std::string placeText(const char *entry, int64_t step, uint32_t bucket) {
  std::string place = std::string(entry) + " step " + std::to_string(step + 1);
  if (bucket == CollectivePlace::kExchange)
    return place + " parameter exchange";
  return place + " bucket " + std::to_string(bucket);
}

std::string completedText(const ProbeAnswer &a) {
  if (a.entry[0] == '\0')
    return "none yet";
  return placeText(
      std::string(a.entry, strnlen(a.entry, sizeof a.entry)).c_str(), a.step,
      a.bucket);
}

} // namespace

double PeerProbe::probeSeconds(double timeoutSeconds) {
  return std::clamp(timeoutSeconds, 1.0, 10.0);
}

Status PeerProbe::gatherHostNames(int rank, int size, double timeoutSeconds) {
  rank_ = rank;
  size_ = size;
  timeoutSeconds_ = timeoutSeconds;
  char mine[kHostNameBytes] = {};
  std::string host = localHostName();
  std::memcpy(mine, host.data(), std::min(host.size(), sizeof mine - 1));
  std::vector<char> all(static_cast<size_t>(size) * kHostNameBytes);
  MPI_Request r = MPI_REQUEST_NULL;
  if (int rc = MPI_Iallgather(mine, kHostNameBytes, MPI_CHAR, all.data(),
                              kHostNameBytes, MPI_CHAR, MPI_COMM_WORLD, &r);
      rc != MPI_SUCCESS)
    return communicationError(
        "rank " + std::to_string(rank) +
        ": gathering the ranks' host names failed: " + mpiError(rc));
  BRAID_RETURN_IF_ERROR(
      waitWithin(&r, rank, timeoutSeconds, "gathering the ranks' host names"));
  hosts_.clear();
  for (int i = 0; i < size; ++i) {
    const char *name = all.data() + static_cast<size_t>(i) * kHostNameBytes;
    hosts_.emplace_back(name, strnlen(name, kHostNameBytes - 1));
  }
  return Status::ok();
}

const std::string &PeerProbe::hostOf(int rank) const {
  static const std::string unknown = "?";
  return rank >= 0 && static_cast<size_t>(rank) < hosts_.size()
             ? hosts_[static_cast<size_t>(rank)]
             : unknown;
}

Status PeerProbe::explain(const Status &failed, const CollectivePlace &current,
                          const CollectivePlace &completed) {
  if (failed || failed.code() != StatusCode::Communication || size_ <= 1)
    return failed;
  const std::string where =
      current.entry
          ? ", in " + placeText(current.entry, current.step, current.bucket)
          : ", outside a plan's collective steps";
  // A rank asked to stop says where it is and probes no one: mpirun, ending
  // a job, sends SIGKILL soon after its SIGTERM, and Open MPI 4.1 blocks a
  // message to a dead peer until its reports reach mpirun, which is busy
  // killing ranks (docs/data-parallel.md, "Faults"). mpirun names the dead.
  if (Poller::stopRequested())
    return Status::error(failed.code(), failed.message() + " (rank " +
                                            std::to_string(rank_) +
                                            " is on host " + hostOf(rank_) +
                                            where + "; the job is ending)");
  const int tag = kProbeTag + probes_++;
  const size_t n = static_cast<size_t>(size_);
  std::vector<MPI_Request> receives(n, MPI_REQUEST_NULL),
      sends(n, MPI_REQUEST_NULL);
  std::vector<ProbeAnswer> answers(n);
  // Static: a send to a peer that never receives it stays in flight.
  static ProbeAnswer mine;
  mine = ProbeAnswer{};
  if (completed.entry) {
    std::strncpy(mine.entry, completed.entry, sizeof mine.entry - 1);
    mine.step = completed.step;
    mine.bucket = completed.bucket;
  }
  answers[static_cast<size_t>(rank_)] = mine;
  std::vector<bool> answered(n, false);
  answered[static_cast<size_t>(rank_)] = true;
  for (int peer = 0; peer < size_; ++peer) {
    if (peer == rank_)
      continue;
    const size_t p = static_cast<size_t>(peer);
    // A send or receive the library refuses (a peer already known dead)
    // leaves the peer unanswered.
    MPI_Irecv(&answers[p], sizeof(ProbeAnswer), MPI_BYTE, peer, tag,
              MPI_COMM_WORLD, &receives[p]);
    MPI_Isend(&mine, sizeof(ProbeAnswer), MPI_BYTE, peer, tag, MPI_COMM_WORLD,
              &sends[p]);
  }
  const double seconds = probeSeconds(timeoutSeconds_);
  for (Poller poller(seconds);;) {
    bool all = true;
    for (size_t p = 0; p < n; ++p) {
      if (answered[p] || receives[p] == MPI_REQUEST_NULL)
        continue;
      int done = 0;
      if (MPI_Test(&receives[p], &done, MPI_STATUS_IGNORE) == MPI_SUCCESS &&
          done)
        answered[p] = true;
      else
        all = false;
    }
    if (all || !poller.keepWaiting())
      break;
  }
  // What is still in flight is dropped: the job is about to end.
  for (size_t p = 0; p < n; ++p) {
    if (receives[p] != MPI_REQUEST_NULL) {
      // A cancelled receive's wait returns at once, whatever the peer does;
      // then `answers` may go.
      MPI_Cancel(&receives[p]);
      MPI_Wait(&receives[p], MPI_STATUS_IGNORE);
    }
    if (sends[p] != MPI_REQUEST_NULL)
      MPI_Request_free(&sends[p]);
  }
  // The first 16 silent ranks by name; a job of thousands says how many
  // more.
  std::string silent;
  int silentCount = 0;
  for (int peer = 0; peer < size_; ++peer) {
    if (answered[static_cast<size_t>(peer)])
      continue;
    if (silentCount++ < 16)
      silent += (silentCount > 1 ? ", rank " : "rank ") + std::to_string(peer) +
                " on host " + hostOf(peer);
  }
  if (silentCount > 16)
    silent += " and " + std::to_string(silentCount - 16) + " more";
  char window[32];
  std::snprintf(window, sizeof window, "%g", seconds);
  std::string found = silentCount == 0
                          ? "every other rank answered a probe within " +
                                std::string(window) + " s"
                          : "not answering a probe within " +
                                std::string(window) + " s: " + silent;
  // What each rank completed last: the ranks still answering were stuck
  // in the collective after it; a rank behind the others is the one that
  // stopped first. The first 16 ranks; the rest are alike or silent.
  std::string last;
  for (int peer = 0; peer < size_ && peer < 16; ++peer) {
    const size_t p = static_cast<size_t>(peer);
    last += (peer ? ", rank " : "rank ") + std::to_string(peer) + " " +
            (answered[p] ? completedText(answers[p]) : "no answer");
  }
  if (size_ > 16)
    last += ", ...";
  return Status::error(
      failed.code(),
      failed.message() + " (rank " + std::to_string(rank_) + " is on host " +
          hostOf(rank_) + where + "; " + found +
          "; the last collective step each rank completed: " + last + ")");
}

} // namespace braid::runtime
