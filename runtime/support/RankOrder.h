// The order in which every reduction over ranks combines their values:
// ((x0 op x1) op x2) op ..., rank by rank, whichever rank computes it and
// whichever path reduces (the shared arena's all-reduce, or a sharded
// optimizer update summing the ranks' gradients itself). Float addition is
// not associative; one order everywhere is what gives every rank
// bit-identical results.
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
/// a time, `block` holding the combination of ranks 0..ranks-1 in rank
/// order at [first, first + count). `source(k)` is rank k's array. The block
/// stays in L1 and is separate from every source, so a caller may write
/// the result over one of them.
template <typename Source, typename Visit>
void forEachCombinedBlock(CombineFn combine, size_t ranks, Source source,
                          size_t begin, size_t end, Visit visit) {
  constexpr size_t kBlock = 1024;
  alignas(64) float block[kBlock];
  for (size_t b = begin; b < end; b += kBlock) {
    const size_t n = std::min(kBlock, end - b);
    combine(block, source(0) + b, source(1) + b, n);
    for (size_t k = 2; k < ranks; ++k)
      combine(block, block, source(k) + b, n);
    visit(b, n, static_cast<const float *>(block));
  }
}

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_RANKORDER_H
