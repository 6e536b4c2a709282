// See Tracer.h.
#include "runtime/trace/Tracer.h"

#include "runtime/plan/LoadedPlan.h"

#include <algorithm>

namespace braid::runtime::trace {

Tracer::Tracer(const LoadedPlan &plan, const TracerOptions &options)
    : options_(options) {
  size_t perStep = 8; // the trainer's spans and the exchange
  for (const PlanEntryPoint &entry : plan.entryPoints()) {
    kernels_.emplace_back(entry.steps.size());
    perStep += entry.steps.size() + 1;
  }
  runs_.resize(plan.entryPoints().size());
  if (options_.trace) {
    // Every entry point once a step, for the steps traced and two more
    // (what runs before the first step, evaluations): beyond that, events
    // are dropped rather than the buffer grown during a step.
    const auto steps = static_cast<size_t>(std::max<int64_t>(
        0, std::min<int64_t>(options_.traceSteps, int64_t{1} << 30)));
    events_.reserve(std::min(options_.maxEvents, (steps + 2) * perStep));
  }
}

} // namespace braid::runtime::trace
