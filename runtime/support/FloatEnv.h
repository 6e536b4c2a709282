// The floating-point environment of a run: flush-to-zero and
// denormals-are-zero on every thread that runs the runtime's kernels.
//
// Arithmetic on denormal floats (below 1.2e-38) takes a slow microcode path
// on x86-64, tens of times slower than on normal values. Activations and
// gradients drift into that range as a model trains: the reference model on
// one thread falls from about 236k to 135k samples/s after its first epoch,
// with no gain in accuracy. Setting MXCSR's FTZ (results) and DAZ (inputs)
// bits makes such values zero, as PyTorch's set_flush_denormal(True) does.
//
// The bits are per thread, and the caller's thread may belong to a service
// with its own floating-point needs, so a scope sets them for one run only,
// on the calling thread and the OpenMP workers, and restores each thread's
// own state when it ends.
#ifndef BRAID_RUNTIME_SUPPORT_FLOATENV_H
#define BRAID_RUNTIME_SUPPORT_FLOATENV_H

#include <cstdint>

namespace braid::runtime {

class FlushDenormalsScope {
public:
  /// Sets FTZ and DAZ on the calling thread and, when `threads` > 1, on the
  /// OpenMP workers of a team of `threads`. With `enabled` false it does
  /// nothing: the threads keep the environment they have (IEEE denormals by
  /// default).
  FlushDenormalsScope(bool enabled, int threads);
  ~FlushDenormalsScope();

  FlushDenormalsScope(const FlushDenormalsScope &) = delete;
  FlushDenormalsScope &operator=(const FlushDenormalsScope &) = delete;

private:
  bool enabled_;
  int threads_;
  uint32_t callerState_ = 0;
};

/// True when the calling thread flushes denormals (FTZ and DAZ both set).
/// Always false where the runtime does not manage them (not x86-64).
bool flushesDenormals();

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_FLOATENV_H
