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
                           std::unique_ptr<MetricsWriter> *out) {
  FILE *f = std::fopen(path.c_str(), truncate ? "w" : "a");
  if (!f)
    return ioError("opening metrics file " + path + ": " +
                   std::strerror(errno));
  out->reset(new MetricsWriter(path, f));
  return Status::ok();
}

MetricsWriter::~MetricsWriter() { std::fclose(file_); }

Status MetricsWriter::writeLine(const std::string &line) {
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
    return ioError("writing metrics file " + path_ + ": " +
                   std::strerror(errno));
  return Status::ok();
}

Status MetricsWriter::logStep(const StepMetrics &m) {
  nlohmann::ordered_json j;
  j["epoch"] = m.epoch;
  j["step"] = m.step;
  j["loss"] = number(m.loss);
  j["samples_per_s"] = number(m.samplesPerSecond);
  j["wall_s"] = number(m.wallSeconds);
  return writeLine(j.dump());
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
  j["samples_per_s"] = number(m.samplesPerSecond);
  j["wall_s"] = number(m.wallSeconds);
  return writeLine(j.dump());
}

} // namespace braid::runtime::train
