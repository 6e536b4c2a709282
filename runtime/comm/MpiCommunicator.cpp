// See MpiCommunicator.h.
#include "runtime/comm/MpiCommunicator.h"

#include "runtime/comm/MpiError.h"
#include "runtime/comm/OrderedAllReduce.h"
#include "runtime/comm/Poller.h"
#include "runtime/comm/ProgressThread.h"
#include "runtime/comm/SharedArena.h"
#include "runtime/support/LaunchEnv.h"

#include <mpi.h>

#include <chrono>
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

double seconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
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
    // Between ranks on one host, Open MPI's shared-memory transport copies
    // large messages with one process_vm_readv (CMA) by default. On the
    // virtual machines measured here a 256 KiB MPI_Allreduce took 44-126 us
    // that way against 30-88 us through the plain shared-memory buffers
    // (docs/benchmarks.md). This is the path across hosts and with
    // BRAID_SHARED_ARENA=0; a user's own setting wins here too.
    setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none",
           /*overwrite=*/0);
    // Kernels run on OpenMP threads; MPI is called by this thread or by the
    // progress thread, never by both at once: the progress thread runs the
    // all-reduces of a step, and this thread calls MPI only when none is
    // in flight (broadcasts, gathers, the end of a step).
    int provided = 0;
    if (int rc =
            MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
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
  BRAID_RETURN_IF_ERROR(comm->findHosts());
  // BRAID_PROGRESS_THREAD=1 runs the all-reduces on a progress thread
  // (opt-in: docs/data-parallel.md, "Overlap").
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  const char *setting = std::getenv("BRAID_PROGRESS_THREAD");
  const bool wanted = setting && std::strcmp(setting, "1") == 0;
  if (wanted && level >= MPI_THREAD_SERIALIZED && comm->size_ > 1)
    comm->progress_ = std::make_unique<ProgressThread>(
        [](void *self, CommRequest *request) {
          return static_cast<MpiCommunicator *>(self)->runRequest(request);
        },
        comm.get());
  *out = std::move(comm);
  return Status::ok();
}

MpiCommunicator::MpiCommunicator() = default;

namespace {

/// BRAID_RANKS_PER_HOST as a positive count, 0 when unset.
Status ranksPerHostSetting(int *out) {
  *out = 0;
  const char *text = std::getenv("BRAID_RANKS_PER_HOST");
  if (!text || !*text)
    return Status::ok();
  char *end = nullptr;
  long k = std::strtol(text, &end, 10);
  if (*end || k < 1 || k > INT_MAX)
    return invalidArgument("BRAID_RANKS_PER_HOST must be a positive rank "
                           "count, got '" +
                           std::string(text) + "'");
  *out = static_cast<int>(k);
  return Status::ok();
}

} // namespace

Status MpiCommunicator::findHosts() {
  int perHost = 0;
  BRAID_RETURN_IF_ERROR(ranksPerHostSetting(&perHost));
  MPI_Comm node = MPI_COMM_NULL;
  // Pretend hosts (a testing aid: tests/tools/hierarchical_allreduce.test)
  // must lie inside real ones: their arenas are shared memory.
  int rc = perHost > 0
               ? MPI_Comm_split(MPI_COMM_WORLD, rank_ / perHost, rank_, &node)
               : MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                                     MPI_INFO_NULL, &node);
  if (rc != MPI_SUCCESS)
    return communicationError("finding the ranks on this host failed: " +
                              mpiError(rc));
  MPI_Comm_set_errhandler(node, MPI_ERRORS_RETURN);
  std::memcpy(&node_, &node, sizeof node);
  MPI_Comm_size(node, &nodeSize_);
  MPI_Comm_rank(node, &nodeRank_);
  const int nodeRank = nodeRank_;
  // Every rank's host (named by its first rank), place and host size.
  int leader = rank_;
  if ((rc = MPI_Bcast(&leader, 1, MPI_INT, 0, node)) != MPI_SUCCESS)
    return communicationError("finding the ranks on this host failed: " +
                              mpiError(rc));
  int mine[3] = {leader, nodeRank, nodeSize_};
  std::vector<int> all(3 * static_cast<size_t>(size_));
  if ((rc = MPI_Allgather(mine, 3, MPI_INT, all.data(), 3, MPI_INT,
                          MPI_COMM_WORLD)) != MPI_SUCCESS)
    return communicationError("gathering the ranks' hosts failed: " +
                              mpiError(rc));
  // Blocks of k consecutive ranks, every host the same size.
  bool blocks = true;
  hosts_ = 0;
  for (int r = 0; r < size_; ++r) {
    const int *x = &all[3 * static_cast<size_t>(r)];
    hostIndex_ += x[1] == 0 && r < leader;
    hosts_ += x[1] == 0;
    blocks = blocks && x[2] == nodeSize_ && x[1] == r % nodeSize_ &&
             x[0] == r - r % nodeSize_;
  }
  const bool powerOfTwo = (nodeSize_ & (nodeSize_ - 1)) == 0;
  const char *setting = std::getenv("BRAID_SHARED_ARENA");
  const bool arenaOff = setting && std::strcmp(setting, "0") == 0;
  arenaAllowed_ =
      !arenaOff && (hosts_ == 1 || (blocks && powerOfTwo && nodeSize_ >= 2));
  if (!arenaAllowed_ || hosts_ == 1)
    return Status::ok();
  // The ranks with this place on every host, in host order.
  MPI_Comm cross = MPI_COMM_NULL;
  if ((rc = MPI_Comm_split(MPI_COMM_WORLD, nodeRank, rank_, &cross)) !=
      MPI_SUCCESS)
    return communicationError("grouping the ranks across hosts failed: " +
                              mpiError(rc));
  MPI_Comm_set_errhandler(cross, MPI_ERRORS_RETURN);
  std::memcpy(&cross_, &cross, sizeof cross);
  across_ = std::make_unique<OrderedAllReduce>(cross, rank_, timeoutSeconds_);
  return Status::ok();
}

Status MpiCommunicator::explain(const Status &failed) {
  return peers_.explain(failed, currentPlace(), lastCompleted());
}

int MpiCommunicator::nextTag() {
  // Far fewer operations than this are ever in flight at once; 2 * tag + 1
  // stays below MPI_TAG_UB's guaranteed 32767.
  return static_cast<int>(tagSequence_++ % 16000u);
}

MpiCommunicator::~MpiCommunicator() {
  // Freeing a window is collective, like its allocation: every rank ends
  // its communicator (braid-run: on leaving main) or the job aborts.
  progress_.reset();
  arenas_.clear();
  across_.reset();
  idle_.clear();
  int finalized = 0;
  MPI_Finalized(&finalized);
  for (void *handle : {node_, cross_})
    if (handle && !finalized) {
      MPI_Comm c = toComm(handle);
      MPI_Comm_free(&c);
    }
}

Status MpiCommunicator::allocateArena(size_t bytes, void **out) {
  *out = nullptr;
  if (!arenaAllowed_)
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
  request->count = count;
  request->data = data;
  request->op = op;
  request->tag = nextTag();
  request->started = seconds();
  request->queued = false;
  if (inFlight_++ == 0)
    flightStarted_ = request->started;
  if (SharedArena *arena = arenaOf(data, count * sizeof(float))) {
    request->inArena = true;
    request->handle = arena;
  } else {
    request->inArena = false;
    request->handle = takeReduction().release();
  }
  request->active = true;
  if (progress_ && progress_->submit(request)) {
    request->queued = true;
    return Status::ok();
  }
  // Without a progress thread, a reduction in the shared arena runs in
  // wait(); one over MPI starts here and advances in progress().
  if (request->inArena)
    return Status::ok();
  return static_cast<OrderedAllReduce *>(request->handle)
      ->start(data, count, op, request->tag, request->scatterOnly);
}

std::unique_ptr<OrderedAllReduce> MpiCommunicator::takeReduction() {
  if (idle_.empty())
    return std::make_unique<OrderedAllReduce>(MPI_COMM_WORLD, rank_,
                                              timeoutSeconds_);
  std::unique_ptr<OrderedAllReduce> reduction = std::move(idle_.back());
  idle_.pop_back();
  return reduction;
}

Status MpiCommunicator::runRequest(CommRequest *request) {
  if (request->inArena)
    return static_cast<SharedArena *>(request->handle)
        ->allReduce(request->data, request->count, request->op,
                    request->synchronizeOnly, across_.get(), request->tag,
                    request->scatterOnly);
  auto *reduction = static_cast<OrderedAllReduce *>(request->handle);
  BRAID_RETURN_IF_ERROR(reduction->start(request->data, request->count,
                                         request->op, request->tag,
                                         request->scatterOnly));
  return reduction->wait("an all-reduce", &waitedSeconds_);
}

void MpiCommunicator::progress(CommRequest *request) {
  if (!request->active || request->inArena || request->queued ||
      request->started == 0)
    return;
  // Errors surface in wait(), which tests again.
  bool done = false;
  (void)static_cast<OrderedAllReduce *>(request->handle)->test(&done);
  if (done)
    finished(request);
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
      return explain(communicationError("rank " + std::to_string(rank_) + ": " +
                                        operation() +
                                        " failed: " + mpiError(rc)));
    if (done) {
      waitedSeconds_ += poller.waitedSeconds();
      return Status::ok();
    }
    if (!poller.keepWaiting())
      return explain(poller.timedOut(rank_, operation()));
  }
}

Status MpiCommunicator::wait(CommRequest *request) {
  if (!request->active)
    return internalError("waited on an all-reduce that was not started");
  request->active = false;
  Status s;
  double blocked = 0;
  if (request->queued) {
    // The reductions' own deadlines fire first; this one only bounds a
    // stuck thread.
    s = progress_->wait(request, timeoutSeconds_ + 5, &blocked);
  } else {
    const double begin = seconds();
    s = request->inArena ? runRequest(request)
                         : static_cast<OrderedAllReduce *>(request->handle)
                               ->wait("an all-reduce", &waitedSeconds_);
    blocked = seconds() - begin;
  }
  finished(request);
  blockedSeconds_ += blocked;
  if (!request->inArena) {
    std::unique_ptr<OrderedAllReduce> reduction(
        static_cast<OrderedAllReduce *>(request->handle));
    request->handle = nullptr;
    // A failed one may still have messages in flight: not reused.
    if (s)
      idle_.push_back(std::move(reduction));
    else
      (void)reduction.release();
  }
  return explain(s);
}

void MpiCommunicator::finished(CommRequest *request) {
  if (request->started == 0)
    return; // counted already
  request->started = 0;
  // The time with at least one all-reduce in flight: buckets overlap.
  if (--inFlight_ == 0)
    collectiveSeconds_ += seconds() - flightStarted_;
}

double MpiCommunicator::collectiveSeconds() const {
  return progress_ ? progress_->busySeconds() : collectiveSeconds_;
}

double MpiCommunicator::hiddenSeconds() const {
  const double total = collectiveSeconds();
  return total > blockedSeconds_ ? total - blockedSeconds_ : 0.0;
}

void MpiCommunicator::ownedRange(size_t count, size_t *begin,
                                 size_t *end) const {
  if (across_) {
    // This host's part of the share at this rank's place (SharedArena).
    size_t lo, hi, b, e;
    arenas_.front()->shareOf(count, nodeRank_, &lo, &hi);
    OrderedAllReduce::chunkOf(hi - lo, hosts_, hostIndex_, &b, &e);
    *begin = lo + b;
    *end = lo + e;
    return;
  }
  OrderedAllReduce::chunkOf(count, size_, rank_, begin, end);
}

Status MpiCommunicator::allGatherOwned(float *data, size_t count) {
  const int tag = nextTag();
  if (SharedArena *arena = arenaOf(data, count * sizeof(float)))
    return arena->allGatherShares(data, count, across_.get(), tag);
  std::unique_ptr<OrderedAllReduce> gather = takeReduction();
  BRAID_RETURN_IF_ERROR(gather->startGather(data, count, tag));
  BRAID_RETURN_IF_ERROR(
      explain(gather->wait("an all-gather", &waitedSeconds_)));
  idle_.push_back(std::move(gather));
  return Status::ok();
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
