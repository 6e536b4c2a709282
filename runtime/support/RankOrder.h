// The order in which every reduction over ranks combines their values: a
// balanced pairwise tree over the ranks, ((x0 op x1) op (x2 op x3)) op ...,
// whichever rank computes it and whichever path reduces (the shared arena's
// all-reduce, the ordered all-reduce over MPI, a hierarchical one that sums
// within each host and then across hosts, or a sharded optimizer update
// summing the ranks' gradients itself). Float addition is not associative;
// one order everywhere is what gives every rank bit-identical results, and
// a tree (rather than a running sum in rank order) is what makes the same
// order reachable by a reduction in two levels: a host of k ranks, k a
// power of two, holding ranks [h*k, (h+1)*k), sums exactly one subtree.
//
// The tree: [lo, hi) splits at lo + P, P the largest power of two below
// hi - lo. It is the tree of pairing neighbours round by round (0+1, 2+3,
// ..., then the pairs' sums likewise, an odd one passing up unchanged).
#ifndef BRAID_RUNTIME_SUPPORT_RANKORDER_H
#define BRAID_RUNTIME_SUPPORT_RANKORDER_H

#include <algorithm>
#include <cstddef>

namespace braid::runtime {

/// out[i] = a[i] op b[i] for i < n; `out` may be `a` or `b`.
using CombineFn = void (*)(float *out, const float *a, const float *b,
                           size_t n);
void sumInto(float *out, const float *a, const float *b, size_t n);
void maxInto(float *out, const float *a, const float *b, size_t n);
void minInto(float *out, const float *a, const float *b, size_t n);

/// Calls visit(first, count, block) over elements [begin, end) a block at
/// a time, `block` holding the combination of ranks 0..ranks-1 in the tree
/// order above at [first, first + count). `source(k)` is rank k's array.
/// The block stays in L1 and is separate from every source, so a caller
/// may write the result over one of them. At most 2^20 ranks.
template <typename Source, typename Visit>
void forEachCombinedBlock(CombineFn combine, size_t ranks, Source source,
                          size_t begin, size_t end, Visit visit) {
  constexpr size_t kBlock = 512, kDepth = 21;
  // A stack of partial results, each of a power-of-two run of ranks; two
  // runs of one length merge at once (a binary counter), and what remains
  // merges from the top down at the end: exactly the tree above. Entry d
  // is a rank's own array or, once merged, partial[d].
  alignas(64) float partial[kDepth][kBlock];
  const float *operand[kDepth];
  size_t leaves[kDepth];
  for (size_t b = begin; b < end; b += kBlock) {
    const size_t n = std::min(kBlock, end - b);
    size_t depth = 0;
    for (size_t k = 0; k < ranks; ++k) {
      const float *x = source(k) + b;
      size_t run = 1;
      while (depth > 0 && leaves[depth - 1] == run) {
        --depth;
        combine(partial[depth], operand[depth], x, n);
        x = partial[depth];
        run *= 2;
      }
      operand[depth] = x;
      leaves[depth++] = run;
    }
    for (; depth > 1; --depth) {
      combine(partial[depth - 2], operand[depth - 2], operand[depth - 1], n);
      operand[depth - 2] = partial[depth - 2];
    }
    if (operand[0] != partial[0])
      std::copy(operand[0], operand[0] + n, partial[0]);
    visit(b, n, static_cast<const float *>(partial[0]));
  }
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_RANKORDER_H
