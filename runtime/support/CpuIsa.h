// Which instruction set the runtime computes with on this machine: oneDNN's
// choice for its primitives, and the clone the loader picked for the
// runtime's own vectorized loops (CpuDispatch.h).
#ifndef BRAID_RUNTIME_SUPPORT_CPUISA_H
#define BRAID_RUNTIME_SUPPORT_CPUISA_H

namespace braid::runtime {

/// oneDNN's effective ISA, readable ("AVX2", "AVX-512 with bfloat16 and
/// AMX"); ONEDNN_MAX_CPU_ISA lowers it.
const char *onednnIsa();
/// The ISA of the BRAID_VECTOR_CLONES loops: "AVX2", or the x86-64
/// baseline "SSE2" on a CPU without AVX2; "scalar" where no clones are
/// built.
const char *nativeVectorIsa();

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_CPUISA_H
