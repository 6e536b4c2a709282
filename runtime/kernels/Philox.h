// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as
// easy as 1, 2, 3", SC'11): a counter-based generator, four 32-bit words from
// a 128-bit counter and a 64-bit key, bit for bit Random123's philox4x32
// with 10 rounds (its known-answer vectors are in KernelTests). Dropout
// draws from it so that a mask is a pure function of its counters: any rank
// recomputes any row's mask without state, and the backward redraws the
// forward's.
#ifndef BRAID_RUNTIME_KERNELS_PHILOX_H
#define BRAID_RUNTIME_KERNELS_PHILOX_H

#include <array>
#include <cstdint>

namespace braid::runtime::kernels {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

inline PhiloxCounter philox4x32_10(PhiloxCounter c, PhiloxKey k) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kW0;
      k[1] += kW1;
    }
    uint64_t p0 = uint64_t(kM0) * c[0], p1 = uint64_t(kM1) * c[2];
    c = {uint32_t(p1 >> 32) ^ c[1] ^ k[0], uint32_t(p1),
         uint32_t(p0 >> 32) ^ c[3] ^ k[1], uint32_t(p0)};
  }
  return c;
}

} // namespace braid::runtime::kernels

#endif // BRAID_RUNTIME_KERNELS_PHILOX_H
