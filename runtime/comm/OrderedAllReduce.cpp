// See OrderedAllReduce.h.
#include "runtime/comm/OrderedAllReduce.h"

#include "runtime/comm/MpiError.h"
#include "runtime/comm/Poller.h"
#include "runtime/support/RankOrder.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace braid::runtime {
namespace {

/// Chunks are whole cache lines of floats.
constexpr size_t kChunkAlign = 16;

} // namespace

OrderedAllReduce::OrderedAllReduce(MPI_Comm comm, int worldRank,
                                   double timeoutSeconds)
    : comm_(comm), worldRank_(worldRank), timeoutSeconds_(timeoutSeconds) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &size_);
}

void OrderedAllReduce::chunkOf(size_t count, int size, int rank, size_t *begin,
                               size_t *end) {
  const size_t chunk = (count + size - 1) / size;
  const size_t aligned = (chunk + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
  *begin = std::min(count, aligned * rank);
  *end = std::min(count, aligned * (rank + 1));
}

Status OrderedAllReduce::fail(const std::string &what, int rc) const {
  return communicationError("rank " + std::to_string(worldRank_) + ": " + what +
                            " failed: " + mpiError(rc));
}

Status OrderedAllReduce::post(float *buffer, size_t count, int peer, int tag,
                              bool send) {
  if (count == 0)
    return Status::ok();
  MPI_Request r = MPI_REQUEST_NULL;
  const int n = static_cast<int>(count);
  int rc = send ? MPI_Isend(buffer, n, MPI_FLOAT, peer, tag, comm_, &r)
                : MPI_Irecv(buffer, n, MPI_FLOAT, peer, tag, comm_, &r);
  if (rc != MPI_SUCCESS)
    return fail(std::string(send ? "sending " : "receiving ") +
                    std::to_string(count * sizeof(float)) +
                    " bytes of an all-reduce",
                rc);
  requests_.push_back(r);
  return Status::ok();
}

Status OrderedAllReduce::start(float *data, size_t count, ReduceOp op, int tag,
                               bool scatterOnly) {
  if (phase_ != 0)
    return internalError("an ordered all-reduce was started twice");
  if (count > static_cast<size_t>(INT_MAX))
    return unsupported("an all-reduce of " + std::to_string(count) +
                       " floats is beyond MPI's int count");
  data_ = data;
  count_ = count;
  op_ = op;
  tag_ = tag;
  phase_ = 1;
  scatterOnly_ = scatterOnly;
  requests_.clear();
  if (size_ == 1)
    return Status::ok();
  size_t lo, hi;
  chunkOf(count, size_, rank_, &lo, &hi);
  const size_t mine = hi - lo;
  if (received_.size() < mine * size_)
    received_.resize(mine * size_);
  // Receives first, so that a peer's message finds its buffer.
  for (int q = 0; q < size_; ++q)
    if (q != rank_)
      BRAID_RETURN_IF_ERROR(
          post(received_.data() + q * mine, mine, q, 2 * tag, false));
  for (int q = 0; q < size_; ++q) {
    if (q == rank_)
      continue;
    size_t b, e;
    chunkOf(count, size_, q, &b, &e);
    BRAID_RETURN_IF_ERROR(post(data + b, e - b, q, 2 * tag, true));
  }
  return Status::ok();
}

Status OrderedAllReduce::test(bool *done) {
  *done = false;
  if (phase_ == 0) {
    *done = true;
    return Status::ok();
  }
  int complete = 1;
  if (!requests_.empty()) {
    int rc = MPI_Testall(static_cast<int>(requests_.size()), requests_.data(),
                         &complete, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS)
      return fail("an all-reduce of " + std::to_string(count_ * 4) + " bytes",
                  rc);
  }
  if (!complete)
    return Status::ok();
  requests_.clear();
  if (phase_ == 2 || size_ == 1) {
    phase_ = 0;
    *done = true;
    return Status::ok();
  }
  // Every rank's chunk of ours is here: sum them in the tree order.
  size_t lo, hi;
  chunkOf(count_, size_, rank_, &lo, &hi);
  const size_t mine = hi - lo;
  const CombineFn combine = op_ == ReduceOp::Sum   ? sumInto
                            : op_ == ReduceOp::Max ? maxInto
                                                   : minInto;
  float *own = data_ + lo;
  forEachCombinedBlock(
      combine, static_cast<size_t>(size_),
      [&](size_t k) -> const float * {
        return static_cast<int>(k) == rank_ ? own : received_.data() + k * mine;
      },
      0, mine,
      [&](size_t b, size_t n, const float *block) {
        std::memcpy(own + b, block, n * sizeof(float));
      });
  if (scatterOnly_) {
    phase_ = 0;
    *done = true;
    return Status::ok();
  }
  BRAID_RETURN_IF_ERROR(postGather());
  return test(done);
}

Status OrderedAllReduce::postGather() {
  phase_ = 2;
  size_t lo, hi;
  chunkOf(count_, size_, rank_, &lo, &hi);
  for (int q = 0; q < size_; ++q) {
    if (q == rank_)
      continue;
    size_t b, e;
    chunkOf(count_, size_, q, &b, &e);
    BRAID_RETURN_IF_ERROR(post(data_ + b, e - b, q, 2 * tag_ + 1, false));
  }
  for (int q = 0; q < size_; ++q)
    if (q != rank_)
      BRAID_RETURN_IF_ERROR(post(data_ + lo, hi - lo, q, 2 * tag_ + 1, true));
  return Status::ok();
}

Status OrderedAllReduce::startGather(float *data, size_t count, int tag) {
  if (phase_ != 0)
    return internalError("an ordered all-gather was started during another "
                         "operation");
  if (count > static_cast<size_t>(INT_MAX))
    return unsupported("an all-gather of " + std::to_string(count) +
                       " floats is beyond MPI's int count");
  data_ = data;
  count_ = count;
  tag_ = tag;
  scatterOnly_ = false;
  requests_.clear();
  if (size_ == 1) {
    phase_ = 2;
    return Status::ok();
  }
  return postGather();
}

Status OrderedAllReduce::wait(const char *what, double *waited) {
  for (Poller poller(timeoutSeconds_);;) {
    bool done = false;
    BRAID_RETURN_IF_ERROR(test(&done));
    if (done) {
      *waited += poller.waitedSeconds();
      return Status::ok();
    }
    if (!poller.keepWaiting())
      return poller.timedOut(
          worldRank_, std::string(what) + " of " +
                          std::to_string(count_ * sizeof(float)) + " bytes");
  }
}

} // namespace braid::runtime
