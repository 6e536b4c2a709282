// See LaneSum.h.
#include "runtime/kernels/LaneSum.h"

#include "runtime/support/CpuDispatch.h"

namespace braid::runtime::kernels {

BRAID_VECTOR_CLONES
double laneSum(const float *v, int64_t n) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lanes[l] += v[i + l];
  double sum = combineLanes(lanes);
  for (; i < n; ++i)
    sum += v[i];
  return sum;
}

} // namespace braid::runtime::kernels
