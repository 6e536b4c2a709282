// Per-CPU clones of the hot native loops.
//
// Braid's binaries target baseline x86-64 so that they run on any machine,
// which limits the compiler to 4-wide SSE. A function marked
// BRAID_VECTOR_CLONES is compiled twice, for AVX2 and for the baseline, and
// the loader picks one by the CPU at start-up (a GNU ifunc). The optimizer
// updates run about twice as fast on AVX2.
//
// FMA is left out on purpose: a fused multiply-add rounds once where the
// baseline rounds twice, and data-parallel replicas on different CPUs must
// compute bit-identical updates or their parameters drift apart. Without it
// both clones run the same IEEE operations per element, so their results
// are identical.
#ifndef BRAID_RUNTIME_SUPPORT_CPUDISPATCH_H
#define BRAID_RUNTIME_SUPPORT_CPUDISPATCH_H

#if defined(__x86_64__) && defined(__ELF__) &&                                 \
    (defined(__GNUC__) || defined(__clang__))
#define BRAID_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#define BRAID_HAS_VECTOR_CLONES 1
#else
#define BRAID_VECTOR_CLONES
#define BRAID_HAS_VECTOR_CLONES 0
#endif

#endif // BRAID_RUNTIME_SUPPORT_CPUDISPATCH_H
