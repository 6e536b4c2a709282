// What a multi-rank trace needs of MPI (MpiCommunicator.h): every rank's
// events gathered to rank 0, and each rank's clock offset to rank 0's,
// estimated by ping-pongs. MPI_Wtime is not used: Open MPI reports
// MPI_WTIME_IS_GLOBAL false, and the events are timed on the steady clock.
#include "runtime/comm/MpiCommunicator.h"

#include "runtime/comm/MpiError.h"
#include "runtime/comm/MpiWait.h"
#include "runtime/trace/Tracer.h"

#include <mpi.h>

#include <climits>
#include <limits>

namespace braid::runtime {
namespace {

/// Ping-pongs with each rank; the one of least round trip gives its offset.
constexpr int kPingPongs = 8;

} // namespace

Status MpiCommunicator::gatherToRoot(const std::vector<uint8_t> &mine,
                                     std::vector<std::vector<uint8_t>> *all) {
  all->clear();
  if (mine.size() > static_cast<size_t>(INT_MAX))
    return unsupported("gathering " + std::to_string(mine.size()) +
                       " bytes is beyond MPI's int count");
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<size_t>(size_)), displacements;
  MPI_Request r = MPI_REQUEST_NULL;
  if (int rc = MPI_Igather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, 0,
                           MPI_COMM_WORLD, &r);
      rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(rank_) +
                              ": MPI_Igather failed: " + mpiError(rc));
  BRAID_RETURN_IF_ERROR(
      waitWithin(&r, rank_, timeoutSeconds_, "gathering the trace sizes"));
  std::vector<uint8_t> bytes;
  if (rank_ == 0) {
    long long total = 0;
    for (int c : counts) {
      displacements.push_back(static_cast<int>(total));
      total += c;
    }
    if (total > INT_MAX)
      return unsupported("gathering " + std::to_string(total) +
                         " bytes of traces is beyond MPI's int count; trace "
                         "fewer steps");
    bytes.resize(static_cast<size_t>(total));
  }
  if (int rc = MPI_Igatherv(mine.data(), count, MPI_BYTE, bytes.data(),
                            counts.data(), displacements.data(), MPI_BYTE, 0,
                            MPI_COMM_WORLD, &r);
      rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(rank_) +
                              ": MPI_Igatherv failed: " + mpiError(rc));
  BRAID_RETURN_IF_ERROR(
      waitWithin(&r, rank_, timeoutSeconds_, "gathering the traces"));
  if (rank_ == 0)
    for (int i = 0; i < size_; ++i) {
      auto begin = bytes.begin() + displacements[static_cast<size_t>(i)];
      all->emplace_back(begin, begin + counts[static_cast<size_t>(i)]);
    }
  return Status::ok();
}

Status MpiCommunicator::clockOffsets(std::vector<int64_t> *offsets,
                                     std::string *method) {
  offsets->clear();
  *method = "each rank's steady clock offset to rank 0's, from the fastest "
            "of " +
            std::to_string(kPingPongs) +
            " ping-pongs (offset = peer time - "
            "midpoint of the round trip)";
  // One tag of the operations' sequence, the same on every rank: 2t for
  // the pings, 2t + 1 for the answers.
  const int tag = nextTag();
  if (rank_ != 0) {
    for (int i = 0; i < kPingPongs; ++i) {
      char ping = 0;
      MPI_Request r = MPI_REQUEST_NULL;
      MPI_Irecv(&ping, 1, MPI_CHAR, 0, 2 * tag, MPI_COMM_WORLD, &r);
      BRAID_RETURN_IF_ERROR(
          waitWithin(&r, rank_, timeoutSeconds_, "a clock ping-pong"));
      const int64_t now = trace::now();
      MPI_Isend(&now, 1, MPI_INT64_T, 0, 2 * tag + 1, MPI_COMM_WORLD, &r);
      BRAID_RETURN_IF_ERROR(
          waitWithin(&r, rank_, timeoutSeconds_, "a clock ping-pong"));
    }
    return Status::ok();
  }
  offsets->assign(static_cast<size_t>(size_), 0);
  for (int peer = 1; peer < size_; ++peer) {
    int64_t best = std::numeric_limits<int64_t>::max();
    for (int i = 0; i < kPingPongs; ++i) {
      const char ping = 1;
      int64_t theirs = 0;
      MPI_Request answer = MPI_REQUEST_NULL, sent = MPI_REQUEST_NULL;
      MPI_Irecv(&theirs, 1, MPI_INT64_T, peer, 2 * tag + 1, MPI_COMM_WORLD,
                &answer);
      const int64_t begin = trace::now();
      MPI_Isend(&ping, 1, MPI_CHAR, peer, 2 * tag, MPI_COMM_WORLD, &sent);
      BRAID_RETURN_IF_ERROR(
          waitWithin(&sent, rank_, timeoutSeconds_, "a clock ping-pong"));
      BRAID_RETURN_IF_ERROR(
          waitWithin(&answer, rank_, timeoutSeconds_, "a clock ping-pong"));
      const int64_t end = trace::now();
      if (end - begin < best) {
        best = end - begin;
        (*offsets)[static_cast<size_t>(peer)] = theirs - (begin + end) / 2;
      }
    }
  }
  return Status::ok();
}

std::string MpiCommunicator::hostName() const { return peers_.hostOf(rank_); }

} // namespace braid::runtime
