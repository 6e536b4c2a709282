// Tests placeArena (passes/ArenaPlacement.h), which keeps the arena's free
// gaps in ordered maps, against the definition it implements: for each
// buffer, a scan of every buffer still live, sorted by offset, for the gaps
// between them. Both must give every buffer the same offset, so that memory
// planning is as tight as the definition, on buffer sets shaped like
// training (activations live until the backward pass) and at random.
#include "passes/ArenaPlacement.h"

#include "llvm/Support/MathExtras.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace {

using braid::ArenaBlock;
using braid::kArenaAlignment;

/// The definition: the buffers live when each is defined, sorted by offset,
/// and every gap between them considered in turn (O(n^2 log n)).
uint64_t placeByScan(std::vector<ArenaBlock> &buffers, bool bestFit) {
  uint64_t arenaBytes = 0;
  std::vector<const ArenaBlock *> live;
  for (ArenaBlock &buffer : buffers) {
    live.erase(std::remove_if(
                   live.begin(), live.end(),
                   [&](const ArenaBlock *b) { return b->end < buffer.start; }),
               live.end());
    std::sort(live.begin(), live.end(),
              [](const ArenaBlock *a, const ArenaBlock *b) {
                return a->offset < b->offset;
              });
    std::optional<uint64_t> best;
    uint64_t bestGap = 0, cursor = 0;
    auto consider = [&](uint64_t gapEnd, bool unbounded) {
      uint64_t at = llvm::alignTo(cursor, kArenaAlignment);
      if (!unbounded && (at > gapEnd || gapEnd - at < buffer.bytes))
        return;
      uint64_t gap = unbounded ? UINT64_MAX : gapEnd - at;
      if (!best || (bestFit && gap < bestGap)) {
        best = at;
        bestGap = gap;
      }
    };
    for (const ArenaBlock *b : live) {
      if (b->offset > cursor)
        consider(b->offset, /*unbounded=*/false);
      cursor = std::max(cursor, b->offset + b->bytes);
    }
    consider(0, /*unbounded=*/true);
    buffer.offset = *best;
    arenaBytes = std::max(arenaBytes, buffer.offset + buffer.bytes);
    live.push_back(&buffer);
  }
  return llvm::alignTo(arenaBytes, kArenaAlignment);
}

/// Places `buffers` both ways and expects the same offsets and arena size.
void expectSamePlacement(std::vector<ArenaBlock> buffers, bool bestFit) {
  std::sort(buffers.begin(), buffers.end(),
            [](const ArenaBlock &a, const ArenaBlock &b) {
              return a.start < b.start;
            });
  std::vector<ArenaBlock> scanned = buffers;
  uint64_t expected = placeByScan(scanned, bestFit);
  uint64_t arena = braid::placeArena(buffers, bestFit);
  EXPECT_EQ(arena, expected) << (bestFit ? "best fit" : "first fit");
  for (size_t i = 0; i < buffers.size(); ++i)
    ASSERT_EQ(buffers[i].offset, scanned[i].offset)
        << "buffer #" << i << " [" << buffers[i].start << ", " << buffers[i].end
        << "] of " << buffers[i].bytes << " bytes";
}

/// Sizes of f32 tensors: multiples of 4, some below the alignment.
uint64_t randomBytes(std::mt19937 &rng) {
  static const uint64_t sizes[] = {4, 40, 256, 2560, 16384, 16388, 200704};
  return sizes[rng() % (sizeof(sizes) / sizeof(sizes[0]))] * (1 + rng() % 3);
}

TEST(ArenaPlacementTest, TrainingShapedLiveRangesMatchTheScan) {
  // A forward pass of n values each read by the next op and by the backward
  // pass (live until op 3n - i), then backward values read by the next op.
  std::mt19937 rng(1);
  unsigned n = 300;
  std::vector<ArenaBlock> buffers;
  for (unsigned i = 0; i < n; ++i)
    buffers.push_back({i, 2 * n - i, randomBytes(rng)});
  for (unsigned i = n; i < 3 * n; ++i)
    buffers.push_back(
        {i, i + 1 + static_cast<unsigned>(rng() % 3), randomBytes(rng)});
  expectSamePlacement(buffers, /*bestFit=*/true);
  expectSamePlacement(buffers, /*bestFit=*/false);
}

TEST(ArenaPlacementTest, RandomLiveRangesMatchTheScan) {
  std::mt19937 rng(2);
  for (int round = 0; round < 20; ++round) {
    std::vector<ArenaBlock> buffers;
    unsigned count = 50 + rng() % 200;
    for (unsigned i = 0; i < count; ++i) {
      unsigned start = rng() % count;
      buffers.push_back(
          {start, start + static_cast<unsigned>(rng() % 40), randomBytes(rng)});
    }
    expectSamePlacement(buffers, /*bestFit=*/true);
    expectSamePlacement(buffers, /*bestFit=*/false);
  }
}

TEST(ArenaPlacementTest, ReusesTheSmallestGapThatHoldsABuffer) {
  // Five buffers back to back from op 0: 64 bytes at 0, 128 at 64, 64 at
  // 192, 256 and 320. The second and fourth die after op 1, leaving gaps of
  // 128 bytes at 64 and 64 bytes at 256; the buffer defined at op 2 takes
  // the smaller under best fit, the lower under first fit.
  std::vector<ArenaBlock> buffers = {{0, 9, 64}, {0, 1, 128}, {0, 9, 64},
                                     {0, 1, 64}, {0, 9, 64},  {2, 9, 64}};
  std::vector<ArenaBlock> best = buffers, first = buffers;
  EXPECT_EQ(braid::placeArena(best, /*bestFit=*/true), 384u);
  EXPECT_EQ(best[5].offset, 256u);
  EXPECT_EQ(braid::placeArena(first, /*bestFit=*/false), 384u);
  EXPECT_EQ(first[5].offset, 64u);
}

} // namespace
