// Progress: what a training run shows while it runs, as a redrawn progress
// bar on a terminal or as plain lines in a log.
#ifndef BRAID_RUNTIME_TRAIN_PROGRESS_H
#define BRAID_RUNTIME_TRAIN_PROGRESS_H

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

namespace braid::runtime::train {

struct ProgressOptions {
  enum class Style {
    Auto,  // Bar when the stream is a terminal (isatty), Lines otherwise
    Bar,   // "epoch 3/10 [#####.....] 512/937 loss 0.4123 acc 85.2%
           //  48210 samples/s ETA 0:07", redrawn in place with \r
    Lines, // "epoch 3/10 step 512/937 loss 0.4123 samples/s 48210" every
           // `lineEvery` steps and at each epoch's end
  };
  /// The stream to write to (stderr or stdout; not owned).
  FILE *stream = stderr;
  /// When set, the text goes here instead of to `stream` (a library reports
  /// through its caller), and Style::Auto means Lines.
  std::function<void(const std::string &)> write;
  Style style = Style::Auto;
  int64_t epochs = 1;         // the run's number of epochs
  int64_t stepsPerEpoch = 1;  // batches per epoch
  int64_t samplesPerStep = 1; // the global batch size, for samples/s
  int64_t lineEvery = 100;    // Lines: a line every this many steps
  int barWidth = 10;          // Bar: characters between the brackets
  double redrawSeconds = 0.1; // Bar: at most one redraw per this interval
  /// Seconds on a monotonic clock; steady_clock unless a test sets it.
  std::function<double()> clock;
};

/// The summary shown when an epoch ends; accuracies are fractions in [0, 1].
struct EpochSummary {
  double loss = 0;
  std::optional<double> accuracy;
  std::optional<double> testLoss;
  std::optional<double> testAccuracy;
  std::optional<double> valLoss; // a text's validation loss
};

/// Reports a run's progress on a stream. Writes nothing but progress text
/// (the bar ends its line before the next epoch's output). Not thread-safe.
class ProgressReporter {
public:
  explicit ProgressReporter(ProgressOptions options);

  /// True when drawing a bar (after resolving Style::Auto).
  bool isBar() const { return bar_; }

  /// Starts epoch `epoch` (1-based), at step `firstStep` (0 unless resuming
  /// in the middle of the epoch); samples/s counts from here.
  void beginEpoch(int64_t epoch, int64_t firstStep = 0);
  /// Reports that `stepsDone` steps of the epoch are done; `loss` and
  /// `accuracy` are what to show (e.g. the epoch's running means).
  void step(int64_t stepsDone, double loss,
            std::optional<double> accuracy = std::nullopt);
  /// Ends the epoch: the bar is drawn complete with the summary and its line
  /// ended; in Lines style a final line is written with the summary.
  void endEpoch(const EpochSummary &summary);

  /// Samples per second since beginEpoch.
  double samplesPerSecond() const;
  /// The learning rate the next reports show ("lr 0.0003"), when the plan
  /// computes one; none by default.
  void setRate(std::optional<double> lr) { lr_ = lr; }

private:
  std::optional<double> lr_;
  std::string barLine(int64_t stepsDone, double loss,
                      std::optional<double> accuracy) const;
  /// `line` as a redraw of the bar: "\r", the line, and blanks over the
  /// rest of the previous one.
  std::string redraw(const std::string &line);
  void put(const std::string &text);
  ProgressOptions o_;
  bool bar_ = false;
  int64_t epoch_ = 1;
  int64_t firstStep_ = 0;
  int64_t stepsDone_ = 0;
  std::optional<double> lastAccuracy_;
  double epochStart_ = 0;
  double lastDraw_ = -1e300;
  size_t lastWidth_ = 0;
};

/// Formats seconds as M:SS, or H:MM:SS from an hour on ("0:07", "1:02:03").
std::string formatDuration(double seconds);

} // namespace braid::runtime::train

#endif // BRAID_RUNTIME_TRAIN_PROGRESS_H
