// Progress: the progress bar and the plain progress lines of a training run.
#include "runtime/train/Progress.h"

#include <chrono>
#include <cmath>
#include <unistd.h>

namespace braid::runtime::train {
namespace {

std::string format(const char *fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string summaryTail(const EpochSummary &s) {
  std::string t;
  if (s.testLoss)
    t += " test_loss " + format("%.4f", *s.testLoss);
  if (s.testAccuracy)
    t += " test_acc " + format("%.1f%%", *s.testAccuracy * 100);
  if (s.valLoss)
    t += " val_loss " + format("%.4f", *s.valLoss);
  return t;
}

} // namespace

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    seconds = 0;
  long long s = static_cast<long long>(seconds + 0.5);
  char buf[48];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600,
                  (s / 60) % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

ProgressReporter::ProgressReporter(ProgressOptions options)
    : o_(std::move(options)) {
  if (!o_.clock)
    o_.clock = [] {
      return std::chrono::duration<double>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  if (o_.stepsPerEpoch < 1)
    o_.stepsPerEpoch = 1;
  if (o_.lineEvery < 1)
    o_.lineEvery = 1;
  if (o_.barWidth < 1)
    o_.barWidth = 1;
  bar_ = o_.style == ProgressOptions::Style::Bar ||
         (o_.style == ProgressOptions::Style::Auto && !o_.write &&
          ::isatty(::fileno(o_.stream)));
  epochStart_ = o_.clock();
}

void ProgressReporter::beginEpoch(int64_t epoch, int64_t firstStep) {
  epoch_ = epoch;
  firstStep_ = firstStep;
  stepsDone_ = firstStep;
  lastAccuracy_.reset();
  epochStart_ = o_.clock();
  lastDraw_ = -1e300;
  lastWidth_ = 0;
}

double ProgressReporter::samplesPerSecond() const {
  double elapsed = o_.clock() - epochStart_;
  double samples =
      static_cast<double>(stepsDone_ - firstStep_) * o_.samplesPerStep;
  return elapsed > 0 ? samples / elapsed : 0;
}

std::string ProgressReporter::barLine(int64_t stepsDone, double loss,
                                      std::optional<double> accuracy) const {
  int64_t total = o_.stepsPerEpoch;
  int64_t done = stepsDone < total ? stepsDone : total;
  int filled = static_cast<int>(done * o_.barWidth / total);
  std::string line =
      "epoch " + std::to_string(epoch_) + "/" + std::to_string(o_.epochs) +
      " [" + std::string(filled, '#') + std::string(o_.barWidth - filled, '.') +
      "] " + std::to_string(stepsDone) + "/" + std::to_string(total) +
      " loss " + format("%.4f", loss);
  if (accuracy)
    line += " acc " + format("%.1f%%", *accuracy * 100);
  if (lr_)
    line += " lr " + format("%.3g", *lr_);
  line += " " + format("%.0f", samplesPerSecond()) + " samples/s";
  int64_t stepsRun = stepsDone_ - firstStep_;
  if (stepsRun > 0 && stepsDone < total) {
    double perStep = (o_.clock() - epochStart_) / stepsRun;
    line += " ETA " + formatDuration(perStep * (total - stepsDone));
  }
  return line;
}

std::string ProgressReporter::redraw(const std::string &line) {
  std::string out = "\r" + line;
  if (line.size() < lastWidth_)
    out += std::string(lastWidth_ - line.size(), ' ');
  lastWidth_ = line.size();
  return out;
}

void ProgressReporter::put(const std::string &text) {
  if (o_.write) {
    o_.write(text);
    return;
  }
  std::fputs(text.c_str(), o_.stream);
  std::fflush(o_.stream);
}

void ProgressReporter::step(int64_t stepsDone, double loss,
                            std::optional<double> accuracy) {
  stepsDone_ = stepsDone;
  lastAccuracy_ = accuracy;
  if (bar_) {
    double now = o_.clock();
    if (now - lastDraw_ < o_.redrawSeconds && stepsDone < o_.stepsPerEpoch)
      return;
    lastDraw_ = now;
    put(redraw(barLine(stepsDone, loss, accuracy)));
    return;
  }
  if (stepsDone % o_.lineEvery != 0 || stepsDone >= o_.stepsPerEpoch)
    return; // the epoch's last step is reported by endEpoch
  char line[160];
  std::snprintf(line, sizeof line, "epoch %lld/%lld step %lld/%lld loss %.4f",
                static_cast<long long>(epoch_),
                static_cast<long long>(o_.epochs),
                static_cast<long long>(stepsDone),
                static_cast<long long>(o_.stepsPerEpoch), loss);
  std::string text = line;
  if (lr_)
    text += " lr " + format("%.3g", *lr_);
  put(text + " samples/s " + format("%.0f", samplesPerSecond()) + "\n");
}

void ProgressReporter::endEpoch(const EpochSummary &summary) {
  std::optional<double> accuracy =
      summary.accuracy ? summary.accuracy : lastAccuracy_;
  if (bar_) {
    put(redraw(barLine(stepsDone_, summary.loss, accuracy) +
               summaryTail(summary)) +
        "\n");
  } else {
    std::string line = "epoch " + std::to_string(epoch_) + "/" +
                       std::to_string(o_.epochs) + " step " +
                       std::to_string(stepsDone_) + "/" +
                       std::to_string(o_.stepsPerEpoch) + " loss " +
                       format("%.4f", summary.loss) + " samples/s " +
                       format("%.0f", samplesPerSecond());
    if (accuracy)
      line += " acc " + format("%.1f%%", *accuracy * 100);
    line += summaryTail(summary);
    put(line + "\n");
  }
}

} // namespace braid::runtime::train
