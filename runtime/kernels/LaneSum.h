// Sums of f32 rows that vectorize without reassociating: kLanes interleaved
// f32 partial sums (each holds n / kLanes terms), added up in double as a
// tree. The order of the additions is fixed by the code, not the compiler,
// so the AVX2 clone and the baseline give the same bits (CpuDispatch.h),
// and a row of n terms costs n / kLanes dependent adds where a running sum
// takes n.
#ifndef BRAID_RUNTIME_KERNELS_LANESUM_H
#define BRAID_RUNTIME_KERNELS_LANESUM_H

#include <cstdint>

namespace braid::runtime::kernels {

constexpr int kLanes = 16;

/// The sum of kLanes f32 partial sums, in double, as a tree: four
/// dependent adds where a chain would take sixteen.
inline double combineLanes(const float *lanes) {
  double d[kLanes];
  for (int l = 0; l < kLanes; ++l)
    d[l] = lanes[l];
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l)
      d[l] += d[l + w];
  return d[0];
}

/// The sum of v[0..n), in kLanes interleaved f32 partial sums added up in
/// double, then the n % kLanes last terms in order.
double laneSum(const float *v, int64_t n);

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_LANESUM_H
