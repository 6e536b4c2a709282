// The plan format's version: raised when a change to plan.fbs is one that
// older runtimes cannot read (appending optional fields is not).
#ifndef BRAID_RUNTIME_PLAN_PLANFORMAT_H
#define BRAID_RUNTIME_PLAN_PLANFORMAT_H

#include <cstddef>
#include <cstdint>

namespace braid {

constexpr uint32_t kFormatVersion = 1;

/// The longest Step.location and Step.op_name the loader accepts: a
/// location is a path and two numbers (braidc writes the file's base name
/// when the path would not fit), an op name a few dozen ops of a fused
/// step. Bounded so that a hostile plan cannot make every trace event
/// megabytes long.
constexpr size_t kMaxLocationBytes = 1024;
constexpr size_t kMaxOpNameBytes = 4096;

} // namespace braid

#endif // BRAID_RUNTIME_PLAN_PLANFORMAT_H
