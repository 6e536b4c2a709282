// The ISA names reported by `braid-run info` and the training banner.
#include "runtime/support/CpuIsa.h"

#include "runtime/support/CpuDispatch.h"

#include <oneapi/dnnl/dnnl.hpp>

namespace braid::runtime {

const char *onednnIsa() {
  // The names follow oneDNN's verbose output (ONEDNN_VERBOSE=1), short of
  // the "Intel" prefix that it puts on AMD CPUs too.
  switch (dnnl::get_effective_cpu_isa()) {
  case dnnl::cpu_isa::sse41:
    return "SSE4.1";
  case dnnl::cpu_isa::avx:
    return "AVX";
  case dnnl::cpu_isa::avx2:
    return "AVX2";
  case dnnl::cpu_isa::avx2_vnni:
    return "AVX2 with DL Boost (AVX-VNNI)";
  case dnnl::cpu_isa::avx512_mic:
    return "AVX-512 (Xeon Phi)";
  case dnnl::cpu_isa::avx512_mic_4ops:
    return "AVX-512 with 4FMAPS and 4VNNIW (Xeon Phi)";
  case dnnl::cpu_isa::avx512_core:
    return "AVX-512";
  case dnnl::cpu_isa::avx512_core_vnni:
    return "AVX-512 with DL Boost (VNNI)";
  case dnnl::cpu_isa::avx512_core_bf16:
    return "AVX-512 with DL Boost and bfloat16";
  case dnnl::cpu_isa::avx512_core_amx:
    return "AVX-512 with DL Boost, bfloat16 and AMX";
  case dnnl::cpu_isa::all:
    break;
  }
  return "no JIT (reference kernels)";
}

const char *nativeVectorIsa() {
#if BRAID_HAS_VECTOR_CLONES
  // The same test as the ifunc resolver that target_clones generates.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") ? "AVX2" : "SSE2";
#else
  return "scalar";
#endif
}

} // namespace braid::runtime
