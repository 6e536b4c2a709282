// See SharedArena.h.
#include "runtime/comm/SharedArena.h"
#include "runtime/comm/MpiError.h"
#include "runtime/comm/OrderedAllReduce.h"
#include "runtime/comm/Poller.h"

#include "runtime/support/RankOrder.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace braid::runtime {
namespace {

/// The barrier counter's page: the arena starts a page in, so its tensors
/// keep their alignment and no tensor shares the counter's cache line.
constexpr size_t kControlBytes = 4096;
/// Reduction shares are whole cache lines of floats.
constexpr size_t kShareAlign = 16;

} // namespace

Status SharedArena::create(MPI_Comm node, size_t bytes, double timeoutSeconds,
                           int worldRank, std::unique_ptr<SharedArena> *out) {
  std::unique_ptr<SharedArena> arena(new SharedArena());
  MPI_Comm_rank(node, &arena->rank_);
  MPI_Comm_size(node, &arena->size_);
  arena->worldRank_ = worldRank;
  arena->timeoutSeconds_ = timeoutSeconds;
  arena->bytes_ = (bytes + 63) / 64 * 64;
  // Each rank's segment on pages of its own, so that it is allocated (first
  // touched) by the rank that writes it.
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  void *base = nullptr;
  int rc = MPI_Win_allocate_shared(
      static_cast<MPI_Aint>(kControlBytes + arena->bytes_), 1, info, node,
      &base, &arena->window_);
  MPI_Info_free(&info);
  if (rc != MPI_SUCCESS)
    return communicationError(
        "rank " + std::to_string(worldRank) + ": allocating a " +
        std::to_string(bytes) +
        "-byte arena shared with this host's ranks failed: " + mpiError(rc));
  std::memset(base, 0, kControlBytes + arena->bytes_);
  for (int k = 0; k < arena->size_; ++k) {
    MPI_Aint size = 0;
    int unit = 0;
    void *segment = nullptr;
    rc = MPI_Win_shared_query(arena->window_, k, &size, &unit, &segment);
    if (rc != MPI_SUCCESS)
      return communicationError("rank " + std::to_string(worldRank) +
                                ": locating rank " + std::to_string(k) +
                                "'s shared arena failed: " + mpiError(rc));
    auto *page = static_cast<uint8_t *>(segment);
    arena->counters_.push_back(reinterpret_cast<uint64_t *>(page));
    arena->segments_.push_back(page + kControlBytes);
  }
  // Every segment is zeroed (its counter too) before anyone counts on it.
  rc = MPI_Barrier(node);
  if (rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(worldRank) +
                              ": the barrier after allocating the shared "
                              "arena failed: " +
                              mpiError(rc));
  *out = std::move(arena);
  return Status::ok();
}

SharedArena::~SharedArena() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (window_ != MPI_WIN_NULL && !finalized)
    MPI_Win_free(&window_);
}

bool SharedArena::contains(const void *p, size_t bytes) const {
  auto *begin = static_cast<const uint8_t *>(segments_[rank_]);
  auto *q = static_cast<const uint8_t *>(p);
  return q >= begin && bytes <= bytes_ &&
         static_cast<size_t>(q - begin) <= bytes_ - bytes;
}

void SharedArena::shareOf(size_t count, int rank, size_t *begin,
                          size_t *end) const {
  const size_t share = (count + size_ - 1) / size_;
  const size_t aligned = (share + kShareAlign - 1) / kShareAlign * kShareAlign;
  *begin = std::min(count, aligned * rank);
  *end = std::min(count, aligned * (rank + 1));
}

void *SharedArena::peer(const void *mine, int rank) const {
  const size_t offset = static_cast<const uint8_t *>(mine) -
                        static_cast<const uint8_t *>(segments_[rank_]);
  return static_cast<uint8_t *>(segments_[rank]) + offset;
}

Status SharedArena::barrier(size_t bytes) {
  const uint64_t epoch = ++epoch_;
  // GCC's atomic builtins: C++17 has no atomic_ref, and the counters live
  // in memory MPI allocated.
  __atomic_store_n(counters_[rank_], epoch, __ATOMIC_RELEASE);
  Poller poller(timeoutSeconds_);
  for (int k = 0; k < size_; ++k)
    while (__atomic_load_n(counters_[k], __ATOMIC_ACQUIRE) < epoch)
      if (!poller.keepWaiting())
        return poller.timedOut(worldRank_,
                               bytes ? "an all-reduce of " +
                                           std::to_string(bytes) + " bytes"
                                     : std::string("the exchange of updated "
                                                   "parameters"));
  waitedSeconds_ += poller.waitedSeconds();
  return Status::ok();
}

Status SharedArena::allReduce(float *data, size_t count, ReduceOp op,
                              bool synchronizeOnly,
                              OrderedAllReduce *acrossHosts, int tag,
                              bool scatterOnly) {
  const size_t bytes = count * sizeof(float);
  if (!contains(data, bytes))
    return internalError("a shared-memory all-reduce of " +
                         std::to_string(bytes) +
                         " bytes lies outside the shared arena");
  const size_t offset = reinterpret_cast<uint8_t *>(data) -
                        static_cast<uint8_t *>(segments_[rank_]);
  auto at = [&](int k) {
    return reinterpret_cast<float *>(static_cast<uint8_t *>(segments_[k]) +
                                     offset);
  };
  // Rank k reduces share k.
  auto share = [&](int k) {
    std::pair<size_t, size_t> range;
    shareOf(count, k, &range.first, &range.second);
    return range;
  };

  // Every rank has written its bucket.
  BRAID_RETURN_IF_ERROR(barrier(bytes));
  // A sharded update's optimizer kernels read the ranks' buckets from here
  // on; the session's parameter exchange, behind a barrier, also keeps every
  // rank from rewriting its bucket before the others have read it.
  if (synchronizeOnly)
    return Status::ok();
  const auto [lo, hi] = share(rank_);
  const size_t n = hi - lo;
  if (n > 0) {
    const CombineFn combine = op == ReduceOp::Sum   ? sumInto
                              : op == ReduceOp::Max ? maxInto
                                                    : minInto;
    // In the tree order, whichever rank reduces (RankOrder.h).
    if (size_ == 2) {
      // Each element is read before it is written, so in place is safe.
      combine(data + lo, at(0) + lo, at(1) + lo, n);
    } else if (size_ > 2) {
      // This rank's own operand is `data`: combine a block at a time
      // aside, or a later rank's turn would read a partial result.
      forEachCombinedBlock(
          combine, static_cast<size_t>(size_),
          [&](size_t k) { return at(static_cast<int>(k)); }, lo, hi,
          [&](size_t b, size_t m, const float *block) {
            std::memcpy(data + b, block, m * sizeof(float));
          });
    }
  }
  // This host's sum of the share, then every host's: one subtree each,
  // then the tree over the hosts.
  if (acrossHosts) {
    BRAID_RETURN_IF_ERROR(
        acrossHosts->start(data + lo, n, op, tag, scatterOnly));
    BRAID_RETURN_IF_ERROR(
        acrossHosts->wait("the all-reduce across hosts", &waitedSeconds_));
    // Each rank wrote only its own share, which no other rank reads: the
    // gather of the updated parameters starts with a barrier.
    if (scatterOnly)
      return Status::ok();
  }
  return copyShares(data, count);
}

Status SharedArena::copyShares(float *data, size_t count) {
  const size_t bytes = count * sizeof(float);
  const size_t offset = reinterpret_cast<uint8_t *>(data) -
                        static_cast<uint8_t *>(segments_[rank_]);
  // Every share is reduced; take the others'.
  BRAID_RETURN_IF_ERROR(barrier(bytes));
  for (int k = 0; k < size_; ++k) {
    size_t b, e;
    shareOf(count, k, &b, &e);
    if (k != rank_ && e > b)
      std::memcpy(data + b,
                  reinterpret_cast<float *>(
                      static_cast<uint8_t *>(segments_[k]) + offset) +
                      b,
                  (e - b) * sizeof(float));
  }
  // No rank writes this bucket again (the next step's backward pass) before
  // every rank has copied its share out.
  return barrier(bytes);
}

Status SharedArena::allGatherShares(float *data, size_t count,
                                    OrderedAllReduce *acrossHosts, int tag) {
  if (!contains(data, count * sizeof(float)))
    return internalError("a shared-memory all-gather of " +
                         std::to_string(count * sizeof(float)) +
                         " bytes lies outside the shared arena");
  size_t lo, hi;
  shareOf(count, rank_, &lo, &hi);
  if (acrossHosts) {
    BRAID_RETURN_IF_ERROR(acrossHosts->startGather(data + lo, hi - lo, tag));
    BRAID_RETURN_IF_ERROR(
        acrossHosts->wait("the all-gather across hosts", &waitedSeconds_));
  }
  return copyShares(data, count);
}

} // namespace braid::runtime
