// The table `braid-run train --profile` prints: the share of the training
// step's time each kernel takes, grouped by op and model-source location
// (every matrix product, every fused kernel its own row), sorted, the top
// rows with their total time and calls.
#ifndef BRAID_RUNTIME_TRACE_PROFILETABLE_H
#define BRAID_RUNTIME_TRACE_PROFILETABLE_H

#include "runtime/trace/Tracer.h"

#include <string>

namespace braid::runtime {

class LoadedPlan;

namespace trace {

/// The table of `tracer`'s sums over the training entry points (train_step
/// and accumulate), `rows` rows at most, as text ending in a newline.
std::string profileTable(const LoadedPlan &plan, const Tracer &tracer,
                         size_t rows = 20);

} // namespace trace
} // namespace braid::runtime

#endif // BRAID_RUNTIME_TRACE_PROFILETABLE_H
