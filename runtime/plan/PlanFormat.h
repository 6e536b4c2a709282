// The plan format's version: raised when a change to plan.fbs is one that
// older runtimes cannot read (appending optional fields is not).
#ifndef BRAID_RUNTIME_PLAN_PLANFORMAT_H
#define BRAID_RUNTIME_PLAN_PLANFORMAT_H

#include <cstdint>

namespace braid {

constexpr uint32_t kFormatVersion = 1;

} // namespace braid

#endif // BRAID_RUNTIME_PLAN_PLANFORMAT_H
