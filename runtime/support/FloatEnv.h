// The floating-point environment of a run: flush-to-zero and
// denormals-are-zero on every thread that runs the runtime's kernels.
//
// Arithmetic on denormal floats (below 1.2e-38) takes a slow microcode path
// on many x86-64 CPUs. Activations and gradients drift into that range as a
// model trains, so later epochs can run much slower than the first with no
// gain in accuracy (bench/denormals.sh measures it; the penalty differs
// between CPUs). Setting MXCSR's FTZ (results) and DAZ (inputs) bits makes
// such values zero, as PyTorch's set_flush_denormal(True) does.
//
// The bits are per thread, and the caller's thread may belong to a service
// with its own floating-point needs, so a scope sets them for one run only,
// on the calling thread and the OpenMP workers, and restores each thread's
// own state when it ends. On one thread that is two MXCSR writes. With
// workers it is two more OpenMP regions a run, which wake sleeping workers
// (OMP_WAIT_POLICY=passive): a cost on every step of a small model. A loop
// of runs therefore holds one scope around all of them (the trainer does),
// and the runs' own scopes, nested in it, do nothing.
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
  /// Inside an enclosing scope of this thread whose team is at least as
  /// large, a scope does nothing: the threads flush already, and the
  /// enclosing scope restores them. A loop of runs (the trainer's epochs)
  /// holds one scope around them, so its steps fork no extra regions.
  bool nested_ = false;
  /// The enclosing scopes' team, given back when this one ends.
  int enclosingTeam_ = 0;
  bool enabled_;
  int threads_;
  uint32_t callerState_ = 0;
};

/// True when the calling thread flushes denormals (FTZ and DAZ both set).
/// Always false where the runtime does not manage them (not x86-64).
bool flushesDenormals();

} // namespace braid::runtime

#endif // BRAID_RUNTIME_SUPPORT_FLOATENV_H
