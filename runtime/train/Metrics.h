// Metrics: a JSON Lines log of a training run's step and epoch metrics, for
// plots and for comparing runs.
#ifndef BRAID_RUNTIME_TRAIN_METRICS_H
#define BRAID_RUNTIME_TRAIN_METRICS_H

#include "runtime/support/Status.h"

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
};

/// One finished epoch, written as {"epoch","loss","accuracy","test_loss",
/// "test_accuracy","samples_per_s","wall_s"}; the optional members are left
/// out when unknown. Accuracies are fractions in [0, 1].
struct EpochMetrics {
  int64_t epoch = 0;
  double loss = 0;
  std::optional<double> accuracy;
  std::optional<double> testLoss;
  std::optional<double> testAccuracy;
  double samplesPerSecond = 0;
  double wallSeconds = 0;
};

/// Appends one JSON object per line to a file and flushes each line, so a
/// crashed or running job's log is complete up to its last line. Non-finite
/// numbers (a diverged loss) are written as null. Not thread-safe.
class MetricsWriter {
public:
  /// Opens `path` for appending (created if missing; emptied first when
  /// `truncate`). IoError naming the file and the system's reason.
  static Status open(const std::string &path, bool truncate,
                     std::unique_ptr<MetricsWriter> *out);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter &) = delete;
  MetricsWriter &operator=(const MetricsWriter &) = delete;

  Status logStep(const StepMetrics &m);
  Status logEpoch(const EpochMetrics &m);

  const std::string &path() const { return path_; }

private:
  MetricsWriter(std::string path, FILE *file)
      : path_(std::move(path)), file_(file) {}
  Status writeLine(const std::string &line);
  std::string path_;
  FILE *file_;
};

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_METRICS_H
