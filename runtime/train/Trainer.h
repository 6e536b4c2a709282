// Trainer: the training loop of `braid-run train` and of the C API's
// braid_trainer_t: epochs of shuffled batches through a session's
// train_step, evaluation, metrics, checkpoints and progress events.
#ifndef BRAID_RUNTIME_TRAIN_TRAINER_H
#define BRAID_RUNTIME_TRAIN_TRAINER_H

#include "braid/braid_train.h"
#include "runtime/support/Status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace braid::runtime::train {

/// What a trainer does; braid_trainer_options_t (braid/braid_train.h) says
/// what each member means. Empty strings stand for NULL.
struct TrainerOptions {
  std::string data, testData, initFrom, save, metrics;
  int64_t epochs = 0;
  int64_t maxSteps = 0;
  int64_t evalEvery = 1;
  braid_session_options_t session{};
  bool bar = false;
  int64_t lineEvery = 100;
  /// Also saves every N steps (and on a stop request); 0: at the end only.
  int64_t saveEvery = 0;
  /// initFrom's weights only, at epoch 1 with a fresh optimizer.
  bool restartFromWeights = false;
  /// Resumes at initFrom's position with the optimizer state at zero.
  bool freshOptimizer = false;
  /// Batches in the data's order, unshuffled (not for text).
  bool inOrder = false;
  /// The share of a text (the tail) held out for validation, in [0, 1).
  double valFraction = 0.1;
  /// Writes a Chrome trace of the first traceSteps steps to tracePath
  /// (empty: none); every rank of a job must set the same.
  std::string tracePath;
  int64_t traceSteps = 100;
  /// Reports the share of the step's time per kernel at the end (a
  /// BRAID_TRAIN_EVENT_PROFILE event, rank 0's kernels).
  bool profile = false;
  /// Receives every event on rank 0; may be empty.
  std::function<void(const braid_train_event_t &)> onEvent;
};

/// The mean loss (and accuracy) of eval over the whole batches of the
/// evaluation data.
struct Evaluation {
  double loss = 0;
  std::optional<double> accuracy;
  int64_t samples = 0;        // samples evaluated
  int64_t datasetSamples = 0; // samples in the data
};

/// A training run over a plan. The loop drives its session through the C
/// API (braid/braid.h), as any program embedding the runtime would; it
/// prints nothing and never ends the process: failures are returned as a
/// Status whose message is the whole sentence, and what a command-line
/// tool shows goes to the event callback. Not thread-safe.
class Trainer {
public:
  /// Reads the data, creates the session and loads `initFrom`. Collective
  /// with a communicator.
  static Status create(braid_plan_t *plan, TrainerOptions options,
                       std::unique_ptr<Trainer> *out);
  ~Trainer();
  Trainer(const Trainer &) = delete;
  Trainer &operator=(const Trainer &) = delete;

  /// Trains to the last epoch or maxSteps (or a stop request), then saves
  /// the checkpoint.
  Status run();
  /// Stops run() at the next step boundary (every rank at the same one).
  /// Async-signal-safe: it stores to a lock-free atomic.
  void requestStop() noexcept;
  /// True when run() ended early on a stop request of any rank.
  bool stoppedOnRequest() const;
  /// Evaluates the current parameters on the evaluation data.
  Status evaluate(Evaluation *out);

  braid_session_t *session() const;

private:
  struct State;
  explicit Trainer(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_TRAINER_H
