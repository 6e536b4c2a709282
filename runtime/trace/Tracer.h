// The step timer of `braid-run train --trace` and `--profile`: when a
// session has a tracer, each kernel's start and end (steady clock, ns), each
// run of an entry point, and the trainer's data loading, evaluations and
// checkpoint writes are recorded into a buffer allocated when the tracer is
// made, and every kernel's time is summed for the profile. A step allocates
// nothing; a session without a tracer pays one branch on a null pointer
// per kernel.
#ifndef BRAID_RUNTIME_TRACE_TRACER_H
#define BRAID_RUNTIME_TRACE_TRACER_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::runtime {

class LoadedPlan;

namespace trace {

/// What an event times. Values are part of the gathered bytes of a
/// multi-rank trace (TraceGather), which every rank builds alike.
enum class Category : uint8_t {
  /// One kernel of a step: (entry, step) index the plan.
  Kernel = 0,
  /// A whole run of entry point `entry`.
  Run = 1,
  /// Exchanging updated parameters after a sharded update.
  Exchange = 2,
  /// The trainer gathering a batch into the inputs.
  Data = 3,
  /// An evaluation over the test data.
  Eval = 4,
  /// Writing a checkpoint.
  Checkpoint = 5,
};

/// One timed span, 40 bytes, plain data.
struct Event {
  int64_t begin = 0, end = 0; // steady clock, ns
  /// The session's training step when it ran (train_step runs so far).
  int64_t trainingStep = 0;
  uint32_t entry = 0, step = 0; // Kernel: plan indices; Run: entry only
  Category category = Category::Kernel;
};

/// The steady clock in nanoseconds, the time base of every event.
inline int64_t now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct TracerOptions {
  /// Record events for the trace file.
  bool trace = false;
  /// Sum every kernel's time for the profile table.
  bool profile = false;
  /// The trace keeps the events of the first `traceSteps` training steps
  /// (and what runs before them), at most `maxEvents` of them; later events
  /// are counted as dropped.
  int64_t traceSteps = 100;
  size_t maxEvents = size_t{1} << 20;
};

/// The total time and number of runs of one kernel (or entry point).
struct Accumulated {
  int64_t nanoseconds = 0;
  int64_t calls = 0;
};

/// Records the events and sums of one session. Used by the one thread that
/// runs the session at a time.
class Tracer {
public:
  Tracer(const LoadedPlan &plan, const TracerOptions &options);

  const TracerOptions &options() const { return options_; }

  /// A kernel of `entry`'s step `step` ran over [begin, end).
  void kernel(uint32_t entry, uint32_t step, int64_t trainingStep,
              int64_t begin, int64_t end) {
    if (options_.profile) {
      Accumulated &a = kernels_[entry][step];
      a.nanoseconds += end - begin;
      ++a.calls;
    }
    record({begin, end, trainingStep, entry, step, Category::Kernel});
  }
  /// A whole run of `entry` (its kernels and the exchange after them).
  void run(uint32_t entry, int64_t trainingStep, int64_t begin, int64_t end) {
    if (options_.profile) {
      runs_[entry].nanoseconds += end - begin;
      ++runs_[entry].calls;
    }
    record({begin, end, trainingStep, entry, 0, Category::Run});
  }
  /// A span of the session or trainer outside the kernels.
  void span(Category category, int64_t trainingStep, int64_t begin,
            int64_t end) {
    record({begin, end, trainingStep, 0, 0, category});
  }

  const std::vector<Event> &events() const { return events_; }
  /// Events not kept: past traceSteps or the buffer's end.
  int64_t dropped() const { return dropped_; }
  /// Per entry point, per step: each kernel's time; per entry: its runs.
  const std::vector<std::vector<Accumulated>> &kernels() const {
    return kernels_;
  }
  const std::vector<Accumulated> &runs() const { return runs_; }

private:
  void record(const Event &event) {
    if (!options_.trace)
      return;
    if (event.trainingStep >= options_.traceSteps ||
        events_.size() == events_.capacity()) {
      ++dropped_;
      return;
    }
    events_.push_back(event); // within the capacity reserved up front
  }

  TracerOptions options_;
  std::vector<Event> events_;
  int64_t dropped_ = 0;
  std::vector<std::vector<Accumulated>> kernels_;
  std::vector<Accumulated> runs_;
};

/// Times the scope it lives in as a span of `tracer`, when there is one.
class ScopedSpan {
public:
  ScopedSpan(Tracer *tracer, Category category, int64_t trainingStep)
      : tracer_(tracer), category_(category), step_(trainingStep),
        begin_(tracer ? now() : 0) {}
  ~ScopedSpan() { end(); }
  /// Ends the span now, before its scope does.
  void end() {
    if (tracer_)
      tracer_->span(category_, step_, begin_, now());
    tracer_ = nullptr;
  }
  ScopedSpan(const ScopedSpan &) = delete;
  ScopedSpan &operator=(const ScopedSpan &) = delete;

private:
  Tracer *tracer_;
  Category category_;
  int64_t step_, begin_;
};

} // namespace trace
} // namespace braid::runtime

#endif // BRAID_RUNTIME_TRACE_TRACER_H
