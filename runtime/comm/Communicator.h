// The collectives a data-parallel plan needs, behind one interface: an MPI
// implementation (MpiCommunicator, for braid-run under mpirun) and a
// single-process one (LocalCommunicator, the default of every session).
// The kernels of the collective steps and braid-run's start-up checks call
// only this; nothing here includes an MPI header.
#ifndef BRAID_RUNTIME_COMM_COMMUNICATOR_H
#define BRAID_RUNTIME_COMM_COMMUNICATOR_H

#include "runtime/support/Status.h"

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <unistd.h>

namespace braid::runtime {

enum class ReduceOp { Sum, Max, Min };

/// An all-reduce in flight. Owned by its caller (a kernel), so starting one
/// allocates nothing; `handle` is the implementation's (an MPI_Request).
struct CommRequest {
  void *handle = nullptr;
  size_t count = 0; // floats, for messages
  bool active = false;
  /// A reduction through shared memory runs in wait(); start() records it
  /// (`handle` is then the arena, and `tag` its operation's).
  bool inArena = false;
  float *data = nullptr;
  int tag = 0;
  ReduceOp op = ReduceOp::Sum;
  /// Set by a session whose update is sharded: its optimizer kernels sum
  /// every rank's gradients for their shares themselves, so the wait only
  /// waits until every rank's bucket is complete and reduces nothing; the
  /// session then exchanges updated parameters.
  bool synchronizeOnly = false;
  /// Set by a session whose update is sharded over ranks on several hosts:
  /// the wait leaves only this rank's owned range (ownedRange()) reduced;
  /// the session then gathers updated parameters with allGatherOwned().
  bool scatterOnly = false;
  /// A request queued on a progress thread (ProgressThread.h): set to 1
  /// when it is done, with its status in `result`; `mxcsr` is the starting
  /// thread's floating-point control word. `started` is when it started
  /// (for the time in collectives).
  bool queued = false;
  int done = 0;
  unsigned mxcsr = 0;
  Status result;
  double started = 0;
};

/// A rank's place among a plan's collectives, for the error of a wait that
/// times out (docs/data-parallel.md, "Faults"): the entry point, the
/// session's training step (train_step runs before it) and the bucket (the
/// plan's request number) of a collective step.
struct CollectivePlace {
  /// `bucket` of the exchange of updated parameters after a sharded
  /// update, which is no step of the plan.
  static constexpr uint32_t kExchange = UINT32_MAX;
  /// Null: no collective step of a plan (start-up, a stop vote).
  const char *entry = nullptr;
  int64_t step = 0;
  uint32_t bucket = 0;
};

/// This machine's host name, "?" when unknown.
inline std::string localHostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0')
    return "?";
  return name;
}

class Communicator {
public:
  virtual ~Communicator() = default;

  /// A session is about to run a collective step at `place` (`entry` must
  /// outlive the communicator's use of it: the plan's name). Two stores:
  /// every collective step calls it.
  void enter(const CollectivePlace &place) { current_ = place; }
  /// The step entered last is done: a wait (or a blocking collective)
  /// `completed` it, or it only started a bucket.
  void leave(bool completed) {
    if (completed)
      lastCompleted_ = current_;
    current_.entry = nullptr;
  }
  const CollectivePlace &currentPlace() const { return current_; }
  const CollectivePlace &lastCompleted() const { return lastCompleted_; }

  /// Collective, at the end of a run: every rank's `mine` to rank 0, in
  /// rank order (`*all` empty on the other ranks).
  virtual Status gatherToRoot(const std::vector<uint8_t> &mine,
                              std::vector<std::vector<uint8_t>> *all) {
    all->assign(1, mine);
    return Status::ok();
  }
  /// Collective: on rank 0, every rank's steady clock (trace::now) minus
  /// rank 0's, in ns, each estimated from the round trip of a few
  /// ping-pongs with rank 0 that took the least time; empty on the others.
  /// `*method` says how.
  virtual Status clockOffsets(std::vector<int64_t> *offsets,
                              std::string *method) {
    offsets->assign(1, 0);
    *method = "one process";
    return Status::ok();
  }
  /// This rank's host name ("?" when unknown).
  virtual std::string hostName() const { return localHostName(); }

  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Starts reducing `count` floats at `data` over every rank, in place.
  /// `data` must not be read or written until wait() returns.
  virtual Status startAllReduce(float *data, size_t count, ReduceOp op,
                                CommRequest *request) = 0;
  /// Lets started reductions advance (MPI progresses non-blocking
  /// collectives only inside MPI calls); cheap, called between kernels.
  virtual void progress(CommRequest *request) = 0;
  /// Waits for a started reduction. Fails with Communication when it does
  /// not complete within the communicator's timeout: a peer rank has died or
  /// stopped answering.
  virtual Status wait(CommRequest *request) = 0;

  /// Memory for a session's arena: `bytes`, zeroed, 64-byte aligned. A
  /// communicator whose ranks share a host may return memory they can all
  /// read, and then reduces buckets inside it without messages. Sets `*out`
  /// to null when the caller should allocate the arena itself. Collective:
  /// every rank calls it for the same plan in the same order. The memory
  /// lives as long as the communicator.
  virtual Status allocateArena(size_t bytes, void **out) {
    (void)bytes;
    *out = nullptr;
    return Status::ok();
  }

  /// For memory from allocateArena that the ranks share: the address of
  /// the same byte in rank `rank`'s arena. Null when `mine` is not in such
  /// memory.
  virtual void *peerAddress(const void *mine, int rank) const {
    (void)mine;
    (void)rank;
    return nullptr;
  }
  /// The floats [*begin, *end) of a `count`-float bucket that rank `rank`
  /// reduces when the bucket is in shared memory.
  virtual void shareOf(size_t count, int rank, size_t *begin,
                       size_t *end) const {
    (void)rank;
    *begin = 0;
    *end = count;
  }
  /// Waits until every rank has reached this barrier on the shared arena
  /// holding `inArena` (collective, in the same order on every rank).
  virtual Status arenaBarrier(const void *inArena) {
    (void)inArena;
    return Status::ok();
  }

  /// startAllReduce then wait.
  Status allReduce(float *data, size_t count, ReduceOp op) {
    CommRequest request;
    BRAID_RETURN_IF_ERROR(startAllReduce(data, count, op, &request));
    return wait(&request);
  }

  /// Copies `bytes` at `data` from rank `root` to every other rank.
  virtual Status broadcast(void *data, size_t bytes, int root) = 0;

  /// Every rank's `value`, in rank order (start-up checks).
  virtual Status allGather(uint64_t value, std::vector<uint64_t> *out) = 0;

  /// Seconds this rank has spent in collective waits after its own part
  /// was done: waiting for slower ranks, and for the transfer. On ranks
  /// that share a host, one rank's large figure and another's small one
  /// name the second as the straggler.
  virtual double waitedSeconds() const { return 0; }
  /// Seconds this rank's all-reduces have been under way (from start to
  /// completion, or, on a progress thread, while it ran them), and the part
  /// of it the rank spent computing rather than blocked in a wait: hidden
  /// behind computation.
  virtual double collectiveSeconds() const { return 0; }
  virtual double hiddenSeconds() const { return 0; }

  /// The hosts the ranks are on (pretend hosts under BRAID_RANKS_PER_HOST).
  /// A sharded update over ranks on one host reads the others' memory;
  /// over several hosts, it goes through ownedRange and allGatherOwned.
  virtual int hostCount() const { return 1; }
  /// The floats [*begin, *end) of a `count`-float bucket that this rank
  /// holds reduced after a scatterOnly wait. Every rank owns a disjoint
  /// range; together they cover the bucket.
  virtual void ownedRange(size_t count, size_t *begin, size_t *end) const {
    *begin = 0;
    *end = count;
  }
  /// Every rank's owned range of the `count`-float bucket at `data` to
  /// every rank, in place. Collective, between steps' waits.
  virtual Status allGatherOwned(float *data, size_t count) {
    (void)data;
    (void)count;
    return Status::ok();
  }

private:
  CollectivePlace current_, lastCompleted_;
};

/// One process alone: reductions and broadcasts leave the data as it is.
class LocalCommunicator : public Communicator {
public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status startAllReduce(float *, size_t, ReduceOp,
                        CommRequest *request) override {
    request->active = true;
    return Status::ok();
  }
  void progress(CommRequest *) override {}
  Status wait(CommRequest *request) override {
    request->active = false;
    return Status::ok();
  }
  Status broadcast(void *, size_t, int) override { return Status::ok(); }
  Status allGather(uint64_t value, std::vector<uint64_t> *out) override {
    out->assign(1, value);
    return Status::ok();
  }
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_COMMUNICATOR_H
