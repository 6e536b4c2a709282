// See ProgressThread.h.
#include "runtime/comm/ProgressThread.h"

#include "runtime/comm/Poller.h"

#include <chrono>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace braid::runtime {
namespace {

/// More buckets than any plan keeps in flight at once.
constexpr size_t kQueueSize = 256;

} // namespace

ProgressThread::ProgressThread(Run run, void *context)
    : run_(run), context_(context), ring_(kQueueSize) {
  thread_ = std::thread([this] { loop(); });
}

ProgressThread::~ProgressThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool ProgressThread::submit(CommRequest *request) {
#if defined(__x86_64__)
  // The sums run in the caller's floating-point environment (denormals
  // flushed or not), so that they are the bits the caller's thread would
  // compute.
  request->mxcsr = _mm_getcsr();
#endif
  __atomic_store_n(&request->done, 0, __ATOMIC_RELAXED);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (tail_ - head_ == ring_.size())
      return false;
    ring_[tail_++ % ring_.size()] = request;
  }
  wake_.notify_one();
  return true;
}

void ProgressThread::loop() {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    CommRequest *request = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || head_ != tail_; });
      if (head_ == tail_)
        return; // stopping, nothing left
      request = ring_[head_++ % ring_.size()];
    }
#if defined(__x86_64__)
    _mm_setcsr(request->mxcsr);
#endif
    const auto begin = Clock::now();
    // After a failure (a peer died or stopped answering) the job is ending:
    // later requests fail at once instead of each waiting out a deadline.
    if (failed_.isOk())
      request->result = run_(context_, request);
    else
      request->result = failed_;
    if (!request->result.isOk() && failed_.isOk())
      failed_ = request->result;
    busyNanoseconds_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                            Clock::now() - begin)
                            .count();
    __atomic_store_n(&request->done, 1, __ATOMIC_RELEASE);
  }
}

Status ProgressThread::wait(CommRequest *request, double timeoutSeconds,
                            double *blocked) {
  // The thread's own waits on peers are shortened on a stop request.
  Poller poller(timeoutSeconds, Poller::OnStop::Keep);
  while (!__atomic_load_n(&request->done, __ATOMIC_ACQUIRE))
    if (!poller.keepWaiting())
      return internalError(
          "the progress thread did not finish an all-reduce "
          "of " +
          std::to_string(request->count * sizeof(float)) + " bytes within " +
          std::to_string(static_cast<int>(timeoutSeconds)) + " s");
  *blocked = poller.waitedSeconds();
  return std::move(request->result);
}

} // namespace braid::runtime
