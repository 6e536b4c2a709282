// See MpiCommunicator.h.
#include "runtime/comm/MpiCommunicator.h"

#include "runtime/comm/MpiError.h"
#include "runtime/comm/Poller.h"
#include "runtime/comm/SharedArena.h"
#include "runtime/support/LaunchEnv.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>

namespace braid::runtime {
namespace {

// Open MPI's MPI_Request is a pointer; the request is kept in
// CommRequest::handle as it is.
static_assert(sizeof(MPI_Request) <= sizeof(void *),
              "MPI_Request must fit CommRequest::handle");
static_assert(sizeof(MPI_Comm) <= sizeof(void *),
              "MPI_Comm must fit MpiCommunicator::node_");

MPI_Comm toComm(void *handle) {
  MPI_Comm c;
  std::memcpy(&c, &handle, sizeof c);
  return c;
}

MPI_Request toMpi(void *handle) {
  MPI_Request r;
  std::memcpy(&r, &handle, sizeof r);
  return r;
}
void *fromMpi(MPI_Request r) {
  void *handle = nullptr;
  std::memcpy(&handle, &r, sizeof r);
  return handle;
}

MPI_Op toMpi(ReduceOp op) {
  switch (op) {
  case ReduceOp::Sum:
    return MPI_SUM;
  case ReduceOp::Max:
    return MPI_MAX;
  case ReduceOp::Min:
    return MPI_MIN;
  }
  return MPI_SUM;
}

} // namespace

bool MpiCommunicator::launchedByMpirun() { return mpiLauncher() != nullptr; }

void MpiCommunicator::abortJob(int exitCode) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized)
    MPI_Abort(MPI_COMM_WORLD, exitCode);
  std::exit(exitCode);
}

Status MpiCommunicator::create(double timeoutSeconds,
                               std::unique_ptr<MpiCommunicator> *out) {
  if (!(timeoutSeconds > 0))
    return invalidArgument("the collective timeout must be positive, got " +
                           std::to_string(timeoutSeconds));
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    // Open MPI's non-blocking all-reduce (libnbc) picks, for two ranks, an
    // algorithm that took 1.8-3.7x the time of the blocking MPI_Allreduce
    // on 64 KiB-4 MiB buckets here; its ring algorithm takes 0.97-1.05x
    // (bench/allreduce_overhead.cpp). A user's own setting wins.
    setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", /*overwrite=*/0);
    // Between ranks on one host, Open MPI's shared-memory transport copies
    // large messages with one process_vm_readv (CMA) by default. On the
    // virtual machines measured here a 256 KiB MPI_Allreduce took 44-126 us
    // that way against 30-88 us through the plain shared-memory buffers
    // (docs/benchmarks.md). This is the path across hosts and with
    // BRAID_SHARED_ARENA=0; a user's own setting wins here too.
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none",
           /*overwrite=*/0);
    // Kernels run on OpenMP threads but only this thread calls MPI.
    int provided = 0;
    if (int rc =
            MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        rc != MPI_SUCCESS)
      return communicationError("MPI_Init_thread failed: " + mpiError(rc));
    std::atexit([] {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized)
        MPI_Finalize();
    });
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::unique_ptr<MpiCommunicator> comm(new MpiCommunicator());
  MPI_Comm_rank(MPI_COMM_WORLD, &comm->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &comm->size_);
  comm->timeoutSeconds_ = timeoutSeconds;
  BRAID_RETURN_IF_ERROR(
      comm->peers_.gatherHostNames(comm->rank_, comm->size_, timeoutSeconds));
  MPI_Comm node = MPI_COMM_NULL;
  if (int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                                   MPI_INFO_NULL, &node);
      rc != MPI_SUCCESS)
    return communicationError("finding the ranks on this host failed: " +
                              mpiError(rc));
  MPI_Comm_size(node, &comm->nodeSize_);
  std::memcpy(&comm->node_, &node, sizeof node);
  *out = std::move(comm);
  return Status::ok();
}

MpiCommunicator::MpiCommunicator() = default;

MpiCommunicator::~MpiCommunicator() {
  // Freeing a window is collective, like its allocation: every rank ends
  // its communicator (braid-run: on leaving main) or the job aborts.
  arenas_.clear();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (node_ && !finalized) {
    MPI_Comm node = toComm(node_);
    MPI_Comm_free(&node);
  }
}

Status MpiCommunicator::allocateArena(size_t bytes, void **out) {
  *out = nullptr;
  const char *setting = std::getenv("BRAID_SHARED_ARENA");
  if (nodeSize_ != size_ || (setting && std::strcmp(setting, "0") == 0))
    return Status::ok();
  std::unique_ptr<SharedArena> arena;
  BRAID_RETURN_IF_ERROR(SharedArena::create(toComm(node_), bytes,
                                            timeoutSeconds_, rank_, &arena));
  *out = arena->data();
  arenas_.push_back(std::move(arena));
  return Status::ok();
}

void *MpiCommunicator::peerAddress(const void *mine, int rank) const {
  SharedArena *arena = arenaOf(mine, 1);
  return arena && rank >= 0 && rank < size_ ? arena->peer(mine, rank) : nullptr;
}

void MpiCommunicator::shareOf(size_t count, int rank, size_t *begin,
                              size_t *end) const {
  if (arenas_.empty()) {
    *begin = 0;
    *end = count;
    return;
  }
  arenas_.front()->shareOf(count, rank, begin, end);
}

Status MpiCommunicator::arenaBarrier(const void *inArena) {
  SharedArena *arena = arenaOf(inArena, 1);
  if (!arena)
    return internalError("a shared-arena barrier on memory outside every "
                         "shared arena");
  return arena->barrier(0);
}

double MpiCommunicator::waitedSeconds() const {
  double seconds = waitedSeconds_;
  for (const auto &arena : arenas_)
    seconds += arena->waitedSeconds();
  return seconds;
}

SharedArena *MpiCommunicator::arenaOf(const void *data, size_t bytes) const {
  for (const auto &arena : arenas_)
    if (arena->contains(data, bytes))
      return arena.get();
  return nullptr;
}

Status MpiCommunicator::startAllReduce(float *data, size_t count, ReduceOp op,
                                       CommRequest *request) {
  if (request->active)
    return internalError("an all-reduce was started twice without a wait");
  if (count > static_cast<size_t>(INT_MAX))
    return unsupported("an all-reduce of " + std::to_string(count) +
                       " floats is beyond MPI's int count");
  if (SharedArena *arena = arenaOf(data, count * sizeof(float))) {
    // Runs in wait(): its barriers are what overlap would need, and the
    // ranks share this host's cores anyway.
    request->handle = arena;
    request->data = data;
    request->op = op;
    request->count = count;
    request->active = true;
    return Status::ok();
  }
  request->data = nullptr;
  MPI_Request r = MPI_REQUEST_NULL;
  int rc = MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count),
                          MPI_FLOAT, toMpi(op), MPI_COMM_WORLD, &r);
  if (rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(rank_) +
                              ": MPI_Iallreduce of " + std::to_string(count) +
                              " floats failed: " + mpiError(rc));
  request->handle = fromMpi(r);
  request->count = count;
  request->active = true;
  return Status::ok();
}

void MpiCommunicator::progress(CommRequest *request) {
  if (!request->active || request->data)
    return;
  MPI_Request r = toMpi(request->handle);
  int done = 0;
  // A completed request becomes MPI_REQUEST_NULL; wait() then returns at
  // once. Errors surface in wait().
  if (MPI_Test(&r, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS)
    request->handle = fromMpi(r);
}

Status MpiCommunicator::waitFor(void *handle, const char *what, size_t bytes) {
  MPI_Request r = toMpi(handle);
  // Built only for an error: waits run every step and must not allocate.
  auto operation = [&] {
    return std::string(what) + " of " + std::to_string(bytes) + " bytes";
  };
  for (Poller poller(timeoutSeconds_);;) {
    int done = 0;
    int rc = MPI_Test(&r, &done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS)
      return peers_.explain(communicationError("rank " + std::to_string(rank_) +
                                               ": " + operation() +
                                               " failed: " + mpiError(rc)));
    if (done) {
      waitedSeconds_ += poller.waitedSeconds();
      return Status::ok();
    }
    if (!poller.keepWaiting())
      return peers_.explain(poller.timedOut(rank_, operation()));
  }
}

Status MpiCommunicator::wait(CommRequest *request) {
  if (!request->active)
    return internalError("waited on an all-reduce that was not started");
  request->active = false;
  if (request->data)
    return peers_.explain(static_cast<SharedArena *>(request->handle)
                              ->allReduce(request->data, request->count,
                                          request->op,
                                          request->synchronizeOnly));
  return waitFor(request->handle, "an all-reduce",
                 request->count * sizeof(float));
}

Status MpiCommunicator::broadcast(void *data, size_t bytes, int root) {
  if (bytes > static_cast<size_t>(INT_MAX))
    return unsupported("a broadcast of " + std::to_string(bytes) +
                       " bytes is beyond MPI's int count");
  MPI_Request r = MPI_REQUEST_NULL;
  int rc = MPI_Ibcast(data, static_cast<int>(bytes), MPI_BYTE, root,
                      MPI_COMM_WORLD, &r);
  if (rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(rank_) +
                              ": MPI_Ibcast failed: " + mpiError(rc));
  return waitFor(fromMpi(r), "a broadcast", bytes);
}

Status MpiCommunicator::allGather(uint64_t value, std::vector<uint64_t> *out) {
  out->assign(static_cast<size_t>(size_), 0);
  MPI_Request r = MPI_REQUEST_NULL;
  int rc = MPI_Iallgather(&value, 1, MPI_UINT64_T, out->data(), 1, MPI_UINT64_T,
                          MPI_COMM_WORLD, &r);
  if (rc != MPI_SUCCESS)
    return communicationError("rank " + std::to_string(rank_) +
                              ": MPI_Iallgather failed: " + mpiError(rc));
  return waitFor(fromMpi(r), "an all-gather", sizeof value);
}

} // namespace braid::runtime
