// The placement of memory planning's buffers in one arena: given each
// buffer's live range and size, the byte offsets at which no two buffers
// live at once overlap. braid-plan-memory computes the live ranges from the
// IR; this part knows nothing of it.
#ifndef BRAID_PASSES_ARENAPLACEMENT_H
#define BRAID_PASSES_ARENAPLACEMENT_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace braid {

/// Every buffer starts at a multiple of this; the runtime's kernels rely on
/// it (and plan.fbs states it).
constexpr uint64_t kArenaAlignment = 64;

/// A buffer to place: the op indices where it is first defined and last read
/// (both in use), its size, and, once placed, its offset.
struct ArenaBlock {
  unsigned start = 0;
  unsigned end = 0;
  uint64_t bytes = 0;
  uint64_t offset = 0;
};

/// Places `buffers` (sorted by start) in the arena and returns its size,
/// a multiple of kArenaAlignment. A buffer may not overlap any earlier
/// buffer whose live range meets its own; among the free gaps that hold it,
/// best fit takes the smallest, first fit the lowest (of equal gaps, the
/// lowest), and the top of the arena when none does. An empty buffer takes
/// no bytes and goes at offset 0. Costs O(n log n) with best fit.
uint64_t placeArena(llvm::MutableArrayRef<ArenaBlock> buffers, bool bestFit);

} // namespace braid

#endif // BRAID_PASSES_ARENAPLACEMENT_H
