// The placement of memory planning's buffers in the arena (ArenaPlacement.h).
#include "passes/ArenaPlacement.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <queue>
#include <set>
#include <utility>
#include <vector>

namespace braid {
namespace {

/// The free gaps between the live buffers of the arena, kept as the live
/// buffers change, so that placing a buffer costs O(log n) rather than a
/// scan and sort of every live buffer (O(n^2 log n) for a model whose
/// forward activations all stay live through its backward pass).
///
/// Live buffers never overlap (a buffer is placed clear of every buffer
/// live at its definition, and of two buffers live at once the later was
/// placed while the earlier was live). A gap runs from the 64-byte aligned
/// end of one live buffer (or 0) to the offset of the next; above the last
/// live buffer the arena is free without bound.
class FreeGaps {
public:
  /// The offset where a buffer of `bytes` (> 0) goes: among the gaps that
  /// hold it, the smallest (best fit) or the lowest (first fit), the lowest
  /// of equal ones; above every live buffer when none does.
  uint64_t find(uint64_t bytes, bool bestFit) const {
    if (bestFit) {
      auto it = bySize.lower_bound({bytes, 0});
      if (it != bySize.end())
        return it->second;
    } else {
      for (auto [start, size] : byStart)
        if (size >= bytes)
          return start;
    }
    return llvm::alignTo(top(), kArenaAlignment);
  }

  /// Marks [offset, offset + bytes) live; `offset` is what find returned.
  void take(uint64_t offset, uint64_t bytes) {
    uint64_t end = offset + bytes;
    auto next = live.lower_bound(offset);
    if (next != live.end()) {
      // The gap starting at `offset` now starts after the new buffer.
      removeGap(offset);
      addGap(llvm::alignTo(end, kArenaAlignment), next->first);
    }
    live.emplace(offset, end);
  }

  /// Frees the live buffer at `offset`, merging the gaps on either side.
  void release(uint64_t offset) {
    auto it = live.find(offset);
    uint64_t prevEnd = it == live.begin() ? 0 : std::prev(it)->second;
    auto next = std::next(it);
    removeGap(llvm::alignTo(prevEnd, kArenaAlignment));
    if (next != live.end()) {
      removeGap(llvm::alignTo(it->second, kArenaAlignment));
      addGap(llvm::alignTo(prevEnd, kArenaAlignment), next->first);
    }
    live.erase(it);
  }

private:
  uint64_t top() const { return live.empty() ? 0 : live.rbegin()->second; }

  void addGap(uint64_t start, uint64_t end) {
    if (end <= start)
      return;
    byStart.emplace(start, end - start);
    bySize.emplace(end - start, start);
  }

  void removeGap(uint64_t start) {
    auto it = byStart.find(start);
    if (it == byStart.end())
      return;
    bySize.erase({it->second, start});
    byStart.erase(it);
  }

  /// Live buffers: offset -> end.
  std::map<uint64_t, uint64_t> live;
  /// Gaps between live buffers: start -> size, and (size, start).
  std::map<uint64_t, uint64_t> byStart;
  std::set<std::pair<uint64_t, uint64_t>> bySize;
};

} // namespace

uint64_t placeArena(llvm::MutableArrayRef<ArenaBlock> buffers, bool bestFit) {
  uint64_t arenaBytes = 0;
  FreeGaps gaps;
  // Live buffers by the end of their live range, soonest first.
  using Expiry = std::pair<unsigned, const ArenaBlock *>;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<Expiry>> live;
  for (ArenaBlock &buffer : buffers) {
    while (!live.empty() && live.top().first < buffer.start) {
      gaps.release(live.top().second->offset);
      live.pop();
    }
    if (buffer.bytes == 0) {
      buffer.offset = 0;
      continue;
    }
    buffer.offset = gaps.find(buffer.bytes, bestFit);
    gaps.take(buffer.offset, buffer.bytes);
    arenaBytes = std::max(arenaBytes, buffer.offset + buffer.bytes);
    live.push({buffer.end, &buffer});
  }
  return llvm::alignTo(arenaBytes, kArenaAlignment);
}

} // namespace braid
