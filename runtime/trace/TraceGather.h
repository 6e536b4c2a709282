// A multi-rank trace in one file: every rank's events gathered to rank 0
// over the job's communicator, put on rank 0's clock, and written there.
#ifndef BRAID_RUNTIME_TRACE_TRACEGATHER_H
#define BRAID_RUNTIME_TRACE_TRACEGATHER_H

#include "runtime/comm/Communicator.h"
#include "runtime/trace/Tracer.h"

#include <string>
#include <vector>

namespace braid::runtime {

class LoadedPlan;

namespace trace {

/// How the ranks' clocks relate: estimated once, at the start of a run
/// (Communicator::clockOffsets), since a gather at the end may come after
/// hours in which the estimate would not change.
struct ClockAlignment {
  std::vector<int64_t> offsets; // rank 0 only
  std::string method;
};

/// Collective: estimates every rank's clock offset to rank 0's.
Status alignClocks(Communicator &comm, ClockAlignment *out);

/// Collective: gathers `tracer`'s events of every rank to rank 0, which
/// writes them to `path` as one Chrome trace (TraceWriter.h).
Status gatherAndWrite(Communicator &comm, const LoadedPlan &plan,
                      const Tracer &tracer, const ClockAlignment &clocks,
                      const std::string &path);

} // namespace trace
} // namespace braid::runtime

#endif // BRAID_RUNTIME_TRACE_TRACEGATHER_H
