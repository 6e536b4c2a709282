// How a rank waits for its peers, in every collective wait: it polls hard
// at first, so that a reduction nearly done does not wait a scheduler time
// slice, then yields its core, so that a peer sharing the core (more ranks
// than cores) can run, and gives up at a deadline, so that a peer that died
// or stopped answering fails the wait instead of hanging it. A request to
// stop (SIGTERM, SIGINT: mpirun sends SIGTERM to every rank when it ends a
// job, and SIGKILL soon after) shortens every wait to a grace, so that a
// rank whose peer died reports the step and bucket it was stuck in before
// it is killed.
#ifndef BRAID_RUNTIME_COMM_POLLER_H
#define BRAID_RUNTIME_COMM_POLLER_H

#include "runtime/support/Status.h"

#include <atomic>
#include <chrono>
#include <sched.h>
#include <string>

namespace braid::runtime {

class Poller {
public:
  /// Whether a request to stop shortens the wait: Keep for a wait on this
  /// process's own thread, whose waits on peers are shortened themselves.
  enum class OnStop { Shorten, Keep };

  explicit Poller(double timeoutSeconds, OnStop onStop = OnStop::Shorten)
      : timeoutSeconds_(timeoutSeconds), onStop_(onStop) {}

  /// Seconds a wait goes on once this process was asked to stop. A healthy
  /// step ends well within it; a peer that died never answers.
  static constexpr double kStopGraceSeconds = 2;

  /// From now on every wait (the ones under way included) gives up
  /// kStopGraceSeconds after it sees the request, or at its own deadline
  /// when that comes first. Async-signal-safe (a lock-free store).
  static void requestStop() noexcept {
    stopRequested_.store(1, std::memory_order_relaxed);
  }
  /// Back to full timeouts: the request was taken (the job stops at a step
  /// boundary), and what follows, such as writing a checkpoint, may wait as
  /// long as ever.
  static void stopTaken() noexcept {
    stopRequested_.store(0, std::memory_order_relaxed);
  }
  static bool stopRequested() noexcept {
    return stopRequested_.load(std::memory_order_relaxed) != 0;
  }

  /// Call after each unsuccessful poll: false once the deadline has passed
  /// (the clock is read at the first poll, then every 1024); otherwise
  /// backs off and true. The deadline counts from the first failed poll, so
  /// a wait whose peers are already there reads no clock at all.
  bool keepWaiting() {
    if (polls_++ == 0) {
      start_ = Clock::now();
      deadline_ = start_ + toDuration(timeoutSeconds_);
    }
    // A relaxed load per poll; once stopping, the clock too, since on a
    // loaded machine 1024 yielding polls can take longer than the grace.
    if (!stopping_ && onStop_ == OnStop::Shorten && stopRequested()) {
      stopping_ = true;
      const Clock::time_point end =
          Clock::now() + toDuration(kStopGraceSeconds);
      if (end < deadline_) {
        deadline_ = end;
        cutShort_ = true;
      }
    }
    if ((stopping_ || (polls_ & 1023) == 0) && Clock::now() > deadline_)
      return false;
    if (polls_ >= kPollsBeforeYield)
      sched_yield();
#if defined(__x86_64__) || defined(__i386__)
    else
      __builtin_ia32_pause(); // leaves the core's pipeline to its sibling
#endif
    return true;
  }

  /// Seconds since the first failed poll, or 0 when none failed.
  double waitedSeconds() const {
    return polls_ == 0
               ? 0.0
               : std::chrono::duration<double>(Clock::now() - start_).count();
  }

  /// The error of a wait that gave up: `what` names the operation.
  Status timedOut(int rank, const std::string &what) const {
    if (cutShort_)
      return communicationError(
          "rank " + std::to_string(rank) + ": " + what +
          " did not complete within " +
          std::to_string(static_cast<int>(kStopGraceSeconds)) +
          " s of a request to stop (SIGTERM or SIGINT; mpirun sends SIGTERM "
          "when it ends the job): another rank has died or stopped "
          "answering");
    return communicationError(
        "rank " + std::to_string(rank) + ": " + what +
        " did not complete within " +
        std::to_string(static_cast<int>(timeoutSeconds_)) +
        " s: another rank has died or stopped answering");
  }

private:
  using Clock = std::chrono::steady_clock;
  static Clock::duration toDuration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(seconds));
  }
  static_assert(std::atomic<int>::is_always_lock_free,
                "requestStop must be async-signal-safe");
  static inline std::atomic<int> stopRequested_{0};
  /// Polls before yielding (about 0.1 ms). Measured on 2 ranks of the
  /// reference model on a loaded machine: 78-82k samples/s with 2000, 15-17k
  /// with 20000 (a rank spinning while its peer waits for a core), and
  /// yielding from the first poll cost a scheduler slice (~4 ms) per bucket.
  static constexpr unsigned kPollsBeforeYield = 2000;

  double timeoutSeconds_;
  OnStop onStop_;
  Clock::time_point start_, deadline_;
  unsigned polls_ = 0;
  /// A request to stop was seen; it moved the deadline closer.
  bool stopping_ = false, cutShort_ = false;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_POLLER_H
