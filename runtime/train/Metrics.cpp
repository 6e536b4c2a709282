// Metrics: the JSON Lines log of a training run.
#include "runtime/train/Metrics.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>

namespace braid::runtime::train {
namespace {

nlohmann::ordered_json number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v)
                          : nlohmann::ordered_json(nullptr);
}

} // namespace

Status MetricsWriter::open(const std::string &path, bool truncate,
                           std::unique_ptr<MetricsWriter> *out,
                           double flushSeconds) {
  FILE *f = std::fopen(path.c_str(), truncate ? "w" : "a");
  if (!f)
    return ioError("opening metrics file " + path + ": " +
                   std::strerror(errno));
  // Unbuffered: the queue is written with one fwrite, so stdio never
  // splits a line across two writes.
  std::setvbuf(f, nullptr, _IONBF, 0);
  out->reset(new MetricsWriter(path, f, flushSeconds));
  return Status::ok();
}

MetricsWriter::~MetricsWriter() {
  (void)flush();
  std::fclose(file_);
}

Status MetricsWriter::flush() {
  lastFlush_ = std::chrono::steady_clock::now();
  if (pending_.empty())
    return Status::ok();
  size_t written = std::fwrite(pending_.data(), 1, pending_.size(), file_);
  bool complete = written == pending_.size();
  pending_.clear();
  if (!complete)
    return ioError("writing metrics file " + path_ + ": " +
                   std::strerror(errno));
  return Status::ok();
}

Status MetricsWriter::writeLine(const std::string &line, bool now) {
  pending_ += line;
  pending_ += '\n';
  if (now || !lastFlush_ ||
      std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                    *lastFlush_)
              .count() >= flushSeconds_)
    return flush();
  return Status::ok();
}

Status MetricsWriter::logStep(const StepMetrics &m) {
  nlohmann::ordered_json j;
  j["epoch"] = m.epoch;
  j["step"] = m.step;
  j["loss"] = number(m.loss);
  if (m.lr)
    j["lr"] = number(*m.lr);
  if (m.gradNorm)
    j["grad_norm"] = number(*m.gradNorm);
  j["samples_per_s"] = number(m.samplesPerSecond);
  j["wall_s"] = number(m.wallSeconds);
  return writeLine(j.dump(), /*now=*/false);
}

Status MetricsWriter::logEpoch(const EpochMetrics &m) {
  nlohmann::ordered_json j;
  j["epoch"] = m.epoch;
  j["loss"] = number(m.loss);
  if (m.accuracy)
    j["accuracy"] = number(*m.accuracy);
  if (m.testLoss)
    j["test_loss"] = number(*m.testLoss);
  if (m.testAccuracy)
    j["test_accuracy"] = number(*m.testAccuracy);
  if (m.valLoss)
    j["val_loss"] = number(*m.valLoss);
  j["samples_per_s"] = number(m.samplesPerSecond);
  j["wall_s"] = number(m.wallSeconds);
  if (m.collectiveSeconds)
    j["collective_s"] = number(*m.collectiveSeconds);
  if (m.hiddenSeconds)
    j["hidden_s"] = number(*m.hiddenSeconds);
  return writeLine(j.dump(), /*now=*/true);
}

Status MetricsWriter::logValidation(const ValidationMetrics &m) {
  nlohmann::ordered_json j;
  j["validated_at_step"] = m.step;
  j["val_loss"] = number(m.valLoss);
  j["wall_s"] = number(m.wallSeconds);
  return writeLine(j.dump(), /*now=*/true);
}

} // namespace braid::runtime::train
