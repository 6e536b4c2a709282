// See RankOrder.h.
#include "runtime/support/RankOrder.h"
#include "runtime/support/CpuDispatch.h"

namespace braid::runtime {

BRAID_VECTOR_CLONES void sumInto(float *out, const float *a, const float *b,
                                 size_t n) {
#pragma GCC ivdep
  for (size_t i = 0; i < n; ++i)
    out[i] = a[i] + b[i];
}

BRAID_VECTOR_CLONES void maxInto(float *out, const float *a, const float *b,
                                 size_t n) {
#pragma GCC ivdep
  for (size_t i = 0; i < n; ++i)
    out[i] = std::max(a[i], b[i]);
}

BRAID_VECTOR_CLONES void minInto(float *out, const float *a, const float *b,
                                 size_t n) {
#pragma GCC ivdep
  for (size_t i = 0; i < n; ++i)
    out[i] = std::min(a[i], b[i]);
}

} // namespace braid::runtime
