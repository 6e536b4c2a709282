// FTZ and DAZ in MXCSR, set for the scope of a run on the caller and the
// OpenMP workers.
#include "runtime/support/FloatEnv.h"

#include <omp.h>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace braid::runtime {

#if defined(__x86_64__)
namespace {

// MXCSR is SSE, present on every x86-64 CPU, so no run-time check is needed.
constexpr uint32_t kFlushToZero = 1u << 15;
constexpr uint32_t kDenormalsAreZero = 1u << 6;
constexpr uint32_t kFlushBits = kFlushToZero | kDenormalsAreZero;

/// A worker's own state, saved when a scope starts on it. The team of the
/// closing region is normally the same threads (libgomp keeps its pool); a
/// thread that did not save keeps its state untouched, and one that saved
/// but was not in the closing team keeps its first saved state for the next
/// scope to restore.
thread_local uint32_t workerState;
thread_local bool workerSaved = false;

/// The team of the enabled scope that set this thread's workers and is still
/// open, 0 when none is.
thread_local int coveredTeam = 0;

} // namespace

FlushDenormalsScope::FlushDenormalsScope(bool enabled, int threads)
    : enabled_(enabled), threads_(threads) {
  if (!enabled_)
    return;
  if (coveredTeam >= threads_) {
    nested_ = true;
    return;
  }
  enclosingTeam_ = coveredTeam;
  coveredTeam = threads_;
  // The workers first: a worker that OpenMP starts here inherits the
  // caller's MXCSR, which must still be the caller's own so that the worker
  // saves (and later gets back) the state it would have had without Braid.
  // The caller is thread 0 of the team; a single thread needs no team.
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    if (omp_get_thread_num() != 0) {
      uint32_t state = _mm_getcsr();
      if (!workerSaved) {
        workerState = state;
        workerSaved = true;
      }
      _mm_setcsr(state | kFlushBits);
    }
  }
  callerState_ = _mm_getcsr();
  _mm_setcsr(callerState_ | kFlushBits);
}

FlushDenormalsScope::~FlushDenormalsScope() {
  if (!enabled_ || nested_)
    return;
  coveredTeam = enclosingTeam_;
  // The caller's state exactly as it was, status flags included: a run's
  // inexact or underflow flags are the runtime's business, not the caller's.
  _mm_setcsr(callerState_);
  if (threads_ > 1) {
#pragma omp parallel num_threads(threads_)
    if (omp_get_thread_num() != 0 && workerSaved) {
      _mm_setcsr(workerState);
      workerSaved = false;
    }
  }
}

bool flushesDenormals() { return (_mm_getcsr() & kFlushBits) == kFlushBits; }

#else

FlushDenormalsScope::FlushDenormalsScope(bool enabled, int threads)
    : enabled_(enabled), threads_(threads) {}
FlushDenormalsScope::~FlushDenormalsScope() = default;
bool flushesDenormals() { return false; }

#endif

} // namespace braid::runtime
