// A thread that runs a communicator's all-reduces while the caller's
// thread computes: the caller queues a started request and goes on with
// the backward pass; the thread runs the reductions one after the other, in
// the order they were started (the order every rank starts them), and marks
// each done. Without it, a reduction through the shared arena runs inside
// the wait and an MPI one advances only when the session tests it between
// kernels. Opt-in (BRAID_PROGRESS_THREAD=1, MpiCommunicator.cpp).
//
// The thread sleeps while nothing is queued, so it takes no core between
// buckets; while a reduction waits for other ranks it polls, then yields
// (Poller.h), like every wait.
#ifndef BRAID_RUNTIME_COMM_PROGRESSTHREAD_H
#define BRAID_RUNTIME_COMM_PROGRESSTHREAD_H

#include "runtime/comm/Communicator.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace braid::runtime {

class ProgressThread {
public:
  /// `run(context, request)` performs a queued request on the thread.
  using Run = Status (*)(void *context, CommRequest *request);
  ProgressThread(Run run, void *context);
  /// Finishes what is queued, then stops the thread.
  ~ProgressThread();

  /// Queues a request. False when the queue is full: the caller then runs
  /// the request itself.
  bool submit(CommRequest *request);
  /// Waits until `request` is done and returns its status. `timeoutSeconds`
  /// bounds the wait; the reductions' own deadlines fire first.
  /// `*blocked` gets the seconds this call waited.
  Status wait(CommRequest *request, double timeoutSeconds, double *blocked);
  /// Seconds the thread has spent running requests.
  double busySeconds() const {
    return static_cast<double>(busyNanoseconds_.load()) * 1e-9;
  }

private:
  void loop();

  Run run_;
  void *context_;
  std::mutex mutex_;
  std::condition_variable wake_;
  /// A ring of queued requests; head_ is the next to run.
  std::vector<CommRequest *> ring_;
  size_t head_ = 0, tail_ = 0;
  bool stop_ = false;
  std::atomic<int64_t> busyNanoseconds_{0};
  /// The first failure; only the thread reads or writes it.
  Status failed_;
  std::thread thread_;
};

} // namespace braid::runtime

#endif // BRAID_RUNTIME_COMM_PROGRESSTHREAD_H
