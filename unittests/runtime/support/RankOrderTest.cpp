// Tests of the reduction order over ranks (RankOrder.h): the balanced
// pairwise tree, for 1 to 9 ranks and across block boundaries, and that a
// reduction in two levels (each power-of-two host's subtree, then the tree
// over the hosts) gives the same bits.
#include "runtime/support/RankOrder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace braid::runtime {
namespace {

/// Rank r's value at element i: the order of a sum shows in its bits.
float value(size_t rank, size_t i) {
  return 0.1f * static_cast<float>(rank + 1) +
         1e-3f * static_cast<float>(i % 1013) * (rank % 2 ? -1.f : 1.f) +
         (rank == 2 ? 3e4f : 0.f);
}

/// The tree by its definition: [lo, hi) splits at lo + P, P the largest
/// power of two below hi - lo.
float tree(size_t lo, size_t hi, size_t i) {
  if (hi - lo == 1)
    return value(lo, i);
  size_t p = 1;
  while (p * 2 < hi - lo)
    p *= 2;
  return tree(lo, lo + p, i) + tree(lo + p, hi, i);
}

std::vector<float> combined(size_t ranks, size_t count,
                            const std::vector<std::vector<float>> &x) {
  std::vector<float> out(count, -1.f);
  forEachCombinedBlock(
      sumInto, ranks, [&](size_t k) { return x[k].data(); }, 0, count,
      [&](size_t b, size_t n, const float *block) {
        std::memcpy(out.data() + b, block, n * sizeof(float));
      });
  return out;
}

TEST(RankOrderTest, SumsInTheBalancedPairwiseTree) {
  const size_t count = 1500; // three blocks, the last partial
  for (size_t ranks = 1; ranks <= 9; ++ranks) {
    std::vector<std::vector<float>> x(ranks, std::vector<float>(count));
    for (size_t k = 0; k < ranks; ++k)
      for (size_t i = 0; i < count; ++i)
        x[k][i] = value(k, i);
    std::vector<float> out = combined(ranks, count, x);
    for (size_t i = 0; i < count; ++i) {
      float want = tree(0, ranks, i);
      ASSERT_EQ(0, std::memcmp(&out[i], &want, sizeof want))
          << ranks << " ranks, element " << i << ": " << out[i] << " vs "
          << want;
    }
  }
}

TEST(RankOrderTest, TwoLevelsGiveTheSameBits) {
  const size_t count = 700;
  // 8 ranks as 1x8, 2x4, 4x2 and 8x1; 6 ranks as 3x2 and 6x1.
  for (auto [hosts, perHost] : {std::pair<size_t, size_t>{1, 8},
                                {2, 4},
                                {4, 2},
                                {8, 1},
                                {3, 2},
                                {6, 1}}) {
    const size_t ranks = hosts * perHost;
    std::vector<std::vector<float>> x(ranks, std::vector<float>(count));
    for (size_t k = 0; k < ranks; ++k)
      for (size_t i = 0; i < count; ++i)
        x[k][i] = value(k, i);
    std::vector<std::vector<float>> hostSums;
    for (size_t h = 0; h < hosts; ++h) {
      std::vector<std::vector<float>> mine(x.begin() + h * perHost,
                                           x.begin() + (h + 1) * perHost);
      hostSums.push_back(combined(perHost, count, mine));
    }
    std::vector<float> twoLevels = combined(hosts, count, hostSums);
    std::vector<float> flat = combined(ranks, count, x);
    EXPECT_EQ(0,
              std::memcmp(twoLevels.data(), flat.data(), count * sizeof(float)))
        << hosts << " hosts x " << perHost;
  }
}

} // namespace
} // namespace braid::runtime
