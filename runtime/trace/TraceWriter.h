// The Chrome trace-event JSON of a run (the format chrome://tracing and
// Perfetto open): one process per rank, named "rank N (host)", each event
// a complete ("X") event with the model-source location and op of its
// kernel, a collective's bucket and bytes.
#ifndef BRAID_RUNTIME_TRACE_TRACEWRITER_H
#define BRAID_RUNTIME_TRACE_TRACEWRITER_H

#include "runtime/support/Status.h"
#include "runtime/trace/Tracer.h"

#include <string>
#include <vector>

namespace braid::runtime {

class LoadedPlan;

namespace trace {

/// One rank's events, on its own steady clock.
struct RankTrace {
  int rank = 0;
  std::string host;
  /// This rank's steady clock minus rank 0's, in ns: subtracted from its
  /// events' times to put them on rank 0's clock.
  int64_t clockOffset = 0;
  std::vector<Event> events;
  int64_t dropped = 0;
};

/// What the file says about how the ranks' clocks were aligned, and how the
/// buffer was bounded (its "otherData").
struct TraceNotes {
  std::string clockAlignment;
  int64_t traceSteps = 0;
};

/// The trace of every rank as one JSON document; times in microseconds
/// from the earliest event. `plan` names the entry points and steps the
/// events index (every rank runs the same plan).
std::string chromeTraceJson(const LoadedPlan &plan,
                            const std::vector<RankTrace> &ranks,
                            const TraceNotes &notes);

/// Writes chromeTraceJson to `path` (atomically, io/AtomicFile.h).
Status writeChromeTrace(const std::string &path, const LoadedPlan &plan,
                        const std::vector<RankTrace> &ranks,
                        const TraceNotes &notes);

} // namespace trace
} // namespace braid::runtime

#endif // BRAID_RUNTIME_TRACE_TRACEWRITER_H
