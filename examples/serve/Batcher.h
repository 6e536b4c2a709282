// Dynamic batching: predict requests that arrive together run as one
// predict of their rows joined, up to a row limit and a wait.
#ifndef BRAID_SERVE_BATCHER_H
#define BRAID_SERVE_BATCHER_H

#include "Metrics.h"
#include "ModelHandle.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace serve {

struct BatchOptions {
  /// The most rows one predict run gathers, at most the plan's batch (0:
  /// the plan's batch); 1 runs every request alone.
  int64_t maxBatch = 0;
  /// How long the first request of a batch waits for more to join it, in
  /// microseconds, unless `maxBatch` rows arrive sooner.
  int64_t waitUs = 200;
};

/// Joins concurrent requests row-wise into one predict run. The worker
/// whose request finds no batch being gathered leads the next one: it
/// waits until `maxBatch` rows are queued or `waitUs` passes, takes the
/// queued requests that fit, in arrival order, runs them and hands each
/// its rows of the outputs; the workers of the requests it took just wait.
/// Several batches run at once, one per session of the model. Exact
/// because predict's rows are independent (braidc checks it for a plan
/// compiled for a range of batch sizes; docs/serving.md).
class Batcher {
public:
  Batcher(ModelHandle &model, const BatchOptions &options, Metrics &metrics);

  /// Whether requests are joined: --max-batch above 1 and a model whose
  /// every input has the rows first.
  bool enabled() const { return maxBatch_ > 1; }
  /// The most rows one predict run gathers; 1 when batching is off.
  int64_t maxBatch() const { return maxBatch_; }

  /// Predict for one request of `rows` rows: `inputs` in signature order,
  /// each of TensorSpec::bytes with its first `rows` rows set; *outputs is
  /// resized to TensorSpec::bytes each and gets the first `rows` rows.
  bool predict(int64_t rows,
               const std::vector<std::vector<unsigned char>> &inputs,
               std::vector<std::vector<unsigned char>> *outputs,
               std::string *error);

private:
  struct Pending;
  /// Gathers and runs one batch; called and returns with `lock` held.
  void lead(std::unique_lock<std::mutex> &lock);
  /// Runs the requests of `batch` (`rows` rows in all; one request alone
  /// when batching is off) as one predict and hands each its rows.
  void run(std::vector<Pending *> &batch, int64_t rows);

  ModelHandle &model_;
  Metrics &metrics_;
  const EntryPointSpec &entry_;
  int64_t maxBatch_;
  int64_t waitUs_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Pending *> queue_; ///< requests not yet taken, in arrival order
  int64_t queuedRows_ = 0;
  bool gathering_ = false; ///< a leader is gathering a batch
};

} // namespace serve

#endif // BRAID_SERVE_BATCHER_H
