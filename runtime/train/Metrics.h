// Metrics: a JSON Lines log of a training run's step and epoch metrics, for
// plots and for comparing runs.
#ifndef BRAID_RUNTIME_TRAIN_METRICS_H
#define BRAID_RUNTIME_TRAIN_METRICS_H

#include "runtime/support/Status.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

namespace braid::runtime::train {

/// One logged training step, written as
/// {"epoch","step","loss","samples_per_s","wall_s"}.
struct StepMetrics {
  int64_t epoch = 0; // 1-based, as the progress line shows it
  int64_t step = 0;  // the global step (steps done since the start)
  double loss = 0;   // the value the caller reports (e.g. running mean)
  double samplesPerSecond = 0;
  double wallSeconds = 0; // since the start of the run
  /// The step's learning rate and global gradient norm (before clipping),
  /// when the plan's train_step outputs them ("lr", "grad_norm").
  std::optional<double> lr, gradNorm;
};

/// One finished epoch, written as {"epoch","loss","accuracy","test_loss",
/// "test_accuracy","val_loss","samples_per_s","wall_s","collective_s",
/// "hidden_s"}; the
/// optional members are left out when unknown. Accuracies are fractions in
/// [0, 1]. collective_s and hidden_s (data parallel): rank 0's seconds in
/// all-reduces since the start, and the part hidden behind computation.
struct EpochMetrics {
  int64_t epoch = 0;
  double loss = 0;
  std::optional<double> accuracy;
  std::optional<double> testLoss;
  std::optional<double> testAccuracy;
  double samplesPerSecond = 0;
  double wallSeconds = 0;
  std::optional<double> collectiveSeconds;
  std::optional<double> hiddenSeconds;
  /// A text's validation loss (its held-out tail), in place of test_loss.
  std::optional<double> valLoss;
};

/// A validation at the end of a run that did not end with an epoch's,
/// written as {"validated_at_step","val_loss","wall_s"} (no "step" key:
/// readers tell step records by it).
struct ValidationMetrics {
  int64_t step = 0; // the global step (steps done since the start)
  double valLoss = 0;
  double wallSeconds = 0;
};

/// Appends one JSON object per line to a file. Step lines are written in
/// batches at most `flushSeconds` apart, epoch lines at once (with any
/// step lines before them), and everything when the writer closes: a write
/// and flush per step cost the reference model up to a fifth of its
/// throughput. The first line is written at once.
/// Lines reach the file whole, one write at a time, so a killed job's log
/// ends with a complete line, at most `flushSeconds` of steps short.
/// Non-finite numbers (a diverged loss) are written as null. Not
/// thread-safe.
class MetricsWriter {
public:
  /// Opens `path` for appending (created if missing; emptied first when
  /// `truncate`). IoError naming the file and the system's reason.
  static Status open(const std::string &path, bool truncate,
                     std::unique_ptr<MetricsWriter> *out,
                     double flushSeconds = 1.0);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter &) = delete;
  MetricsWriter &operator=(const MetricsWriter &) = delete;

  Status logStep(const StepMetrics &m);
  Status logEpoch(const EpochMetrics &m);
  Status logValidation(const ValidationMetrics &m);
  /// Writes the queued step lines now (the destructor does too, but cannot
  /// report a failure).
  Status flush();

  const std::string &path() const { return path_; }

private:
  MetricsWriter(std::string path, FILE *file, double flushSeconds)
      : path_(std::move(path)), file_(file), flushSeconds_(flushSeconds) {}
  /// Queues `line`; writes the queue when `now` or the interval is due.
  Status writeLine(const std::string &line, bool now);
  std::string path_;
  FILE *file_;
  double flushSeconds_;
  std::string pending_;
  /// Unset until the first write. The first line is written at once, so a
  /// file that cannot be written stops training at its first step; an
  /// "epoch" time point would not do, since the steady clock starts at boot
  /// and a machine up for less than the interval would queue it.
  std::optional<std::chrono::steady_clock::time_point> lastFlush_;
};

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_METRICS_H
